// Which chunks of a file are here: one bit per chunk. The receiver persists it (transfer-store.ts) so a transfer
// resumes from where it stopped, and turns it into the `have` ranges of a file-accept frame.
//
// Byte layout (toBytes / fromBytes): ceil(chunks / 8) bytes; chunk i is bit (i & 7) of byte (i >> 3), least
// significant bit first. Bits past the last chunk are zero (fromBytes clears them, so a damaged record cannot
// claim chunks that do not exist).
import { maxHaveRanges, type ChunkRanges } from './file-frames';

export class ChunkBitmap {
  private readonly bits: Uint8Array;
  private setCount = 0;

  constructor(readonly chunks: number) {
    this.bits = new Uint8Array(Math.ceil(chunks / 8));
  }

  static fromBytes(chunks: number, bytes: Uint8Array): ChunkBitmap {
    const bitmap = new ChunkBitmap(chunks);
    bitmap.bits.set(bytes.subarray(0, bitmap.bits.length));
    const tailBits = chunks & 7;
    if (tailBits && bitmap.bits.length) bitmap.bits[bitmap.bits.length - 1]! &= (1 << tailBits) - 1;
    for (const byte of bitmap.bits) bitmap.setCount += popCount(byte);
    return bitmap;
  }

  /** Every chunk inside the ranges (clipped to the file). */
  static fromRanges(chunks: number, ranges: ChunkRanges): ChunkBitmap {
    const bitmap = new ChunkBitmap(chunks);
    for (const [start, end] of ranges) for (let i = start; i < Math.min(end, chunks); i++) bitmap.set(i);
    return bitmap;
  }

  get count(): number {
    return this.setCount;
  }

  get isComplete(): boolean {
    return this.setCount === this.chunks;
  }

  has(index: number): boolean {
    return index >= 0 && index < this.chunks && (this.bits[index >> 3]! & (1 << (index & 7))) !== 0;
  }

  /** Sets the bit; true if it was not set. */
  set(index: number): boolean {
    if (index < 0 || index >= this.chunks || this.has(index)) return false;
    this.bits[index >> 3]! |= 1 << (index & 7);
    this.setCount++;
    return true;
  }

  /** Clears the bit; true if it was set. */
  clear(index: number): boolean {
    if (!this.has(index)) return false;
    this.bits[index >> 3]! &= ~(1 << (index & 7));
    this.setCount--;
    return true;
  }

  /** The chunks this bitmap lacks. */
  complement(): ChunkBitmap {
    const other = new ChunkBitmap(this.chunks);
    for (let i = 0; i < this.bits.length; i++) other.bits[i] = ~this.bits[i]!;
    return ChunkBitmap.fromBytes(this.chunks, other.bits);
  }

  union(other: ChunkBitmap): ChunkBitmap {
    const out = new Uint8Array(this.bits.length);
    for (let i = 0; i < out.length; i++) out[i] = this.bits[i]! | (other.bits[i] ?? 0);
    return ChunkBitmap.fromBytes(this.chunks, out);
  }

  /** The first set index at or after `from`, or -1. */
  nextSet(from: number): number {
    for (let i = Math.max(0, from); i < this.chunks; i++) {
      const byte = this.bits[i >> 3]!;
      if (byte === 0) {
        i = (i | 7); // skip the rest of an empty byte
        continue;
      }
      if (byte & (1 << (i & 7))) return i;
    }
    return -1;
  }

  /** The set bits as ascending half-open ranges. */
  ranges(): [number, number][] {
    const out: [number, number][] = [];
    let i = this.nextSet(0);
    while (i >= 0) {
      let end = i + 1;
      while (end < this.chunks && this.has(end)) end++;
      out.push([i, end]);
      i = this.nextSet(end);
    }
    return out;
  }

  /**
   * The ranges for a file-accept frame: at most maxHaveRanges. A bitmap split into more pieces (chunks lost here and
   * there) gives up its shortest ranges first: those chunks are sent again, which costs bandwidth but is never wrong.
   */
  haveRanges(limit = maxHaveRanges): [number, number][] {
    const all = this.ranges();
    if (all.length <= limit) return all;
    const keep = new Set([...all].sort((a, b) => b[1] - b[0] - (a[1] - a[0])).slice(0, limit));
    return all.filter((range) => keep.has(range));
  }

  clone(): ChunkBitmap {
    return ChunkBitmap.fromBytes(this.chunks, this.bits);
  }

  toBytes(): Uint8Array {
    return this.bits.slice();
  }
}

function popCount(byte: number): number {
  let count = 0;
  for (let b = byte; b; b &= b - 1) count++;
  return count;
}
