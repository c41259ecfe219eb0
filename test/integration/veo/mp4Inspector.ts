/**
 * An independent reader for the MP4s the simulated Veo makes (no ffprobe here): walks the box
 * tree, checks the sample tables against mdat, and parses every H.264 NAL unit far enough to
 * prove the bitstream is well-formed (SPS size and cropping, I_PCM macroblocks, skip runs,
 * trailing bits exactly at the end).
 */
export interface Mp4Box {
  type: string;
  start: number;
  size: number;
  payload: Buffer;
  children?: Mp4Box[];
}

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'dinf']);

export function readBoxes(buffer: Buffer, offset = 0, end = buffer.length): Mp4Box[] {
  const boxes: Mp4Box[] = [];
  let at = offset;
  while (at < end) {
    if (end - at < 8) throw new Error(`truncated box header at ${at}`);
    const size = buffer.readUInt32BE(at);
    const type = buffer.toString('latin1', at + 4, at + 8);
    if (size < 8 || at + size > end) throw new Error(`box ${type} at ${at} has size ${size} past ${end}`);
    const payload = buffer.subarray(at + 8, at + size);
    const box: Mp4Box = { type, start: at, size, payload };
    if (CONTAINERS.has(type)) box.children = readBoxes(buffer, at + 8, at + size);
    boxes.push(box);
    at += size;
  }
  return boxes;
}

export function find(boxes: Mp4Box[], path: string): Mp4Box {
  const [head, ...rest] = path.split('/');
  const box = boxes.find((b) => b.type === head);
  if (!box) throw new Error(`no ${head} box (looking for ${path})`);
  return rest.length === 0 ? box : find(box.children ?? [], rest.join('/'));
}

class BitReader {
  private bit = 0;
  constructor(private readonly data: Buffer) {}
  u(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i += 1) {
      const byte = this.data[this.bit >> 3];
      if (byte === undefined) throw new Error('read past end of RBSP');
      value = value * 2 + ((byte >> (7 - (this.bit & 7))) & 1);
      this.bit += 1;
    }
    return value;
  }
  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) zeros += 1;
    return zeros === 0 ? 0 : 2 ** zeros - 1 + this.u(zeros);
  }
  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
  alignedZeros(): void {
    while (this.bit % 8 !== 0) if (this.u(1) !== 0) throw new Error('non-zero alignment bit');
  }
  skipBytes(count: number): void {
    if (this.bit % 8 !== 0) throw new Error('skipBytes unaligned');
    this.bit += 8 * count;
    if (this.bit > this.data.length * 8) throw new Error('skipped past end');
  }
  /** rbsp_trailing_bits must be exactly what is left. */
  expectTrailingBitsAtEnd(): void {
    if (this.u(1) !== 1) throw new Error('missing rbsp_stop_one_bit');
    this.alignedZeros();
    if (this.bit !== this.data.length * 8) throw new Error(`${this.data.length * 8 - this.bit} bits after the trailing bits`);
  }
}

