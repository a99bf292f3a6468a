// One RTCPeerConnection and its data channel, from invite to close.
//
// Signaling is done by people (codes pasted through other apps), so:
// - ICE is non-trickle with a bound: a code is made when gathering completes or after `gatherTimeoutMs` with the
//   candidates gathered so far (an unreachable STUN server delays `complete` by 40 s in Chromium: LAB.md §3).
// - ICE credentials are derived from the DTLS fingerprint and set on our own description, so codes need not
//   carry them (src/invite/sdp.ts).
// - The answerer is the DTLS server: it rewrites the received offer's setup to `active`, so its own answer says
//   `passive`. A late answer then still opens in every Chromium/Firefox pairing (LAB.md §3 "Late answers").
// - The data channel is negotiated out of band (id 0) on both sides: no DCEP round trip, nothing to wait for.
// - A Chromium inviter whose peer's DTLS died stays `connecting` forever, and a Chromium inviter with a
//   Firefox answerer passes through `failed` for a few ms: so we keep our own timeouts and treat `failed` as final
//   only when it lasts `failedGraceMs`.
// - One idempotent close path (`close`): state, reason and event are set once.
// - Once connected, a lost path (ICE `disconnected` or `failed` for `restartAfterMs`) makes the inviter restart
//   ICE: the new offer and answer travel as `signal` events the app carries over the still-open (sealed) channel.
//   Only the inviter starts a restart, so the two sides never offer at once. A short outage on unchanged
//   addresses usually recovers before that by ICE consent alone; `failed` then gets `reconnectGraceMs` before the
//   link is given up.
import { TincanError, type ErrorCode } from '../errors';
import { applyIceCredentials, buildSdp, deriveIceCredentials, extractFields, type SessionFields } from '../invite/sdp';

export type LinkRole = 'inviter' | 'answerer';
export type LinkState =
  | 'gathering' // making our code
  | 'waiting-for-answer' // inviter: code made, waiting for the answer code
  | 'waiting-for-inviter' // answerer: answer made, waiting for the inviter to apply it
  | 'connecting' // inviter: answer applied, ICE/DTLS running
  | 'connected' // data channel open
  | 'closed' // ended by either side
  | 'failed'; // could not connect, or lost

export interface PeerLinkOptions {
  iceServers?: RTCIceServer[];
  /** How long to wait for ICE gathering before making the code with what we have. */
  gatherTimeoutMs?: number;
  /** Inviter: from applying the answer to an open channel. */
  connectTimeoutMs?: number;
  /** Answerer: how long the answer stays valid, i.e. how long we wait for the inviter to apply it. */
  answerValidMs?: number;
  /** How long `failed` must last before we believe it. */
  failedGraceMs?: number;
  /** Injected for tests that need to count or wrap connections; defaults to the browser's. */
  createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
}

export const defaultGatherTimeoutMs = 2500;
export const defaultConnectTimeoutMs = 30_000;
/** Measured: answers applied up to 1800 s late opened on one network (LAB.md §3); we promise 20 minutes. */
export const defaultAnswerValidMs = 20 * 60_000;
export const defaultFailedGraceMs = 4000;
/** After being connected: how long a lost path may take to come back (restart included) before we give up. */
export const reconnectGraceMs = 25_000;
/** How long ICE may stay disconnected before the inviter restarts it. */
export const restartAfterMs = 3000;
/** The data channel's negotiated id. Both sides create it with this id. */
const channelId = 0;

export interface LinkEnded {
  state: 'closed' | 'failed';
  code?: ErrorCode;
  detail?: string;
}

export interface LinkSignal {
  kind: 'offer' | 'answer';
  sdp: string;
}

export interface PeerLinkEvents {
  state: CustomEvent<LinkState>;
  message: CustomEvent<Uint8Array>;
  /** A renegotiation (ICE restart) message for the peer, to carry over the data channel. */
  signal: CustomEvent<LinkSignal>;
  /** Answerer: none of the inviter's candidates answered yet (ICE `failed` while waiting for the inviter). */
  'peer-unreachable': CustomEvent<void>;
}

export class PeerLink extends EventTarget {
  state: LinkState = 'gathering';
  ended?: LinkEnded;
  localFields?: SessionFields;
  remoteFields?: SessionFields;
  readonly channel: RTCDataChannel;
  private readonly pc: RTCPeerConnection;
  private readonly options: Required<Omit<PeerLinkOptions, 'iceServers' | 'createPeerConnection'>>;
  private timer?: ReturnType<typeof setTimeout>;
  private failedTimer?: ReturnType<typeof setTimeout>;
  private restartTimer?: ReturnType<typeof setTimeout>;
  private isPeerUnreachableSaid = false;
  /** ICE restarts started (inviter) or answered (answerer); for tests and the UI. */
  restarts = 0;

