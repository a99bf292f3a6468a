// The bulk channel: an ordered, reliable data channel next to the chat channel, carrying only sealed file chunks
// (chunk-codec.ts), so a transfer never delays chat frames. DOM-free so that chat/ compiles without DOM types; the
// lead adapts net's extra channel (`openChannel(id, { ordered: true })`) to it in a few lines:
//   send → RTCDataChannel.send; bufferedAmount, bufferedAmountLowThreshold → the same properties;
//   'buffered-low' ← bufferedamountlow; 'message' ← message (ArrayBuffer → Uint8Array); 'open'/'close' ← open/close;
//   maxMessageBytes ← pc.sctp.maxMessageSize (65,536 when the peer's SDP has no a=max-message-size).
import type { Emitter } from '../../events';
import type { LinkChannel } from '../../net/link';

/** The bulk channel's negotiated id on a link (0 is the chat channel): both sides open it when a session opens. */
export const bulkChannelId = 1;

export interface BulkChannelEvents {
  open: void;
  /** One whole message from the peer. */
  message: Uint8Array;
  /** bufferedAmount fell to bufferedAmountLowThreshold or below. */
  'buffered-low': void;
  close: void;
}

export interface BulkChannel extends Pick<Emitter<BulkChannelEvents>, 'on'> {
  readonly isOpen: boolean;
  /** The largest message the peer takes. */
  readonly maxMessageBytes: number;
  /** Bytes handed to send() and not yet on the wire. */
  readonly bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  /** Throws when the channel is not open (the sender treats that as the channel closing). */
  send(bytes: Uint8Array): void;
  close(): void;
}

/**
 * Back-pressure on the sending side (docs/lab.md §7, 22 MB/s with 64 KiB messages): keep sending while the channel holds
 * less than highWaterBytes, then wait for 'buffered-low' at lowWaterBytes. A window, not stop-and-wait: no acks.
 * Chromium closes a channel whose send queue passes 16 MB, so the high-water mark stays far below that.
 */
export const highWaterBytes = 4 * 1024 * 1024;
export const lowWaterBytes = 1024 * 1024;

/** A link's extra channel (net/link.ts openChannel) as a BulkChannel; `maxMessageBytes` is the link's limit. */
export function bulkChannelOf(channel: LinkChannel, maxMessageBytes: number): BulkChannel {
  return {
    get isOpen() {
      return channel.state === 'open';
    },
    maxMessageBytes,
    get bufferedAmount() {
      return channel.bufferedAmount;
    },
    get bufferedAmountLowThreshold() {
      return channel.bufferedAmountLowThreshold;
    },
    set bufferedAmountLowThreshold(bytes: number) {
      channel.bufferedAmountLowThreshold = bytes;
    },
    send: (bytes) => channel.send(bytes),
    close: () => channel.close(),
    on: (name, listener) => channel.on(name, listener as (payload: undefined | Uint8Array) => void),
  };
}
