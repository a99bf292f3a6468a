// Speed and time left for a progress bar: bytes over a sliding window of recent samples, so the figure follows the
// link's current speed instead of the average since the start (which hides a stall).

/** How far back the speed looks. */
export const rateWindowMs = 3_000;

export class TransferRate {
  private readonly samples: { at: number; bytes: number }[] = [];

  constructor(private readonly windowMs = rateWindowMs) {}

  /** Records the total bytes done at time `at` (ms). */
  sample(at: number, bytes: number): void {
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && at - this.samples[1]!.at >= this.windowMs) this.samples.shift();
  }

  reset(): void {
    this.samples.length = 0;
  }

  /** Bytes per second over the window; 0 until two samples exist. */
  bytesPerSecond(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at <= first.at) return 0;
    return Math.max(0, ((last.bytes - first.bytes) * 1000) / (last.at - first.at));
  }

  /** Seconds until `total` at the current speed; undefined while the speed is unknown or zero. */
  secondsLeft(bytes: number, total: number): number | undefined {
    const speed = this.bytesPerSecond();
    return speed > 0 ? Math.max(0, (total - bytes) / speed) : undefined;
  }
}