  private constructor(
    readonly role: LinkRole,
    options: PeerLinkOptions,
  ) {
    super();
    this.options = {
      gatherTimeoutMs: options.gatherTimeoutMs ?? defaultGatherTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs ?? defaultConnectTimeoutMs,
      answerValidMs: options.answerValidMs ?? defaultAnswerValidMs,
      failedGraceMs: options.failedGraceMs ?? defaultFailedGraceMs,
    };
    const config: RTCConfiguration = { iceServers: options.iceServers ?? [] };
    this.pc = (options.createPeerConnection ?? ((c) => new RTCPeerConnection(c)))(config);
    this.channel = this.pc.createDataChannel('tincan', { negotiated: true, id: channelId, ordered: true });
    this.channel.binaryType = 'arraybuffer';
    this.channel.onopen = () => this.handleOpen();
    this.channel.onclose = () => this.close({ state: 'closed', code: 'CHANNEL_CLOSED' });
    this.channel.onmessage = (event: MessageEvent) => {
      if (event.data instanceof ArrayBuffer) {
        this.dispatchEvent(new CustomEvent('message', { detail: new Uint8Array(event.data) }));
      } // text frames are not part of the protocol: dropped
    };
    this.pc.onconnectionstatechange = () => this.handleConnectionState();
    this.pc.oniceconnectionstatechange = () => this.handleIceState();
  }

  /** Inviter: makes the offer and returns the link, waiting for `acceptAnswer`. */
  static async invite(options: PeerLinkOptions = {}): Promise<PeerLink> {
    const link = new PeerLink('inviter', options);
    try {
      const offer = await link.pc.createOffer();
      await link.setLocal('offer', offer.sdp ?? '');
      link.setState('waiting-for-answer');
      return link;
    } catch (error) {
      link.close({ state: 'failed', code: 'SDP_UNSUPPORTED', detail: String(error) });
      throw error;
    }
  }

  /** Answerer: applies the invite and makes the answer. The inviter must apply it within `answerValidMs`. */
  static async answer(invite: SessionFields, options: PeerLinkOptions = {}): Promise<PeerLink> {
    const link = new PeerLink('answerer', options);
    try {
      link.remoteFields = invite;
      await link.pc.setRemoteDescription({ type: 'offer', sdp: buildSdp(invite, { type: 'offer', setup: 'active' }) });
      const answer = await link.pc.createAnswer();
      await link.setLocal('answer', answer.sdp ?? '');
      link.setState('waiting-for-inviter');
      link.armTimer(link.options.answerValidMs, 'CONNECT_TIMEOUT', 'the answer was not used in time');
      return link;
    } catch (error) {
      link.close({ state: 'failed', code: 'SDP_UNSUPPORTED', detail: String(error) });
      throw error;
    }
  }

  /** Inviter: applies the answer code's fields. */
  async acceptAnswer(answer: SessionFields): Promise<void> {
    if (this.role !== 'inviter' || this.state !== 'waiting-for-answer') {
      throw new TincanError('NO_INVITE_PENDING', `state ${this.state}`);
    }
    this.remoteFields = answer;
    this.setState('connecting');
    this.armTimer(this.options.connectTimeoutMs, 'CONNECT_TIMEOUT', 'no connection after the answer');
    await this.pc.setRemoteDescription({ type: 'answer', sdp: buildSdp(answer, { type: 'answer', setup: 'passive' }) });
  }

  send(frame: Uint8Array): void {
    if (this.channel.readyState !== 'open') throw new TincanError('CHANNEL_CLOSED');
    this.channel.send(frame as Uint8Array<ArrayBuffer>);
  }

  get bufferedAmount(): number {
    return this.channel.bufferedAmount;
  }

  /** A renegotiation message from the peer (carried over the data channel). */
  async applySignal(signal: LinkSignal): Promise<void> {
    if (this.ended || this.state !== 'connected') return;
    if (signal.kind === 'offer' && this.role === 'answerer') {
      await this.pc.setRemoteDescription({ type: 'offer', sdp: signal.sdp });
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      await this.gathered();
      this.restarts++;
      this.emitSignal('answer');
    } else if (signal.kind === 'answer' && this.role === 'inviter' && this.pc.signalingState === 'have-local-offer') {
      await this.pc.setRemoteDescription({ type: 'answer', sdp: signal.sdp });
    }
  }

  /** Inviter: restarts ICE and sends the new offer through `signal`. */
  async restartIce(): Promise<void> {
    if (this.ended || this.role !== 'inviter' || this.state !== 'connected' || this.pc.signalingState !== 'stable') return;
    this.restarts++;
    const offer = await this.pc.createOffer({ iceRestart: true });
    await this.pc.setLocalDescription(offer);
    await this.gathered();
    this.emitSignal('offer');
  }

