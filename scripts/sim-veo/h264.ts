import { BitWriter } from './bitWriter';

/**
 * A deliberately tiny H.264 encoder: Constrained Baseline, one IDR frame whose macroblocks are
 * all I_PCM (raw samples, so no transform or entropy coding is needed), followed by P frames that
 * skip every macroblock. Any conforming decoder (browsers, ffmpeg) plays the result.
 */
export interface H264Picture {
  /** Display size; coded size is rounded up to whole 16×16 macroblocks and cropped back. */
  width: number;
  height: number;
  /** 8-bit luma value at (x, y) of the coded frame; kept within 16..235 (video range). */
  luma(x: number, y: number): number;
  cb: number;
  cr: number;
}

export interface H264Stream {
  sps: Buffer;
  pps: Buffer;
  /** One access unit (NAL units without start codes) per frame; the first is the IDR. */
  frames: Buffer[][];
  profileIdc: number;
  constraintFlags: number;
  levelIdc: number;
}

const NAL_SLICE = 1;
const NAL_IDR = 5;
const NAL_SPS = 7;
const NAL_PPS = 8;
const PROFILE_BASELINE = 66;
/** constraint_set0 + constraint_set1: Constrained Baseline, which every browser decodes. */
const CONSTRAINT_FLAGS = 0b1100_0000;
/** Level 3.0: the I_PCM frame is a few hundred kbit/s, far over level 1's 64 kbit/s. */
const LEVEL_IDC = 30;
const LOG2_MAX_FRAME_NUM = 4;
const MB_TYPE_I_PCM = 25;
const SLICE_TYPE_P_ALL = 5;
const SLICE_TYPE_I_ALL = 7;
const MAX_MACROBLOCKS = 396; // level 3.0 allows 1620; CIF is more than a placeholder needs

