// Browser: dials a WebRTC-direct listener (a Tincan mailbox) at a static address with no signaling at all
// (docs/mailbox.md §1). The page makes an offer with a negotiated channel 0, munges its ICE ufrag and pwd to one
// random value, and builds the listener's answer itself (direct-sdp.ts): ice-lite, the listener's host candidate,
// its fixed fingerprint, setup passive. The browser is DTLS client and checks that fingerprint: a listener with
// another certificate fails DTLS (about 75 ms). Who the listener IS is proven afterwards by the signed Hello.
import { TincanError } from '../errors';
import { Emitter } from '../events';
import { directChannelId, type DirectAddress, type DirectChannel, type DirectChannelEvents } from './direct-channel';
import { directAnswerSdp, randomDirectUfrag, sdpFingerprint, withDirectUfrag } from './direct-sdp';

/** Chromium opened in 72-103 ms and Firefox in 34-64 ms on one network (docs/mailbox.md §1). */
export const directDialTimeoutMs = 10_000;

class BrowserDirectChannel extends Emitter<DirectChannelEvents> implements DirectChannel {
  private isEnded = false;

  constructor(
    private readonly peer: RTCPeerConnection,
    private readonly channel: RTCDataChannel,
    readonly localFingerprint: Uint8Array,
    readonly remoteFingerprint: Uint8Array,
  ) {
    super();
    channel.onmessage = (event: MessageEvent) => {
      if (event.data instanceof ArrayBuffer) this.emit('message', new Uint8Array(event.data));
    };
    channel.onclose = () => this.close();
    peer.onconnectionstatechange = () => {
      if (peer.connectionState === 'failed' || peer.connectionState === 'closed') this.close();
    };
  }

  get isOpen(): boolean {
    return !this.isEnded && this.channel.readyState === 'open';
  }

  send(bytes: Uint8Array): void {
    if (!this.isOpen) throw new TincanError('CHANNEL_CLOSED', 'direct channel not open');
    this.channel.send(bytes as Uint8Array<ArrayBuffer>);
  }

  close(): void {
    if (this.isEnded) return;
    this.isEnded = true;
    this.channel.close();
    this.peer.close();
    this.emit('closed', undefined);
    this.removeAllListeners();
  }
}

/** Opens a direct channel to `target`; rejects with TincanError CONNECT_TIMEOUT, ICE_FAILED or OFFER_FAILED. */
export async function dialDirect(target: DirectAddress, { timeoutMs = directDialTimeoutMs } = {}): Promise<DirectChannel> {
  let peer: RTCPeerConnection;
  try {
    peer = new RTCPeerConnection({ iceServers: [] });
  } catch {
    throw new TincanError('WEBRTC_UNAVAILABLE');
  }
  const channel = peer.createDataChannel('', { negotiated: true, id: directChannelId });
  channel.binaryType = 'arraybuffer';
  const ufrag = randomDirectUfrag();
  let localFingerprint: Uint8Array | undefined;
  try {
    const offer = await peer.createOffer();
    await peer.setLocalDescription({ type: 'offer', sdp: withDirectUfrag(offer.sdp ?? '', ufrag) });
    const local = peer.localDescription?.sdp ?? '';
    localFingerprint = sdpFingerprint(local);
    const mid = /a=mid:(\S+)/.exec(local)?.[1] ?? '0';
    if (!localFingerprint || !local.includes(`a=ice-ufrag:${ufrag}`)) throw new Error('the browser did not keep the ufrag');
    await peer.setRemoteDescription({ type: 'answer', sdp: directAnswerSdp(target, ufrag, mid) });
  } catch {
    peer.close();
    throw new TincanError('OFFER_FAILED', 'direct dial');
  }
  const ownFingerprint = localFingerprint;
  await new Promise<void>((resolve, reject) => {
    const fail = (error: TincanError) => {
      clearTimeout(timer);
      peer.close();
      reject(error);
    };
    const timer = setTimeout(() => fail(new TincanError('CONNECT_TIMEOUT', 'direct dial')), timeoutMs);
    peer.onconnectionstatechange = () => {
      if (peer.connectionState === 'failed') fail(new TincanError('ICE_FAILED', 'direct dial'));
    };
    channel.onopen = () => {
      clearTimeout(timer);
      resolve();
    };
    if (channel.readyState === 'open') channel.onopen(new Event('open'));
  });
  return new BrowserDirectChannel(peer, channel, ownFingerprint, target.fingerprint);
}