  private emitSignal(kind: LinkSignal['kind']): void {
    const sdp = this.pc.localDescription?.sdp;
    if (sdp && !this.ended) this.dispatchEvent(new CustomEvent('signal', { detail: { kind, sdp } }));
  }

  private handleIceState(): void {
    if (this.state !== 'connected') return;
    const s = this.pc.iceConnectionState;
    if (s === 'disconnected' || s === 'failed') {
      this.restartTimer ??= setTimeout(() => {
        this.restartTimer = undefined;
        const now = this.pc.iceConnectionState;
        if (now === 'disconnected' || now === 'failed') void this.restartIce().catch(() => {});
      }, restartAfterMs);
    } else {
      clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
    }
  }

  /** Read from getStats: the type of the local and remote candidates of the selected pair. */
  async selectedCandidateTypes(): Promise<{ local: string; remote: string } | undefined> {
    const stats = await this.pc.getStats();
    let pairId: string | undefined;
    stats.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    if (!pairId) {
      stats.forEach((s) => {
        if (s.type === 'candidate-pair' && s.state === 'succeeded' && (s.nominated || s.selected)) pairId ??= s.id;
      });
    }
    const pair = pairId ? stats.get(pairId) : undefined;
    if (!pair) return undefined;
    return {
      local: stats.get(pair.localCandidateId)?.candidateType ?? 'unknown',
      remote: stats.get(pair.remoteCandidateId)?.candidateType ?? 'unknown',
    };
  }

  /** The one way a link ends. Idempotent: the first reason wins. */
  close(ended: LinkEnded = { state: 'closed' }): void {
    if (this.ended) return;
    this.ended = ended;
    clearTimeout(this.timer);
    clearTimeout(this.failedTimer);
    clearTimeout(this.restartTimer);
    this.channel.onopen = this.channel.onclose = this.channel.onmessage = null;
    this.pc.onconnectionstatechange = this.pc.oniceconnectionstatechange = null;
    try {
      this.channel.close();
      this.pc.close();
    } catch {
      // already closed by the browser
    }
    this.setState(ended.state);
  }

  private async setLocal(type: 'offer' | 'answer', sdp: string): Promise<void> {
    const fingerprint = extractFields(sdp, { allowNoCandidates: true }).fingerprint;
    await this.pc.setLocalDescription({ type, sdp: applyIceCredentials(sdp, deriveIceCredentials(fingerprint)) });
    await this.gathered();
    this.localFields = extractFields(this.pc.localDescription?.sdp ?? '', { allowNoCandidates: true });
  }

  private gathered(): Promise<void> {
    return new Promise((resolve) => {
      if (this.pc.iceGatheringState === 'complete') return resolve();
      const bound = setTimeout(done, this.options.gatherTimeoutMs);
      const pc = this.pc;
      function done() {
        clearTimeout(bound);
        pc.removeEventListener('icegatheringstatechange', check);
        resolve();
      }
      function check() {
        if (pc.iceGatheringState === 'complete') done();
      }
      pc.addEventListener('icegatheringstatechange', check);
    });
  }

  private handleOpen(): void {
    clearTimeout(this.timer);
    this.setState('connected');
  }

  private handleConnectionState(): void {
    const s = this.pc.connectionState;
    // An answerer waiting for the inviter sees `failed` when the inviter's NAT drops its checks until the answer is
    // pasted (about 15 s across NATs): not a reason to give up. answerValidMs bounds that wait.
    if (s === 'failed' && this.state === 'waiting-for-inviter') {
      // Said once, so the app can urge a quick paste: a Firefox answerer whose Firefox inviter hides behind an
      // mDNS name never recovers from this (the inviter answers mDNS queries only once it has the answer).
      if (!this.isPeerUnreachableSaid) this.dispatchEvent(new CustomEvent('peer-unreachable'));
      this.isPeerUnreachableSaid = true;
      return;
    }
    if (s === 'failed') {
      // Before the first connection a short grace (a Chromium inviter passes through `failed` on its way to
      // `connected` with a Firefox answerer); after it, time for the path to come back or be restarted.
      const graceMs = this.state === 'connected' ? reconnectGraceMs : this.options.failedGraceMs;
      this.failedTimer ??= setTimeout(() => {
        if (this.pc.connectionState === 'failed') this.close({ state: 'failed', code: 'ICE_FAILED' });
      }, graceMs);
    } else {
      clearTimeout(this.failedTimer);
      this.failedTimer = undefined;
      if (s === 'closed') this.close({ state: 'closed', code: 'CHANNEL_CLOSED' });
    }
  }

  private armTimer(ms: number, code: ErrorCode, detail: string): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.close({ state: 'failed', code, detail }), ms);
  }

  private setState(state: LinkState): void {
    if (this.state === state) return;
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: state }));
  }
}
