/** MSB-first bit writer with the Exp-Golomb codes H.264 headers are written in. */
export class BitWriter {
  private readonly bytes: number[] = [];
  private current = 0;
  private bitsInCurrent = 0;

  bit(value: 0 | 1 | boolean): this {
    this.current = (this.current << 1) | (value ? 1 : 0);
    this.bitsInCurrent += 1;
    if (this.bitsInCurrent === 8) {
      this.bytes.push(this.current);
      this.current = 0;
      this.bitsInCurrent = 0;
    }
    return this;
  }

  /** `count` bits of `value`, most significant first (count ≤ 32). */
  bits(count: number, value: number): this {
    for (let i = count - 1; i >= 0; i -= 1) this.bit(((value >>> i) & 1) as 0 | 1);
    return this;
  }

  /** ue(v): unsigned Exp-Golomb. */
  ue(value: number): this {
    if (!Number.isInteger(value) || value < 0) throw new Error(`ue(v) needs a non-negative integer, got ${value}`);
    const codeNum = value + 1;
    const length = Math.floor(Math.log2(codeNum));
    this.bits(length, 0);
    return this.bits(length + 1, codeNum);
  }

  /** se(v): signed Exp-Golomb (k > 0 → 2k − 1, k ≤ 0 → −2k). */
  se(value: number): this {
    return this.ue(value > 0 ? 2 * value - 1 : -2 * value);
  }

  get byteAligned(): boolean {
    return this.bitsInCurrent === 0;
  }

  alignWithZeros(): this {
    while (!this.byteAligned) this.bit(0);
    return this;
  }

  /** Whole bytes; only valid when aligned, which keeps sample data from being shifted by accident. */
  byteArray(values: ArrayLike<number>): this {
    if (!this.byteAligned) throw new Error('byteArray needs byte alignment');
    for (let i = 0; i < values.length; i += 1) this.bytes.push(values[i]! & 0xff);
    return this;
  }

  /** rbsp_trailing_bits(): a stop bit, then zeros to the byte boundary. */
  trailingBits(): this {
    this.bit(1);
    return this.alignWithZeros();
  }

  toBuffer(): Buffer {
    if (!this.byteAligned) throw new Error('unaligned bitstream');
    return Buffer.from(this.bytes);
  }
}
