// One RTCPeerConnection and its data channels, from invite to close: the browser's Link (link.ts).
//
// Signaling is done by people (codes pasted through other apps), so:
// - ICE is non-trickle with a bound: a code is made when gathering completes or after `gatherTimeoutMs` with the
//   candidates gathered so far (an unreachable STUN server delays `complete` by 40 s in Chromium: docs/lab.md §3).
// - ICE credentials are derived from the DTLS fingerprint and set on our own description, so codes need not
//   carry them (src/invite/sdp.ts).
// - The answerer is the DTLS server: it rewrites the received offer's setup to `active`, so its own answer says
//   `passive`. A late answer then still opens in every Chromium/Firefox pairing (docs/lab.md §3 "Late answers").
// - The main data channel is negotiated out of band (id 0) on both sides: no DCEP round trip, nothing to wait
//   for. Additional channels (`openChannel`) are negotiated the same way, with ids both sides agree on.
// - A Chromium inviter whose peer's DTLS died stays `connecting` forever, and a Chromium inviter with a
//   Firefox answerer passes through `failed` for a few ms: so we keep our own timeouts and treat `failed` as final
//   only when it lasts `failedGraceMs`.
// - One idempotent close path (`close`): state, reason and event are set once.
// - Once connected, a lost path is waited for, not restarted: ICE consent brings back a path whose addresses did
//   not change (after an outage of about 11 s, test/e2e/calls.test.mjs; 0.3 s after the path's return in the trial runs), and `failed`
//   gets `reconnectGraceMs` before the link is given up (then a reconnect makes a new link). The link's own restart
//   offer would have to travel over this same channel, which cannot carry it while the path is down; and in
//   Chromium 156 a data channel whose connection made a restart offer while ICE was disconnected sent nothing more
//   once the path was back, even after a rollback, while the other direction worked (docs/calls.md "ICE restart").
//   `restartIce` stays for a caller that has another way to carry the signals.
//
// One-code reconnect (`PeerLink.reconnect`, docs/lab.md §8): both devices keep a persistent DTLS certificate
// (certificate-store.ts) and know each other's fingerprint. The inviter makes its offer as usual, then at once
// sets the contact's answer itself: the pinned fingerprint, the ICE credentials derived from it, setup passive
// (the contact is the DTLS server, as every answerer), the same mid, no candidates. The contact answers the
// invite as any invite (`PeerLink.answer`, with the pinned certificate); its connectivity checks reach the
// inviter, which learns its address as a peer-reflexive candidate, and ICE and DTLS complete with no answer code.
// Only the holder of the pinned certificate can finish DTLS. The inviter stays `waiting-for-peer` meanwhile.
// When the contact's checks cannot reach the inviter (a NAT that filters by address drops them), the contact's
// answer code, pasted on the inviter, adds its candidates (`addRemoteCandidates`) and the inviter's own checks
// open the path.
//
// Every browser exception that leaves this module is a TincanError with a code the UI can explain
// (`asTincanError`); a TincanError from a lower module passes through unchanged.
import { asTincanError, TincanError, toError, type ErrorCode } from '../errors';
import { Emitter } from '../events';
import { SharedCapture } from './call-capture';
import { CallPeer } from './call-peer';
import type { CallCapture, CallConnection, CallMediaOptions } from './call-link';
import { applyIceCredentials, buildSdp, deriveIceCredentials, extractFields, fingerprintBytes, type SessionFields } from '../invite/sdp';
import {
  checkChannelId,
  checkSendable,
  mainChannelId,
  defaultAnswerValidMs,
  sendQueueLimitBytes,
  whenBufferedLow,
  type CandidatePairTypes,
  type Link,
  type LinkChannel,
  type LinkChannelEvents,
  type LinkChannelOptions,
  type LinkChannelState,
  type LinkEnded,
  type LinkEvents,
  type LinkRole,
  type LinkSignal,
  type LinkState,
} from './link';

// Older importers take these names from here.
export type { LinkEnded, LinkRole, LinkSignal, LinkState } from './link';
export { defaultAnswerValidMs, sendQueueLimitBytes };

