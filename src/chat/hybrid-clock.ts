// The display order of a conversation's messages: a hybrid logical clock (HLC). Every message carries its sender's
// HLC reading inside the sealed body (crypto/envelope.ts), so carriers never see it. A reading is one safe integer,
//   hlc = wall ms * hlcTicksPerMs + counter   (counter < hlcTicksPerMs; ~1.8e15 today, below 2^53)
// A device's clock never goes back, and moves past every reading it receives: a message written after another was
// read sorts after it, even between devices whose wall clocks disagree.
//
// A hostile (or broken) clock is bounded: a reading more than maxHlcAheadMs ahead of this device's wall clock is
// taken as that bound, both for the message's place and for this device's own clock. So a member whose clock says
// next year cannot push its messages below everyone else's, nor drag this device's clock along with it.
//
// Across reloads: the latest reading is kept in the vault (group-sync.ts) and the clock resumes after it, so a
// device whose wall clock went back, or which had seen a reading ahead of it, still writes after what it sent and
// read. What storage gives back is bounded like a received reading: a stored reading more than maxHlcAheadMs ahead of
// the wall clock (a damaged record, or a wall clock set back by more than the bound minus the lead the clock had)
// resumes at that bound; there the bound wins over the order.
import { maxClockAheadMs } from './chat-message';

export const hlcTicksPerMs = 1_000;
/** How far ahead of this device a sender's clock may be before its readings are cut down to this bound. */
export const maxHlcAheadMs = maxClockAheadMs;

/** The latest wall time a reading can hold and stay a safe integer (the year 2255): a clock past it reads as it. */
const maxHlcWallMs = Math.floor(Number.MAX_SAFE_INTEGER / hlcTicksPerMs) - 1;

export function hlcOf(wallMs: number, counter = 0): number {
  const wall = Number.isFinite(wallMs) ? Math.min(Math.max(0, Math.floor(wallMs)), maxHlcWallMs) : 0;
  return wall * hlcTicksPerMs + Math.min(Math.max(0, counter), hlcTicksPerMs - 1);
}

/** The wall-clock part of a reading, in ms since the epoch. */
export function hlcWallMs(hlc: number): number {
  return Math.floor(hlc / hlcTicksPerMs);
}

/** Whether a value can be a reading (from the wire or a record: untrusted). */
export function isHlc(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export class HybridClock {
  private last = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** The latest reading this clock gave or saw (0 before any). */
  get latest(): number {
    return this.last;
  }

  /** A reading given or seen before a reload (from storage: untrusted, bounded as a received one): this clock
   * moves past it. */
  resume(stored: unknown): void {
    if (isHlc(stored)) this.observe(stored);
  }

  /** A reading for a message written now: later than every reading this clock gave or saw. */
  tick(): number {
    this.last = Math.min(Math.max(this.last + 1, hlcOf(this.now())), Number.MAX_SAFE_INTEGER);
    return this.last;
  }

  /**
   * A received reading: where its message sorts (cut down to maxHlcAheadMs ahead of this device's wall clock), and
   * this clock moves past it.
   */
  observe(remote: number): number {
    const bounded = Math.min(remote, hlcOf(this.now() + maxHlcAheadMs, hlcTicksPerMs - 1));
    this.last = Math.max(this.last, bounded);
    return bounded;
  }
}
