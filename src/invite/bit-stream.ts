// Bit-level writing and reading, most significant bit first, and the CRC-16 the invite code ends with.
// Codes are at most a few thousand bits, so bits are kept one per array slot: simple beats clever here.

export class BitWriter {
  readonly bits: number[] = [];

  get length(): number {
    return this.bits.length;
  }

  /** Appends the low `width` bits of `value` (width <= 32), most significant first. */
  write(value: number, width: number): void {
    for (let shift = width - 1; shift >= 0; shift--) this.bits.push(Math.floor(value / 2 ** shift) & 1);
  }

  writeBigInt(value: bigint, width: number): void {
    for (let shift = width - 1; shift >= 0; shift--) this.bits.push(Number((value >> BigInt(shift)) & 1n));
  }

  writeBytes(bytes: Uint8Array): void {
    for (const byte of bytes) this.write(byte, 8);
  }
}

/** Thrown by BitReader when a field runs past the end; decoders turn it into their own error. */
export class EndOfBits extends Error {}

export class BitReader {
  private position = 0;

  constructor(
    private readonly bits: readonly number[],
    private readonly end = bits.length,
  ) {}

  get remaining(): number {
    return this.end - this.position;
  }

  read(width: number): number {
    if (width > this.remaining) throw new EndOfBits();
    let value = 0;
    for (let i = 0; i < width; i++) value = value * 2 + this.bits[this.position++]!;
    return value;
  }

  readBigInt(width: number): bigint {
    if (width > this.remaining) throw new EndOfBits();
    let value = 0n;
    for (let i = 0; i < width; i++) value = (value << 1n) | BigInt(this.bits[this.position++]!);
    return value;
  }

  readBytes(count: number): Uint8Array {
    const bytes = new Uint8Array(count);
    for (let i = 0; i < count; i++) bytes[i] = this.read(8);
    return bytes;
  }
}

/**
 * CRC-16/CCITT-FALSE (polynomial 0x1021, initial value 0xFFFF, no reflection, no final xor) over a bit string
 * of any length. On whole bytes it equals the usual byte-wise CRC ("123456789" -> 0x29B1).
 */
export function crc16(bits: readonly number[], end = bits.length): number {
  let crc = 0xffff;
  for (let i = 0; i < end; i++) {
    const top = ((crc >> 15) & 1) ^ bits[i]!;
    crc = (crc << 1) & 0xffff;
    if (top) crc ^= 0x1021;
  }
  return crc;
}
