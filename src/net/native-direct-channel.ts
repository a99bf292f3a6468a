// Node only: a DirectChannel over node-datachannel's native PeerConnection and its negotiated channel 0, for both
// ends of a WebRTC-direct dial (direct-listener.ts, node/direct-dial-node.ts). One idempotent close: the channel,
// then the PeerConnection on a later turn (closing it from inside one of its own callbacks is not safe).
import type { DataChannel, PeerConnection } from 'node-datachannel';
import { TincanError } from '../errors';
import { Emitter } from '../events';
import type { DirectChannel, DirectChannelEvents } from './direct-channel';

export class NativeDirectChannel extends Emitter<DirectChannelEvents> implements DirectChannel {
  remoteFingerprint: Uint8Array;
  private isEnded = false;
  private channel?: DataChannel;

  constructor(
    private readonly peer: PeerConnection,
    readonly localFingerprint: Uint8Array,
    remoteFingerprint: Uint8Array,
  ) {
    super();
    this.remoteFingerprint = remoteFingerprint;
    peer.onStateChange((state: string) => {
      if (state === 'failed' || state === 'disconnected' || state === 'closed') this.close();
    });
  }

  get isOpen(): boolean {
    return !this.isEnded && !!this.channel?.isOpen();
  }

  get isClosed(): boolean {
    return this.isEnded;
  }

  send(bytes: Uint8Array): void {
    if (!this.isOpen) throw new TincanError('CHANNEL_CLOSED', 'direct channel not open');
    this.channel!.sendMessageBinary(bytes);
  }

  close(): void {
    if (this.isEnded) return;
    this.isEnded = true;
    try {
      this.channel?.close();
    } catch {
      // already closed natively
    }
    setTimeout(() => {
      try {
        this.peer.close();
      } catch {
        // already closed
      }
    }, 0);
    this.ended();
    this.emit('closed', undefined);
    this.removeAllListeners();
  }

  /** The open channel 0: its binary messages are this channel's (text is not part of the protocol). */
  attach(channel: DataChannel): void {
    this.channel = channel;
    channel.onMessage((message: string | Buffer | ArrayBuffer) => {
      if (typeof message === 'string') return;
      this.emit('message', message instanceof ArrayBuffer ? new Uint8Array(message) : new Uint8Array(message.buffer, message.byteOffset, message.byteLength));
    });
    channel.onClosed(() => this.close());
  }

  /** Called once when the channel ends, before `closed` is emitted. */
  protected ended(): void {}
}