export interface PeerLinkOptions {
  iceServers?: RTCIceServer[];
  /** This device's persistent DTLS certificate (certificate-store.ts); a fresh one per connection when absent. */
  certificate?: RTCCertificate;
  /** How long to wait for ICE gathering before making the code with what we have. */
  gatherTimeoutMs?: number;
  /** Inviter: from applying the answer (or the contact's candidates) to an open channel. */
  connectTimeoutMs?: number;
  /** Answerer: how long the answer stays valid, i.e. how long we wait for the inviter to apply it. */
  answerValidMs?: number;
  /** How long `failed` must last before we believe it. */
  failedGraceMs?: number;
  /** Injected for tests that need to count or wrap connections; defaults to the browser's. */
  createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
}

export interface ReconnectOptions extends PeerLinkOptions {
  /** The contact's pinned DTLS certificate fingerprint (SHA-256, 32 bytes), from an earlier connection. */
  contactFingerprint: Uint8Array;
  /** How long the reconnect code stays usable: the inviter waits this long for the contact's checks. */
  peerWaitMs?: number;
  /**
   * Keep ICE waiting with placeholder candidates (see `placeholderCandidateEveryMs`). Default: only in Gecko,
   * the one engine that needs it; tests turn it on elsewhere to exercise it.
   */
  placeholderCandidates?: boolean;
}

export const defaultGatherTimeoutMs = 2500;
export const defaultConnectTimeoutMs = 30_000;
/** A reconnect code stays usable as long as an answer code does. */
export const defaultPeerWaitMs = defaultAnswerValidMs;
export const defaultFailedGraceMs = 4000;
/**
 * Answerer: when none of our checks got a reply this long after the answer was made, say 'peer-unreachable'. A
 * live inviter on the same network replies within a second (a Chromium inviter answers checks before it has the
 * answer); an inviter whose page is gone never does, and its mDNS name never resolves, so ICE stays `new` and never
 * reaches `failed` (Chromium 156: still `new` after 80 s). Across NATs a live inviter's checks are dropped until the
 * answer is pasted, where the same words (send it back right away) apply.
 */
export const inviterSilentMs = 5000;
/** After being connected: how long a lost path may stay failed before we give up (a reconnect then makes a new link). */
export const reconnectGraceMs = 25_000;
/**
 * The largest message before the connection exists (pc.sctp is null): 65536, what a peer assumes when the SDP has
 * no max-message-size line (RFC 8841 §6), which Tincan's rebuilt SDPs never have (src/invite/sdp.ts).
 */
const defaultMaxMessageSize = 65_536;

/**
 * Firefox inviter, one-code reconnect: Gecko's ICE agent (nICEr) ends its trickle grace period 5.0 s after a
 * remote description (pref media.peerconnection.ice.trickle_grace_period, 5000 ms) and then marks every component
 * that has only failed pairs as failed; with no remote candidate at all that is at once, and a failed agent never
 * learns the contact's checks afterwards. https://bugzilla.mozilla.org/show_bug.cgi?id=1647289 (ICE fails when
 * the answer takes more than 5 s). Measured in Firefox 153 (docs/one-code-reconnect.md): an end-of-candidates
 * line, placeholders at loopback, at our own or a random mDNS name or at an IPv6 documentation address (all
 * dropped by Gecko), and an ICE restart with the same credentials all still failed at 5 s. What holds the agent is
 * a pair whose checks are in progress: one remote candidate at a TEST-NET-1 address (RFC 5737, reserved for
 * documentation, routed nowhere) keeps it `checking` for about 11 s (7 STUN transmissions), so the inviter adds a
 * new one every 5 s until the link connects or gives up (peerWaitMs).
 */
export const placeholderCandidateEveryMs = 5000;
const placeholderAddress = '192.0.2.1';
const placeholderFirstPort = 10_000;

/** Whether this engine is Gecko (Firefox), whose inviter needs placeholder candidates: see above. */
export function isGecko(): boolean {
  return typeof navigator !== 'undefined' && /\bGecko\/\d/.test(navigator.userAgent) && !/\blike Gecko\b/.test(navigator.userAgent);
}

/**
 * Whether this browser can be the inviter of a one-code reconnect: it must keep DTLS certificates
 * (RTCPeerConnection.generateCertificate). Chromium and Firefox can (Firefox with placeholder candidates, above);
 * where this is false the app uses the two-code exchange.
 */
