// Node only: dials a WebRTC-direct listener with no signaling, as a browser page does (net/direct-dial.ts): an
// offer with a random ufrag = pwd, the listener's answer built locally (net/direct-sdp.ts). node-datachannel's
// native API takes our ICE credentials in setLocalDescription (its W3C polyfill would silently ignore them,
// docs/mailbox.md §1). The DTLS layer checks the listener's fingerprint; who the listener IS is proven by the Hello.
import { PeerConnection } from 'node-datachannel';
import { TincanError } from '../errors';
import { directChannelId, type DirectAddress, type DirectChannel } from '../net/direct-channel';
import { NativeDirectChannel } from '../net/native-direct-channel';
import { directAnswerSdp, directMaxMessageBytes, randomDirectUfrag, sdpFingerprint } from '../net/direct-sdp';

export const nodeDialTimeoutMs = 10_000;

export interface NodeDialOptions {
  /** Our ufrag (default: random). Tests pass a chosen one to replay a dial. */
  readonly ufrag?: string;
  readonly timeoutMs?: number;
}

/** Opens a direct channel to `target`; rejects CONNECT_TIMEOUT or ICE_FAILED. */
export function dialDirectFromNode(target: DirectAddress, options: NodeDialOptions = {}): Promise<DirectChannel> {
  const ufrag = options.ufrag ?? randomDirectUfrag();
  const peer = new PeerConnection('direct-dialer', { iceServers: [], disableAutoNegotiation: true, maxMessageSize: directMaxMessageBytes });
  const native = peer.createDataChannel('', { negotiated: true, id: directChannelId });
  return new Promise<DirectChannel>((resolve, reject) => {
    let isSettled = false;
    const fail = (error: TincanError) => {
      if (isSettled) return;
      isSettled = true;
      clearTimeout(timer);
      try {
        peer.close();
      } catch {
        // already closed
      }
      reject(error);
    };
    const timer = setTimeout(() => fail(new TincanError('CONNECT_TIMEOUT', 'direct dial')), options.timeoutMs ?? nodeDialTimeoutMs);
    peer.onStateChange((state: string) => {
      if (state === 'failed' || state === 'closed') fail(new TincanError('ICE_FAILED', `direct dial ${state}`));
    });
    native.onOpen(() => {
      if (isSettled) return;
      isSettled = true;
      clearTimeout(timer);
      const channel = new NativeDirectChannel(peer, localFingerprint, target.fingerprint);
      channel.attach(native);
      resolve(channel);
    });
    peer.setLocalDescription('offer', { iceUfrag: ufrag, icePwd: ufrag });
    const found = sdpFingerprint(peer.localDescription()?.sdp ?? '');
    if (!found) return fail(new TincanError('OFFER_FAILED', 'no local fingerprint'));
    const localFingerprint = found;
    const mid = /a=mid:(\S+)/.exec(peer.localDescription()?.sdp ?? '')?.[1] ?? '0';
    peer.setRemoteDescription(directAnswerSdp(target, ufrag, mid), 'answer');
  });
}