export function unescapeRbsp(nal: Buffer): Buffer {
  const out: number[] = [];
  let zeros = 0;
  for (let i = 1; i < nal.length; i += 1) {
    const byte = nal[i]!;
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    if (zeros >= 2 && byte < 3) throw new Error('start code emulation inside a NAL unit');
    out.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return Buffer.from(out);
}

export interface SpsInfo {
  profileIdc: number;
  levelIdc: number;
  widthMbs: number;
  heightMbs: number;
  width: number;
  height: number;
  log2MaxFrameNum: number;
  pocType: number;
}

export function parseSps(nal: Buffer): SpsInfo {
  if ((nal[0]! & 0x1f) !== 7) throw new Error('not an SPS');
  const r = new BitReader(unescapeRbsp(nal));
  const profileIdc = r.u(8);
  r.u(8);
  const levelIdc = r.u(8);
  r.ue();
  if ([100, 110, 122, 244, 44, 83, 86, 118, 128].includes(profileIdc)) throw new Error('high profiles not expected');
  const log2MaxFrameNum = r.ue() + 4;
  const pocType = r.ue();
  if (pocType !== 2) throw new Error(`inspector only knows poc type 2, got ${pocType}`);
  r.ue(); // max_num_ref_frames
  r.u(1);
  const widthMbs = r.ue() + 1;
  const heightMbs = r.ue() + 1;
  if (r.u(1) !== 1) throw new Error('interlaced not expected');
  r.u(1);
  let crop = [0, 0, 0, 0];
  if (r.u(1)) crop = [r.ue(), r.ue(), r.ue(), r.ue()];
  if (r.u(1)) throw new Error('VUI not expected');
  r.expectTrailingBitsAtEnd();
  return {
    profileIdc,
    levelIdc,
    widthMbs,
    heightMbs,
    width: widthMbs * 16 - 2 * (crop[0]! + crop[1]!),
    height: heightMbs * 16 - 2 * (crop[2]! + crop[3]!),
    log2MaxFrameNum,
    pocType,
  };
}

export function checkPps(nal: Buffer): void {
  if ((nal[0]! & 0x1f) !== 8) throw new Error('not a PPS');
  const r = new BitReader(unescapeRbsp(nal));
  r.ue();
  r.ue();
  if (r.u(1) !== 0) throw new Error('CABAC not expected');
  r.u(1);
  if (r.ue() !== 0) throw new Error('slice groups not expected');
  r.ue();
  r.ue();
  r.u(1);
  r.u(2);
  r.se();
  r.se();
  r.se();
  if (r.u(1) !== 0) throw new Error('deblocking control not expected');
  r.u(1);
  r.u(1);
  r.expectTrailingBitsAtEnd();
}

/** Parses one slice NAL of the inspector's subset; returns its type. */
export function checkSlice(nal: Buffer, sps: SpsInfo): 'IDR' | 'P' {
  const nalType = nal[0]! & 0x1f;
  const nalRefIdc = (nal[0]! >> 5) & 3;
  const r = new BitReader(unescapeRbsp(nal));
  if (r.ue() !== 0) throw new Error('first_mb_in_slice should be 0');
  const sliceType = r.ue() % 5;
  r.ue();
  r.u(sps.log2MaxFrameNum);
  const macroblocks = sps.widthMbs * sps.heightMbs;
  if (nalType === 5) {
    if (sliceType !== 2) throw new Error('IDR slice must be I');
    r.ue(); // idr_pic_id
    r.u(1);
    r.u(1);
    r.se();
    for (let mb = 0; mb < macroblocks; mb += 1) {
      const mbType = r.ue();
      if (mbType !== 25) throw new Error(`macroblock ${mb}: expected I_PCM, got mb_type ${mbType}`);
      r.alignedZeros();
      r.skipBytes(256 + 128);
    }
    r.expectTrailingBitsAtEnd();
    return 'IDR';
  }
  if (nalType !== 1 || sliceType !== 0) throw new Error(`unexpected NAL ${nalType} slice ${sliceType}`);
  if (r.u(1)) throw new Error('num_ref_idx override not expected');
  if (r.u(1)) throw new Error('ref list modification not expected');
  if (nalRefIdc !== 0 && r.u(1)) throw new Error('adaptive marking not expected');
  r.se();
  const skipRun = r.ue();
  if (skipRun !== macroblocks) throw new Error(`skip run ${skipRun} ≠ ${macroblocks} macroblocks`);
  r.expectTrailingBitsAtEnd();
  return 'P';
}

export interface Mp4Summary {
  majorBrand: string;
  topLevel: string[];
  durationSeconds: number;
  width: number;
  height: number;
  codec: string;
  sampleCount: number;
  sps: SpsInfo;
  sliceTypes: Array<'IDR' | 'P'>;
}

/** Throws on anything malformed; returns what a player would learn from the file. */
export function inspectMp4(file: Buffer): Mp4Summary {
  const boxes = readBoxes(file);
  const topLevel = boxes.map((b) => b.type);
  const ftyp = find(boxes, 'ftyp');
  const mvhd = find(boxes, 'moov/mvhd').payload;
  const timescale = mvhd.readUInt32BE(12);
  const duration = mvhd.readUInt32BE(16);
  const tkhd = find(boxes, 'moov/trak/tkhd').payload;
  const width = tkhd.readUInt32BE(76) / 65536;
  const height = tkhd.readUInt32BE(80) / 65536;
  const handler = find(boxes, 'moov/trak/mdia/hdlr').payload.toString('latin1', 8, 12);
  if (handler !== 'vide') throw new Error(`handler ${handler}`);
  const stbl = find(boxes, 'moov/trak/mdia/minf/stbl');
  const stsd = find(stbl.children!, 'stsd').payload;
  const entry = readBoxes(stsd, 8, stsd.length)[0]!;
  const codec = entry.type;
  // VisualSampleEntry is 78 bytes before its child boxes.
  const avcC = find(readBoxes(entry.payload, 78, entry.payload.length), 'avcC').payload;
  const spsLength = avcC.readUInt16BE(6);
  const sps = parseSps(avcC.subarray(8, 8 + spsLength));
  const ppsAt = 8 + spsLength;
  if (avcC[ppsAt] !== 1) throw new Error('expected one PPS');
  checkPps(avcC.subarray(ppsAt + 3, ppsAt + 3 + avcC.readUInt16BE(ppsAt + 1)));
  if (sps.width !== width || sps.height !== height) throw new Error(`SPS ${sps.width}x${sps.height} ≠ tkhd ${width}x${height}`);

  const stsz = find(stbl.children!, 'stsz').payload;
  const sampleCount = stsz.readUInt32BE(8);
  const sizes = Array.from({ length: sampleCount }, (_, i) => stsz.readUInt32BE(12 + 4 * i));
  const stts = find(stbl.children!, 'stts').payload;
  let timedSamples = 0;
  for (let i = 0; i < stts.readUInt32BE(4); i += 1) timedSamples += stts.readUInt32BE(8 + 8 * i);
  if (timedSamples !== sampleCount) throw new Error(`stts covers ${timedSamples} samples, stsz has ${sampleCount}`);
  const stco = find(stbl.children!, 'stco').payload;
  if (stco.readUInt32BE(4) !== 1) throw new Error('expected one chunk');
  const chunkOffset = stco.readUInt32BE(8);
  const mdat = find(boxes, 'mdat');
  const total = sizes.reduce((a, b) => a + b, 0);
  if (chunkOffset !== mdat.start + 8 || chunkOffset + total !== mdat.start + mdat.size) {
    throw new Error(`chunk ${chunkOffset}+${total} does not fill mdat ${mdat.start + 8}..${mdat.start + mdat.size}`);
  }

  const sliceTypes: Array<'IDR' | 'P'> = [];
  let at = chunkOffset;
  for (const size of sizes) {
    const end = at + size;
    while (at < end) {
      const length = file.readUInt32BE(at);
      const nal = file.subarray(at + 4, at + 4 + length);
      if (at + 4 + length > end) throw new Error('NAL unit runs past its sample');
      sliceTypes.push(checkSlice(nal, sps));
      at += 4 + length;
    }
  }
  return {
    majorBrand: ftyp.payload.toString('latin1', 0, 4),
    topLevel,
    durationSeconds: duration / timescale,
    width,
    height,
    codec,
    sampleCount,
    sps,
    sliceTypes,
  };
}
