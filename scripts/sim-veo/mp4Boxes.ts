/** ISO BMFF (MP4) box writing: just the boxes a single progressive video track needs. */

export function box(type: string, ...payload: Buffer[]): Buffer {
  if (type.length !== 4) throw new Error(`box type must be 4 characters: ${type}`);
  const body = Buffer.concat(payload);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}

export function fullBox(type: string, version: number, flags: number, ...payload: Buffer[]): Buffer {
  const versionAndFlags = Buffer.alloc(4);
  versionAndFlags.writeUInt32BE(((version & 0xff) << 24) | (flags & 0xffffff), 0);
  return box(type, versionAndFlags, ...payload);
}

export function u8(...values: number[]): Buffer {
  return Buffer.from(values.map((v) => v & 0xff));
}

export function u16(...values: number[]): Buffer {
  const buffer = Buffer.alloc(2 * values.length);
  values.forEach((v, i) => buffer.writeUInt16BE(v & 0xffff, 2 * i));
  return buffer;
}

export function u32(...values: number[]): Buffer {
  const buffer = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => buffer.writeUInt32BE(v >>> 0, 4 * i));
  return buffer;
}

export function zeros(length: number): Buffer {
  return Buffer.alloc(length);
}

/** The identity transform of mvhd and tkhd (16.16 and 2.30 fixed point). */
export const UNITY_MATRIX = u32(0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000);