export function supportsOneCodeReconnect(): boolean {
  return typeof RTCPeerConnection !== 'undefined' && typeof RTCPeerConnection.generateCertificate === 'function';
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

export class PeerLink extends Emitter<LinkEvents> implements Link {
  state: LinkState = 'gathering';
  ended?: LinkEnded;
  localFields?: SessionFields;
  remoteFields?: SessionFields;
  /** One-code reconnect: the contact's fingerprint this link was made for. */
  pinnedFingerprint?: Uint8Array;
  /** ICE restarts started (inviter) or answered (answerer); for tests and the UI. */
  restarts = 0;
  private readonly pc: RTCPeerConnection;
  /** The main channel (id 0): chat frames. */
  private readonly main: PeerLinkChannel;
  private readonly channels = new Map<number, PeerLinkChannel>();
  private readonly options: Required<Omit<PeerLinkOptions, 'iceServers' | 'createPeerConnection' | 'certificate'>>;
  private timer?: ReturnType<typeof setTimeout>;
  private failedTimer?: ReturnType<typeof setTimeout>;
  private placeholderTimer?: ReturnType<typeof setInterval>;
  private placeholdersAdded = 0;
  private isPeerUnreachableSaid = false;
  private silenceTimer?: ReturnType<typeof setTimeout>;
  /** What a call beside this link is made with (makeCall): the same certificate and ICE servers. */
  private readonly certificate?: RTCCertificate;
  private readonly iceServers: RTCIceServer[];

  private constructor(
    readonly role: LinkRole,
    options: PeerLinkOptions,
  ) {
    super();
    this.certificate = options.certificate;
    this.iceServers = options.iceServers ?? [];
    this.options = {
      gatherTimeoutMs: options.gatherTimeoutMs ?? defaultGatherTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs ?? defaultConnectTimeoutMs,
      answerValidMs: options.answerValidMs ?? defaultAnswerValidMs,
      failedGraceMs: options.failedGraceMs ?? defaultFailedGraceMs,
    };
    const config: RTCConfiguration = {
      iceServers: options.iceServers ?? [],
      ...(options.certificate ? { certificates: [options.certificate] } : {}),
    };
    try {
      this.pc = (options.createPeerConnection ?? ((c) => new RTCPeerConnection(c)))(config);
    } catch (error) {
      // An expired or foreign certificate is refused with InvalidAccessError; no RTCPeerConnection at all (WebRTC
      // turned off, e.g. Firefox's media.peerconnection.enabled=false) is a ReferenceError or TypeError.
      const isCertificate = !!options.certificate && toError(error).name === 'InvalidAccessError';
      throw asTincanError(error, isCertificate ? 'CERTIFICATE_FAILED' : 'WEBRTC_UNAVAILABLE');
    }
    this.main = new PeerLinkChannel(
      mainChannelId,
      this.pc.createDataChannel('tincan', { negotiated: true, id: mainChannelId, ordered: true }),
      () => this.maxMessageSize,
    );
    this.main.on('open', () => this.handleOpen());
    // A channel that closes before it ever opened was not closed by anyone: its transport (ICE, DTLS) failed.
    this.main.on('close', () =>
      this.close(
        this.state === 'connected'
          ? { state: 'closed', code: 'CHANNEL_CLOSED' }
          : { state: 'failed', code: 'ICE_FAILED', detail: 'the connection failed before the channel opened' },
      ),
    );
    this.main.on('message', (bytes) => this.emit('message', bytes));
    this.main.on('buffered-low', () => this.emit('buffered-low', undefined));
    this.pc.onconnectionstatechange = () => this.handleConnectionState();
  }

  /** Inviter: makes the offer and returns the link, waiting for `acceptAnswer`. */
  static async invite(options: PeerLinkOptions = {}): Promise<PeerLink> {
    const link = new PeerLink('inviter', options);
    await link.makeOffer();
    link.leaveGathering('waiting-for-answer');
    return link;
  }

  /**
   * Inviter, one-code reconnect with a known contact: makes the offer and sets the contact's answer itself (see
   * the module header). The link waits in `waiting-for-peer` until the contact opens the code, at most
   * `peerWaitMs` (then it fails with CONNECT_TIMEOUT). The contact's answer code, if it comes after all, goes to
   * `addRemoteCandidates` (or `acceptAnswer`, which forwards it).
   */
  static async reconnect(options: ReconnectOptions): Promise<PeerLink> {
    const { contactFingerprint, peerWaitMs = defaultPeerWaitMs, placeholderCandidates = isGecko(), ...linkOptions } = options;
    if (contactFingerprint.length !== fingerprintBytes) {
      throw new TincanError('SDP_UNSUPPORTED', `pinned fingerprint of ${contactFingerprint.length} bytes`);
    }
    const link = new PeerLink('inviter', linkOptions);
    link.pinnedFingerprint = contactFingerprint.slice();
    await link.makeOffer();
    const contact: SessionFields = { fingerprint: link.pinnedFingerprint, candidates: [] };
    // No end-of-candidates line: the contact's candidates may still come (addRemoteCandidates).
    const answer = buildSdp(contact, { type: 'answer', setup: 'passive' }).replace(/^a=end-of-candidates\r\n/m, '');
    try {
      await link.pc.setRemoteDescription({ type: 'answer', sdp: answer });
    } catch (error) {
      throw link.fail(asTincanError(error, 'CODE_REFUSED'));
    }
    link.remoteFields = contact;
    if (link.leaveGathering('waiting-for-peer')) {
      link.armTimer(peerWaitMs, 'CONNECT_TIMEOUT', 'the contact did not open the reconnect code in time');
      if (placeholderCandidates) link.keepIceWaiting();
    }
    return link;
  }

  /**
   * Answerer: applies the invite and makes the answer. The inviter must apply it within `answerValidMs`; for a
   * one-code reconnect (an invite from a contact who pinned `options.certificate`) it connects without that.
   */
  static async answer(invite: SessionFields, options: PeerLinkOptions = {}): Promise<PeerLink> {
    const link = new PeerLink('answerer', options);
    link.remoteFields = invite;
    try {
      await link.pc.setRemoteDescription({ type: 'offer', sdp: buildSdp(invite, { type: 'offer', setup: 'active' }) });
    } catch (error) {
      throw link.fail(asTincanError(error, 'CODE_REFUSED'));
    }
    let answer: RTCSessionDescriptionInit;
    try {
      answer = await link.pc.createAnswer();
    } catch (error) {
      throw link.fail(asTincanError(error, 'ANSWER_FAILED'));
    }
    await link.setLocal('answer', answer.sdp ?? '', 'ANSWER_FAILED');
    // A one-code contact's checks may have connected us already while we gathered.
    if (link.leaveGathering('waiting-for-inviter')) {
      link.armTimer(link.options.answerValidMs, 'CONNECT_TIMEOUT', 'the answer was not used in time');
      link.silenceTimer = setTimeout(() => void link.sayIfInviterSilent(), inviterSilentMs);
    }
    return link;
  }

  /**
   * Inviter: applies the answer code's fields. On a one-code reconnect link (`waiting-for-peer`, or `connecting`
   * after an earlier paste) the answer's candidates are added instead: see addRemoteCandidates.
   */
  async acceptAnswer(answer: SessionFields): Promise<void> {
    if (this.pinnedFingerprint && (this.state === 'waiting-for-peer' || this.state === 'connecting')) {
      return this.addRemoteCandidates(answer);
    }
    if (this.role !== 'inviter' || this.state !== 'waiting-for-answer') {
      throw new TincanError('NO_INVITE_PENDING', `state ${this.state}`);
    }
    this.remoteFields = answer;
    this.setState('connecting');
    this.armTimer(this.options.connectTimeoutMs, 'CONNECT_TIMEOUT', 'no connection after the answer');
    try {
      await this.pc.setRemoteDescription({ type: 'answer', sdp: buildSdp(answer, { type: 'answer', setup: 'passive' }) });
    } catch (error) {
      throw this.fail(asTincanError(error, 'CODE_REFUSED'));
    }
  }

  /**
   * One-code reconnect, inviter: the contact's answer code after all (its checks did not get through). Its
   * candidates are added to the answer we set for it, and our own checks open the path. Refused with
   * RECONNECT_WRONG_CONTACT when the answer's fingerprint is not the pinned one (the link stays usable), and
   * with CANDIDATES_REFUSED when the browser takes none of them.
   */
  async addRemoteCandidates(fields: SessionFields): Promise<void> {
    const pinned = this.pinnedFingerprint;
    if (!pinned || (this.state !== 'waiting-for-peer' && this.state !== 'connecting')) {
      throw new TincanError('NO_INVITE_PENDING', `state ${this.state}`);
    }
    if (!sameBytes(fields.fingerprint, pinned)) throw new TincanError('RECONNECT_WRONG_CONTACT');
    // The answer we set carries the credentials derived from the pinned fingerprint; a peer that kept other
    // credentials (fields.ice: no current browser does) would need a renegotiation, which this does not do.
    if (fields.ice) throw new TincanError('SDP_UNSUPPORTED', 'explicit ICE credentials in a reconnect answer');
    const { ufrag } = deriveIceCredentials(pinned);
    const lines = buildSdp(fields, { type: 'answer', setup: 'passive' })
      .split('\r\n')
      .filter((line) => line.startsWith('a=candidate:'))
      .map((line) => line.slice('a='.length));
    let added = 0;
    let lastError: unknown;
    for (const candidate of lines) {
      try {
        await this.pc.addIceCandidate({ candidate, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: ufrag });
        added++;
      } catch (error) {
        lastError = error; // one unusable candidate (an mDNS name this browser cannot resolve) costs only itself
      }
    }
    if (added === 0) {
      throw lastError === undefined ? new TincanError('CANDIDATES_REFUSED', 'no candidates') : asTincanError(lastError, 'CANDIDATES_REFUSED');
    }
    this.remoteFields = { fingerprint: pinned, candidates: [...(this.remoteFields?.candidates ?? []), ...fields.candidates] };
    if (this.state === 'waiting-for-peer') {
      this.setState('connecting');
      this.armTimer(this.options.connectTimeoutMs, 'CONNECT_TIMEOUT', 'no connection after the answer');
    }
  }

  send(bytes: Uint8Array): void {
    this.main.send(bytes);
  }

  get maxMessageSize(): number {
    return this.pc.sctp?.maxMessageSize ?? defaultMaxMessageSize;
  }

  get bufferedAmount(): number {
    return this.main.bufferedAmount;
  }

  get bufferedAmountLowThreshold(): number {
    return this.main.bufferedAmountLowThreshold;
  }

  set bufferedAmountLowThreshold(bytes: number) {
    this.main.bufferedAmountLowThreshold = bytes;
  }

  whenBufferedLow(): Promise<void> {
    return this.main.whenBufferedLow();
  }

  openChannel(id: number, options: LinkChannelOptions = {}): LinkChannel {
    checkChannelId(id, this.channels.has(id), !!this.ended);
    const ordered = options.ordered ?? true;
    const channel = new PeerLinkChannel(
      id,
      this.pc.createDataChannel(`tincan-${id}`, { negotiated: true, id, ordered }),
      () => this.maxMessageSize,
    );
    channel.on('close', () => this.channels.delete(id));
    this.channels.set(id, channel);
    return channel;
  }

  /**
   * A call's own connection, with this link's certificate: its fingerprint is the one the Hello signed
   * (docs/calls.md). Only a link made with a kept certificate can carry calls.
   */
  makeCall(options: CallMediaOptions): CallConnection {
    if (!this.certificate || this.state !== 'connected') throw new TincanError('CALL_UNAVAILABLE');
    return new CallPeer({ ...options, certificate: this.certificate, iceServers: this.iceServers, gatherTimeoutMs: this.options.gatherTimeoutMs });
  }

  /** One capture for the legs of a group call (net/call-capture.ts): any link's calls can share it. */
  makeCapture(video: boolean): CallCapture {
    return new SharedCapture(video);
  }

  /** A renegotiation message from the peer (carried over the data channel). */
  async applySignal(signal: LinkSignal): Promise<void> {
    if (this.ended || this.state !== 'connected') return;
    try {
      if (signal.kind === 'offer' && this.role === 'answerer') {
        await this.pc.setRemoteDescription({ type: 'offer', sdp: signal.sdp });
        await this.pc.setLocalDescription(await this.pc.createAnswer());
        await this.gathered();
        this.restarts++;
        this.emitSignal('answer');
      } else if (signal.kind === 'answer' && this.role === 'inviter' && this.pc.signalingState === 'have-local-offer') {
        await this.pc.setRemoteDescription({ type: 'answer', sdp: signal.sdp });
      }
    } catch (error) {
      // The link itself goes on (its own timers end it if the path never comes back).
      throw asTincanError(error, 'CODE_REFUSED');
    }
  }

  /** Inviter: restarts ICE and sends the new offer through `signal`. */
  async restartIce(): Promise<void> {
    if (this.ended || this.role !== 'inviter' || this.state !== 'connected' || this.pc.signalingState !== 'stable') return;
    this.restarts++;
    try {
      await this.pc.setLocalDescription(await this.pc.createOffer({ iceRestart: true }));
    } catch (error) {
      throw asTincanError(error, 'OFFER_FAILED');
    }
    await this.gathered();
    this.emitSignal('offer');
  }

  /** Read from getStats: the type of the local and remote candidates of the selected pair. */
  async selectedCandidateTypes(): Promise<CandidatePairTypes | undefined> {
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
    // An answerer whose ICE failed before the inviter used the answer (Firefox gives up after 5-11 s with no reply,
    // LAB.md §3) could not reach the inviter: said before the state, so the failure is read with it.
    if (ended.code === 'ICE_FAILED' && this.state === 'waiting-for-inviter') this.sayPeerUnreachable();
    this.ended = ended;
    clearTimeout(this.timer);
    clearTimeout(this.failedTimer);
    clearTimeout(this.silenceTimer);
    clearInterval(this.placeholderTimer);
    this.pc.onconnectionstatechange = this.pc.oniceconnectionstatechange = null;
    for (const channel of [this.main, ...this.channels.values()]) channel.close();
    try {
      this.pc.close();
    } catch {
      // already closed by the browser
    }
    this.setState(ended.state);
  }

  /** Ends the link as failed with this error and returns it, for `throw link.fail(error)`. */
  private fail(error: TincanError): TincanError {
    this.close({ state: 'failed', code: error.code, detail: error.message });
    return error;
  }

  private async makeOffer(): Promise<void> {
    let offer: RTCSessionDescriptionInit;
    try {
      offer = await this.pc.createOffer();
    } catch (error) {
      throw this.fail(asTincanError(error, 'OFFER_FAILED'));
    }
    await this.setLocal('offer', offer.sdp ?? '', 'OFFER_FAILED');
  }

  /** Sets our description with the derived ICE credentials, waits for gathering, reads our code's fields. */
  private async setLocal(type: 'offer' | 'answer', sdp: string, code: ErrorCode): Promise<void> {
    try {
      const fingerprint = extractFields(sdp, { allowNoCandidates: true }).fingerprint;
      await this.pc.setLocalDescription({ type, sdp: applyIceCredentials(sdp, deriveIceCredentials(fingerprint)) });
      await this.gathered();
      this.localFields = extractFields(this.pc.localDescription?.sdp ?? '', { allowNoCandidates: true });
    } catch (error) {
      throw this.fail(asTincanError(error, code));
    }
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

  /** Gecko inviter waiting for a one-code contact: placeholder candidates hold its ICE (placeholderCandidateEveryMs). */
  private keepIceWaiting(): void {
    const { ufrag } = deriveIceCredentials(this.pinnedFingerprint!);
    const add = () => {
      const port = placeholderFirstPort + (this.placeholdersAdded++ % (65_536 - placeholderFirstPort));
      const candidate = `candidate:${this.placeholdersAdded} 1 udp 1 ${placeholderAddress} ${port} typ host`;
      this.pc.addIceCandidate({ candidate, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: ufrag }).catch(() => {});
    };
    add();
    this.placeholderTimer = setInterval(add, placeholderCandidateEveryMs);
  }

  private emitSignal(kind: LinkSignal['kind']): void {
    const sdp = this.pc.localDescription?.sdp;
    if (sdp && !this.ended) this.emit('signal', { kind, sdp });
  }

  private handleOpen(): void {
    clearTimeout(this.timer);
    clearInterval(this.placeholderTimer);
    this.setState('connected');
  }

  private handleConnectionState(): void {
    const s = this.pc.connectionState;
    // An answerer waiting for the inviter sees `failed` when the inviter's NAT drops its checks until the answer is
    // pasted (about 15 s across NATs): not a reason to give up. answerValidMs bounds that wait. Likewise a
    // one-code inviter waiting for its contact (peerWaitMs bounds it).
    if (s === 'failed' && this.state === 'waiting-for-inviter') {
      // Said once, so the app can urge a quick paste: a Firefox answerer whose Firefox inviter hides behind an
      // mDNS name never recovers from this (the inviter answers mDNS queries only once it has the answer).
      this.sayPeerUnreachable();
      return;
    }
    if (s === 'failed' && this.state === 'waiting-for-peer') return;
    if (s === 'disconnected' && this.state === 'connected') this.emit('path-lost', undefined);
    if (s === 'failed') {
      // Before the first connection a short grace (a Chromium inviter passes through `failed` on its way to
      // `connected` with a Firefox answerer); after it, time for the path to come back.
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

  private sayPeerUnreachable(): void {
    if (!this.isPeerUnreachableSaid && !this.ended) this.emit('peer-unreachable', undefined);
    this.isPeerUnreachableSaid = true;
  }

  /**
   * Answerer, inviterSilentMs after answering: 'peer-unreachable' unless a check got a reply. ICE state alone
   * does not tell: a Firefox answerer stays `checking` while a live inviter replies (it waits for the inviter's
   * nomination, which needs the answer), so the pairs' own counts are read.
   */
  private async sayIfInviterSilent(): Promise<void> {
    if (this.state !== 'waiting-for-inviter') return;
    let isAnswered = false;
    try {
      const stats = await this.pc.getStats();
      stats.forEach((s) => {
        if (s.type === 'candidate-pair' && (s.responsesReceived > 0 || s.state === 'succeeded')) isAnswered = true;
      });
    } catch {
      return; // closed meanwhile
    }
    if (!isAnswered && this.state === 'waiting-for-inviter') this.sayPeerUnreachable();
  }

  /**
   * Our code is made: moves on from `gathering` to the waiting state, unless the link went further meanwhile
   * (connected, or closed) while we gathered. Returns whether it moved.
   */
  private leaveGathering(waiting: 'waiting-for-answer' | 'waiting-for-peer' | 'waiting-for-inviter'): boolean {
    if (this.state !== 'gathering') return false;
    this.setState(waiting);
    return true;
  }

  private armTimer(ms: number, code: ErrorCode, detail: string): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.close({ state: 'failed', code, detail }), ms);
  }

  private setState(state: LinkState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }
}

/** One negotiated data channel of a PeerLink: its main channel, or one from Link.openChannel. */
class PeerLinkChannel extends Emitter<LinkChannelEvents> implements LinkChannel {
  state: LinkChannelState = 'connecting';

  constructor(
    readonly id: number,
    private readonly channel: RTCDataChannel,
    private readonly maxMessageSize: () => number,
  ) {
    super();
    channel.binaryType = 'arraybuffer';
    channel.onopen = () => {
      this.state = 'open';
      this.emit('open', undefined);
    };
    channel.onclose = () => this.handleClosed();
    channel.onmessage = (event: MessageEvent) => {
      if (event.data instanceof ArrayBuffer) this.emit('message', new Uint8Array(event.data));
      // text messages are not part of any Tincan protocol: dropped
    };
    channel.onbufferedamountlow = () => this.emit('buffered-low', undefined);
  }

  /**
   * Refuses what the peer would not take (FRAME_TOO_LARGE, where the browser would throw a TypeError) and what
   * would overfill the queue (SEND_QUEUE_FULL, see sendQueueLimitBytes), before the browser sees it.
   */
  send(bytes: Uint8Array): void {
    if (this.state !== 'open' || this.channel.readyState !== 'open') throw new TincanError('CHANNEL_CLOSED');
    checkSendable(bytes, this.maxMessageSize(), this.channel.bufferedAmount);
    try {
      this.channel.send(bytes as Uint8Array<ArrayBuffer>);
    } catch (error) {
      throw asTincanError(error, 'CHANNEL_CLOSED');
    }
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

  whenBufferedLow(): Promise<void> {
    return whenBufferedLow(this);
  }

  /** Closes this channel only (the peer's end closes too); idempotent. */
  close(): void {
    if (this.state === 'closed') return;
    try {
      this.channel.close();
    } catch {
      // already closed with the connection
    }
    this.handleClosed();
  }

  private handleClosed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.channel.onopen = this.channel.onclose = this.channel.onmessage = this.channel.onbufferedamountlow = null;
    this.emit('close', undefined);
  }
}
