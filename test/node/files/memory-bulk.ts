// Two BulkChannels joined in memory, with a send buffer that drains a bounded number of bytes per macrotask, so the
// sender's back-pressure (bufferedAmount, 'buffered-low') is exercised as on a data channel. Not WebRTC: the browser
// tests (test/unit/files) use real RTCPeerConnections.
import { Emitter } from '../../../src/events';
import type { BulkChannel, BulkChannelEvents } from '../../../src/chat/files/bulk-channel';

/** Bytes that leave a send buffer per macrotask. */
const wireBytesPerTick = 512 * 1024;

export class MemoryBulkChannel extends Emitter<BulkChannelEvents> implements BulkChannel {
  isOpen = true;
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  peakBufferedAmount = 0;
  peer?: MemoryBulkChannel;
  /** Every message this side sent (copies). */
  readonly sent: Uint8Array[] = [];
  /** Sees each message as it reaches the peer; returning 'drop' loses it, a Uint8Array replaces it. */
  intercept?: (bytes: Uint8Array) => 'drop' | Uint8Array | void;
  private readonly queue: Uint8Array[] = [];
  private isDraining = false;

  constructor(readonly maxMessageBytes: number) {
    super();
  }

  send(bytes: Uint8Array): void {
    if (!this.isOpen) throw new Error('channel closed');
    if (bytes.length > this.maxMessageBytes) throw new Error(`message of ${bytes.length} > ${this.maxMessageBytes}`);
    const copy = bytes.slice();
    this.sent.push(copy);
    this.queue.push(copy);
    this.bufferedAmount += copy.length;
    this.peakBufferedAmount = Math.max(this.peakBufferedAmount, this.bufferedAmount);
    if (!this.isDraining) {
      this.isDraining = true;
      setTimeout(() => this.drain(), 0);
    }
  }

  /** Delivers bytes to the peer as if this side had sent them, bypassing the buffer (a hostile peer). */
  inject(bytes: Uint8Array): void {
    this.peer?.emit('message', bytes.slice());
  }

  close(): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.queue.length = 0;
    this.bufferedAmount = 0;
    this.emit('close', undefined);
    const peer = this.peer;
    if (peer?.isOpen) setTimeout(() => peer.close(), 0);
  }

  private drain(): void {
    let budget = wireBytesPerTick;
    while (this.isOpen && this.queue.length && budget > 0) {
      const bytes = this.queue.shift()!;
      budget -= bytes.length;
      const before = this.bufferedAmount;
      this.bufferedAmount -= bytes.length;
      const outcome = this.intercept?.(bytes);
      if (outcome !== 'drop' && this.peer?.isOpen) this.peer.emit('message', outcome instanceof Uint8Array ? outcome : bytes);
      if (before > this.bufferedAmountLowThreshold && this.bufferedAmount <= this.bufferedAmountLowThreshold) this.emit('buffered-low', undefined);
    }
    if (this.isOpen && this.queue.length) setTimeout(() => this.drain(), 0);
    else this.isDraining = false;
  }
}

export function memoryBulkPair(maxMessageBytes = 64 * 1024): [MemoryBulkChannel, MemoryBulkChannel] {
  const a = new MemoryBulkChannel(maxMessageBytes);
  const b = new MemoryBulkChannel(maxMessageBytes);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
