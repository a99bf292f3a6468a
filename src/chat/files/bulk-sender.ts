// Sends the runs of every transfer to one peer over its bulk channel, with window back-pressure: messages go out
// while the channel buffers less than highWaterBytes; above it the pump stops until 'buffered-low' (lowWaterBytes).
// No acks: the data channel is reliable and ordered, and the receiver asks again for whatever is missing at the end
// of a run. Several runs share the channel turn by turn, one message each.
//
// Progress: the channel's queue (bufferedAmount) counts the wire bytes not yet handed to the network, of every run
// together. The sender keeps the messages it handed over in order with the channel's running total at each one's
// end, so once the total minus the queue passes a message's end, that message has left this device, and its run
// is told (BulkRun.left): each transfer counts exactly its own plaintext that left, whole messages only, never
// going back.
import type { BulkChannel } from './bulk-channel';
import { highWaterBytes, lowWaterBytes } from './bulk-channel';

export interface BulkMessage {
  readonly message: Uint8Array;
  /** Plaintext bytes carried (0 for the end-of-run marker). */
  readonly payloadBytes: number;
  readonly isEnd: boolean;
}

/** One run of one transfer (outgoing-transfer.ts SendRun). */
export interface BulkRun {
  readonly fileId: string;
  readonly isAborted: boolean;
  /** The next message, or undefined when the run has nothing more (after its end marker). */
  next(): Promise<BulkMessage | undefined>;
  sent(item: BulkMessage): void;
  /** A message of `payloadBytes` plaintext left this device (the channel's queue no longer holds it); in the order
   * they were sent. */
  left(payloadBytes: number): void;
  /** next() threw (the source could not be read). */
  failed(error: unknown): void;
}

export class BulkSender {
  private readonly runs: BulkRun[] = [];
  private turn = 0;
  private isPumping = false;
  private isClosed = false;
  private readonly detach: (() => void)[];
  /** Messages handed to the channel and not yet known to have left it, oldest first (their size, not their bytes). */
  private readonly queued: { readonly run: BulkRun; readonly payloadBytes: number; readonly endsAt: number }[] = [];
  /** Wire bytes handed to the channel so far. */
  private handedBytes = 0;

  constructor(private readonly channel: BulkChannel) {
    channel.bufferedAmountLowThreshold = lowWaterBytes;
    this.detach = [
      channel.on('buffered-low', () => {
        this.settle();
        void this.pump();
      }),
      channel.on('open', () => void this.pump()),
    ];
  }

  /** Tells each run which of its messages have left this device since the last call. */
  settle(): void {
    const left = this.handedBytes - this.channel.bufferedAmount;
    while (this.queued.length && this.queued[0]!.endsAt <= left) {
      const { run, payloadBytes } = this.queued.shift()!;
      run.left(payloadBytes);
    }
  }

  /** Starts a run; one already running for the same file is replaced (the receiver asked again). */
  add(run: BulkRun): void {
    this.remove(run.fileId);
    this.runs.push(run);
    void this.pump();
  }

  remove(fileId: string): void {
    const at = this.runs.findIndex((run) => run.fileId === fileId);
    if (at >= 0) this.runs.splice(at, 1);
  }

  close(): void {
    this.isClosed = true;
    this.runs.length = 0;
    this.queued.length = 0;
    for (const undo of this.detach.splice(0)) undo();
  }

  private async pump(): Promise<void> {
    if (this.isPumping) return;
    this.isPumping = true;
    try {
      while (!this.isClosed && this.runs.length && this.channel.isOpen) {
        // Resumed by 'buffered-low', which fires once the buffer drains to lowWaterBytes.
        if (this.channel.bufferedAmount >= highWaterBytes) return;
        const run = this.runs[this.turn++ % this.runs.length]!;
        let item: BulkMessage | undefined;
        try {
          item = await run.next();
        } catch (error) {
          this.drop(run);
          run.failed(error);
          continue;
        }
        if (this.isClosed || run.isAborted || !this.runs.includes(run)) continue;
        if (!item) {
          this.drop(run);
          continue;
        }
        try {
          this.channel.send(item.message);
        } catch {
          // The channel is closing; its close event detaches the peer and interrupts the transfers.
          return;
        }
        this.handedBytes += item.message.length;
        this.queued.push({ run, payloadBytes: item.payloadBytes, endsAt: this.handedBytes });
        run.sent(item);
        if (item.isEnd) this.drop(run);
      }
    } finally {
      this.isPumping = false;
    }
  }

  private drop(run: BulkRun): void {
    const at = this.runs.indexOf(run);
    if (at >= 0) this.runs.splice(at, 1);
  }
}
