// Two real RTCPeerConnections in one page, each with two negotiated data channels (chat id 0, bulk id 1), and the
// BulkChannel adapter over RTCDataChannel (what the lead's net adapter does). Used by the browser tests here and by
// bench/files-page.ts. Descriptions are exchanged in the page once ICE gathering is complete.
import { Emitter } from '../../../src/events';
import type { BulkChannel, BulkChannelEvents } from '../../../src/chat/files/bulk-channel';

export class RtcBulkChannel extends Emitter<BulkChannelEvents> implements BulkChannel {
  constructor(
    readonly channel: RTCDataChannel,
    readonly maxMessageBytes: number,
  ) {
    super();
    channel.binaryType = 'arraybuffer';
    channel.addEventListener('message', ({ data }: MessageEvent<ArrayBuffer | string>) => {
      if (typeof data !== 'string') this.emit('message', new Uint8Array(data));
    });
    channel.addEventListener('bufferedamountlow', () => this.emit('buffered-low', undefined));
    channel.addEventListener('open', () => this.emit('open', undefined));
    channel.addEventListener('close', () => this.emit('close', undefined));
  }

  get isOpen(): boolean {
    return this.channel.readyState === 'open';
  }

  get bufferedAmount(): number {
    return this.channel.bufferedAmount;
  }

  get bufferedAmountLowThreshold(): number {
    return this.channel.bufferedAmountLowThreshold;
  }

  set bufferedAmountLowThreshold(bytes: number) {
    this.channel.bufferedAmountLowThreshold = bytes;
  }

  send(bytes: Uint8Array): void {
    this.channel.send(bytes as Uint8Array<ArrayBuffer>);
  }

  close(): void {
    this.channel.close();
  }
}

export interface RtcEnd {
  readonly pc: RTCPeerConnection;
  readonly chat: RTCDataChannel;
  readonly bulk: RtcBulkChannel;
}

function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve()));
}

function opened(channel: RTCDataChannel): Promise<void> {
  if (channel.readyState === 'open') return Promise.resolve();
  return new Promise((resolve, reject) => {
    channel.addEventListener('open', () => resolve(), { once: true });
    channel.addEventListener('close', () => reject(new Error(`${channel.label} closed before it opened`)), { once: true });
  });
}

function makeEnd(pc: RTCPeerConnection): { pc: RTCPeerConnection; chat: RTCDataChannel; bulkChannel: RTCDataChannel } {
  const chat = pc.createDataChannel('chat', { negotiated: true, id: 0, ordered: true });
  const bulkChannel = pc.createDataChannel('bulk', { negotiated: true, id: 1, ordered: true });
  chat.binaryType = 'arraybuffer';
  return { pc, chat, bulkChannel };
}

/** Makes one end's offer (the description to hand to the other end). */
export async function offerFrom(pc: RTCPeerConnection): Promise<RTCSessionDescriptionInit> {
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  return pc.localDescription!.toJSON();
}

export async function answerTo(pc: RTCPeerConnection, offer: RTCSessionDescriptionInit): Promise<RTCSessionDescriptionInit> {
  await pc.setRemoteDescription(offer);
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  return pc.localDescription!.toJSON();
}

/** Creates an end whose channels exist before negotiation (so the offer has an m=application section). */
export function createRtcEnd(): { pc: RTCPeerConnection; finish(): Promise<RtcEnd> } {
  const pc = new RTCPeerConnection();
  const { chat, bulkChannel } = makeEnd(pc);
  return {
    pc,
    async finish() {
      await Promise.all([opened(chat), opened(bulkChannel)]);
      return { pc, chat, bulk: new RtcBulkChannel(bulkChannel, pc.sctp?.maxMessageSize ?? 65_536) };
    },
  };
}

/** A connected pair in this page. */
export async function rtcPair(): Promise<[RtcEnd, RtcEnd]> {
  const a = createRtcEnd();
  const b = createRtcEnd();
  const answer = await answerTo(b.pc, await offerFrom(a.pc));
  await a.pc.setRemoteDescription(answer);
  return Promise.all([a.finish(), b.finish()]);
}