/** Wraps an RBSP into a NAL unit, inserting emulation-prevention bytes so no start code appears inside. */
export function nalUnit(nalRefIdc: number, nalUnitType: number, rbsp: Buffer): Buffer {
  const out: number[] = [(nalRefIdc << 5) | nalUnitType];
  let zeros = 0;
  for (const byte of rbsp) {
    if (zeros >= 2 && byte <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return Buffer.from(out);
}

export function encodeH264(picture: H264Picture, frameCount: number): H264Stream {
  const { width, height } = picture;
  if (width < 2 || height < 2 || width % 2 || height % 2) throw new Error(`even width and height needed, got ${width}x${height}`);
  if (!Number.isInteger(frameCount) || frameCount < 1 || frameCount > 600) throw new Error(`frameCount 1..600, got ${frameCount}`);
  const widthMbs = Math.ceil(width / 16);
  const heightMbs = Math.ceil(height / 16);
  if (widthMbs * heightMbs > MAX_MACROBLOCKS) throw new Error(`${width}x${height} is larger than a placeholder needs`);

  const sps = nalUnit(3, NAL_SPS, sequenceParameterSet(width, height, widthMbs, heightMbs));
  const pps = nalUnit(3, NAL_PPS, pictureParameterSet());
  const frames: Buffer[][] = [[nalUnit(3, NAL_IDR, idrSlice(picture, widthMbs, heightMbs))]];
  for (let i = 1; i < frameCount; i += 1) {
    frames.push([nalUnit(2, NAL_SLICE, skippedPSlice(i % (1 << LOG2_MAX_FRAME_NUM), widthMbs * heightMbs))]);
  }
  return { sps, pps, frames, profileIdc: PROFILE_BASELINE, constraintFlags: CONSTRAINT_FLAGS, levelIdc: LEVEL_IDC };
}

function sequenceParameterSet(width: number, height: number, widthMbs: number, heightMbs: number): Buffer {
  const w = new BitWriter();
  w.bits(8, PROFILE_BASELINE).bits(8, CONSTRAINT_FLAGS).bits(8, LEVEL_IDC);
  w.ue(0); // seq_parameter_set_id
  w.ue(LOG2_MAX_FRAME_NUM - 4);
  w.ue(2); // pic_order_cnt_type 2: output order = decoding order, no POC in slice headers
  w.ue(1); // max_num_ref_frames
  w.bit(0); // gaps_in_frame_num_value_allowed_flag
  w.ue(widthMbs - 1);
  w.ue(heightMbs - 1);
  w.bit(1); // frame_mbs_only_flag
  w.bit(1); // direct_8x8_inference_flag
  // Cropping units are 2 luma samples in 4:2:0 frame coding.
  const cropRight = (widthMbs * 16 - width) / 2;
  const cropBottom = (heightMbs * 16 - height) / 2;
  const cropping = cropRight > 0 || cropBottom > 0;
  w.bit(cropping ? 1 : 0);
  if (cropping) w.ue(0).ue(cropRight).ue(0).ue(cropBottom);
  w.bit(0); // vui_parameters_present_flag: the MP4 carries timing
  return w.trailingBits().toBuffer();
}

function pictureParameterSet(): Buffer {
  const w = new BitWriter();
  w.ue(0); // pic_parameter_set_id
  w.ue(0); // seq_parameter_set_id
  w.bit(0); // entropy_coding_mode_flag: CAVLC
  w.bit(0); // bottom_field_pic_order_in_frame_present_flag
  w.ue(0); // num_slice_groups_minus1
  w.ue(0); // num_ref_idx_l0_default_active_minus1
  w.ue(0); // num_ref_idx_l1_default_active_minus1
  w.bit(0); // weighted_pred_flag
  w.bits(2, 0); // weighted_bipred_idc
  w.se(0); // pic_init_qp_minus26
  w.se(0); // pic_init_qs_minus26
  w.se(0); // chroma_qp_index_offset
  w.bit(0); // deblocking_filter_control_present_flag
  w.bit(0); // constrained_intra_pred_flag
  w.bit(0); // redundant_pic_cnt_present_flag
  return w.trailingBits().toBuffer();
}

function idrSlice(picture: H264Picture, widthMbs: number, heightMbs: number): Buffer {
  const w = new BitWriter();
  w.ue(0); // first_mb_in_slice
  w.ue(SLICE_TYPE_I_ALL);
  w.ue(0); // pic_parameter_set_id
  w.bits(LOG2_MAX_FRAME_NUM, 0); // frame_num
  w.ue(0); // idr_pic_id
  w.bit(0); // no_output_of_prior_pics_flag
  w.bit(0); // long_term_reference_flag
  w.se(0); // slice_qp_delta
  const luma = new Uint8Array(256);
  const chroma = new Uint8Array(128);
  chroma.fill(clampVideoRange(picture.cb), 0, 64);
  chroma.fill(clampVideoRange(picture.cr), 64, 128);
  for (let mbY = 0; mbY < heightMbs; mbY += 1) {
    for (let mbX = 0; mbX < widthMbs; mbX += 1) {
      w.ue(MB_TYPE_I_PCM);
      w.alignWithZeros(); // pcm_alignment_zero_bit
      for (let y = 0; y < 16; y += 1) {
        for (let x = 0; x < 16; x += 1) luma[y * 16 + x] = clampVideoRange(picture.luma(mbX * 16 + x, mbY * 16 + y));
      }
      w.byteArray(luma).byteArray(chroma);
    }
  }
  return w.trailingBits().toBuffer();
}

function skippedPSlice(frameNum: number, macroblocks: number): Buffer {
  const w = new BitWriter();
  w.ue(0); // first_mb_in_slice
  w.ue(SLICE_TYPE_P_ALL);
  w.ue(0); // pic_parameter_set_id
  w.bits(LOG2_MAX_FRAME_NUM, frameNum);
  w.bit(0); // num_ref_idx_active_override_flag
  w.bit(0); // ref_pic_list_modification_flag_l0
  w.bit(0); // adaptive_ref_pic_marking_mode_flag (reference picture: sliding window)
  w.se(0); // slice_qp_delta
  w.ue(macroblocks); // mb_skip_run: the whole frame repeats the reference
  return w.trailingBits().toBuffer();
}

/** Sample value 0 was forbidden in I_PCM by early editions of the standard; video range avoids it. */
function clampVideoRange(value: number): number {
  return Math.min(235, Math.max(16, Math.round(value)));
}
