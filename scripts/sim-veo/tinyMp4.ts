import { createHash } from 'node:crypto';
import { encodeH264, type H264Stream } from './h264';
import { box, fullBox, u16, u32, u8, UNITY_MATRIX, zeros } from './mp4Boxes';

export interface TinyMp4Options {
  width: number;
  height: number;
  durationSeconds: number;
  /** Picks the colours, so different prompts and samples give visibly different videos. */
  seed?: string;
}

/** One frame per second keeps the file small; the first is the only coded picture. */
const FRAMES_PER_SECOND = 1;
const MOVIE_TIMESCALE = 1000;
const MEDIA_TIMESCALE = 1000;
const LANGUAGE_UND = 0x55c4;

/** Placeholder display sizes per aspect ratio: small, but the right shape. */
export function placeholderSize(aspectRatio: string | undefined): { width: number; height: number } {
  return aspectRatio === '9:16' ? { width: 72, height: 128 } : { width: 128, height: 72 };
}

/**
 * Builds a playable MP4 (ftyp, moov before mdat so a browser can start at once, one avc1 track)
 * entirely in code: nothing binary is fetched or checked in.
 */
export function makeTinyMp4(options: TinyMp4Options): Buffer {
  const { width, height, durationSeconds } = options;
  if (!Number.isInteger(durationSeconds) || durationSeconds < 1 || durationSeconds > 60) {
    throw new Error(`durationSeconds 1..60, got ${durationSeconds}`);
  }
  const colours = createHash('sha256').update(options.seed ?? 'reelguard').digest();
  const phase = colours[0]!;
  const stream = encodeH264(
    {
      width,
      height,
      // A diagonal ramp whose offset depends on the seed; the chroma pair tints it.
      luma: (x, y) => 16 + ((x * 2 + y * 3 + phase) % 220),
      cb: 16 + (colours[1]! % 225),
      cr: 16 + (colours[2]! % 225),
    },
    durationSeconds * FRAMES_PER_SECOND,
  );
  const samples = stream.frames.map((nals) => Buffer.concat(nals.map(lengthPrefixed)));
  const ftyp = box('ftyp', Buffer.from('isom', 'latin1'), u32(0x200), Buffer.from('isomiso2avc1mp41', 'latin1'));
  const moovAt = (chunkOffset: number) => movie(stream, samples, width, height, chunkOffset);
  // moov's size does not depend on the offset it records, so measure it once with a dummy offset.
  const chunkOffset = ftyp.length + moovAt(0).length + 8;
  const mdat = box('mdat', ...samples);
  return Buffer.concat([ftyp, moovAt(chunkOffset), mdat]);
}

function lengthPrefixed(nal: Buffer): Buffer {
  return Buffer.concat([u32(nal.length), nal]);
}

function movie(stream: H264Stream, samples: Buffer[], width: number, height: number, chunkOffset: number): Buffer {
  const sampleDelta = MEDIA_TIMESCALE / FRAMES_PER_SECOND;
  const mediaDuration = samples.length * sampleDelta;
  const movieDuration = Math.round((mediaDuration * MOVIE_TIMESCALE) / MEDIA_TIMESCALE);
  const mvhd = fullBox(
    'mvhd', 0, 0,
    u32(0, 0, MOVIE_TIMESCALE, movieDuration, 0x00010000), u16(0x0100, 0), zeros(8), UNITY_MATRIX, zeros(24), u32(2),
  );
  const tkhd = fullBox(
    'tkhd', 0, 0x000003, // enabled, in movie
    u32(0, 0, 1, 0, movieDuration), zeros(8), u16(0, 0, 0, 0), UNITY_MATRIX, u32(width << 16, height << 16),
  );
  const mdhd = fullBox('mdhd', 0, 0, u32(0, 0, MEDIA_TIMESCALE, mediaDuration), u16(LANGUAGE_UND, 0));
  const hdlr = fullBox('hdlr', 0, 0, u32(0), Buffer.from('vide', 'latin1'), zeros(12), Buffer.from('VideoHandler\0', 'latin1'));
  const vmhd = fullBox('vmhd', 0, 1, u16(0, 0, 0, 0));
  const dinf = box('dinf', fullBox('dref', 0, 0, u32(1), fullBox('url ', 0, 1)));
  const avcC = box(
    'avcC',
    u8(1, stream.profileIdc, stream.constraintFlags, stream.levelIdc, 0xff /* 4-byte NAL lengths */, 0xe1 /* one SPS */),
    u16(stream.sps.length), stream.sps,
    u8(1), u16(stream.pps.length), stream.pps,
  );
  const compressorName = zeros(32);
  const avc1 = box(
    'avc1',
    zeros(6), u16(1), // reserved, data_reference_index
    zeros(16), u16(width, height), u32(0x00480000, 0x00480000, 0), u16(1), compressorName, u16(0x0018, 0xffff),
    avcC,
  );
  const stbl = box(
    'stbl',
    fullBox('stsd', 0, 0, u32(1), avc1),
    fullBox('stts', 0, 0, u32(1, samples.length, sampleDelta)),
    fullBox('stss', 0, 0, u32(1, 1)),
    fullBox('stsc', 0, 0, u32(1, 1, samples.length, 1)),
    fullBox('stsz', 0, 0, u32(0, samples.length, ...samples.map((s) => s.length))),
    fullBox('stco', 0, 0, u32(1, chunkOffset)),
  );
  const trak = box('trak', tkhd, box('mdia', mdhd, hdlr, box('minf', vmhd, dinf, stbl)));
  return box('moov', mvhd, trak);
}
