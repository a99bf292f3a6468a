// One node-datachannel PeerConnection and its data channels: the Link (link.ts) of a Tincan peer in Node.js, which
// speaks the same codes as a browser's PeerLink (peer-link.ts), so an invite made in a page is answered here and
// the other way round. Facts it relies on are measured in docs/node-peer.md.
//
// - node-datachannel 0.33.x's NATIVE API, not its W3C polyfill: the native `setLocalDescription(type, {iceUfrag,
//   icePwd})` sets our ICE credentials (the ones derived from our fingerprint, invite/sdp.ts), while the polyfill
//   silently ignores a rewritten ufrag/pwd and has no generateCertificate (docs/node-peer.md §1).
// - The certificate is this device's persistent one, given by path (certificatePemFile/keyPemFile,
//   node/pem-certificate.ts): its fingerprint is what our codes carry and contacts pin.
// - Roles as in a browser: the answerer is the DTLS server. As answerer we rebuild the invite with `setup:active`, so
//   libdatachannel answers `passive`; as inviter we rebuild the answer with `setup:passive` (docs/node-peer.md §1).
// - Non-trickle ICE bounded at gatherTimeoutMs, the main channel negotiated out of band as id 0, extra channels by
//   id: as PeerLink. libdatachannel cannot resolve a browser's mDNS (`.local`) candidates; it still connects, since
//   the browser's checks reach us and are learnt as peer-reflexive candidates (docs/node-peer.md §1).
// - Not done here: ICE restarts (a renegotiation `signal` from the peer is ignored; a lost path ends the link and the
//   next connection resends what waits), and the page-only notices (`peer-unreachable`).
// - Every description we hand to libdatachannel is built by buildSdp from checked code fields; our own ufrag/pwd
//   are derived from our own fingerprint. Nothing a stranger sends reaches setLocalDescription, where a malformed
//   ufrag aborts the whole process (docs/node-peer.md §3).
import nodeDataChannel from 'node-datachannel';
import type { DataChannel, IceServer, PeerConnection, RtcConfig } from 'node-datachannel';
import { asTincanError, TincanError, toError, type ErrorCode } from '../errors';
import { Emitter } from '../events';
import { buildSdp, deriveIceCredentials, extractFields, fingerprintBytes, type SessionFields } from '../invite/sdp';
import type { CertifiedLinkMaker, InviterLink } from './device-links';
import {
  checkChannelId,
  checkSendable,
  defaultAnswerValidMs,
  mainChannelId,
  whenBufferedLow,
  type CandidatePairTypes,
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

/** A certificate node-datachannel reads by path (node/pem-certificate.ts makes and keeps them). */
export interface PemFiles {
  readonly fingerprint: Uint8Array;
  readonly certificatePemFile: string;
  readonly keyPemFile: string;
}

/** An ICE server as Tincan stores it (store/records.ts StoredIceServer). */
export interface NodeIceServer {
  readonly urls: string;
  readonly username?: string;
  readonly credential?: string;
}

export interface NodeLinkOptions {
  readonly certificate: PemFiles;
  readonly iceServers?: readonly NodeIceServer[];
  readonly gatherTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly answerValidMs?: number;
  /** Bind ICE to one address (tests, a host with many interfaces). */
  readonly bindAddress?: string;
}

export const defaultGatherTimeoutMs = 2500;
export const defaultConnectTimeoutMs = 30_000;
/** The peer's limit before a channel reports its own: what a peer assumes without max-message-size (RFC 8841 §6). */
const defaultMaxMessageSize = 65_536;

/** node-datachannel's ICE server form: `stun:host:port`, or a TURN server with its credentials split out. */
export function toNodeIceServers(servers: readonly NodeIceServer[]): RtcConfig['iceServers'] {
  return servers.flatMap((server): RtcConfig['iceServers'] => {
    const match = /^(stuns?|turns?):([^?]+?)(?::(\d+))?(?:\?transport=(udp|tcp))?$/i.exec(server.urls.trim());
    if (!match) return [];
    const [, rawScheme, rawHost, rawPort, transport] = match;
    const scheme = rawScheme!.toLowerCase();
    const hostname = rawHost!.replace(/^\[|\]$/g, '');
    if (scheme.startsWith('stun')) return [`stun:${rawHost}:${rawPort ?? (scheme === 'stuns' ? 5349 : 3478)}`];
    const relayType: IceServer['relayType'] = scheme === 'turns' ? 'TurnTls' : transport?.toLowerCase() === 'tcp' ? 'TurnTcp' : 'TurnUdp';
    return [{ hostname, port: Number(rawPort ?? (scheme === 'turns' ? 5349 : 3478)), relayType, ...(server.username ? { username: server.username } : {}), ...(server.credential ? { password: server.credential } : {}) }];
  });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

let linkCount = 0;

function withoutCandidates(sdp: string): string {
  return sdp.replace(/^a=(candidate:.*|end-of-candidates)\r\n/gm, '');
}

export class NodeLink extends Emitter<LinkEvents> implements InviterLink {
  state: LinkState = 'gathering';
  ended?: LinkEnded;
  localFields?: SessionFields;
  remoteFields?: SessionFields;
  /** One-code reconnect: the contact's fingerprint this link was made for. */
  pinnedFingerprint?: Uint8Array;
  private readonly pc: PeerConnection;
  private readonly main: NodeLinkChannel;
  private readonly channels = new Map<number, NodeLinkChannel>();
  private readonly gatherTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly answerValidMs: number;
  private timer?: ReturnType<typeof setTimeout>;

  private constructor(
    readonly role: LinkRole,
    private readonly options: NodeLinkOptions,
  ) {
    super();
    this.gatherTimeoutMs = options.gatherTimeoutMs ?? defaultGatherTimeoutMs;
    this.connectTimeoutMs = options.connectTimeoutMs ?? defaultConnectTimeoutMs;
    this.answerValidMs = options.answerValidMs ?? defaultAnswerValidMs;
    try {
      this.pc = new nodeDataChannel.PeerConnection(`tincan-${++linkCount}`, {
        iceServers: toNodeIceServers(options.iceServers ?? []),
        certificatePemFile: options.certificate.certificatePemFile,
        keyPemFile: options.certificate.keyPemFile,
        // We set the descriptions ourselves, with our ICE credentials (see the module header).
        disableAutoNegotiation: true,
        ...(options.bindAddress ? { bindAddress: options.bindAddress } : {}),
      });
    } catch (error) {
      throw asTincanError(error, 'CERTIFICATE_FAILED');
    }
    this.main = new NodeLinkChannel(mainChannelId, this.pc.createDataChannel('tincan', { negotiated: true, id: mainChannelId }));
    this.main.on('open', () => this.handleOpen());
    this.main.on('close', () =>
      this.close(
        this.state === 'connected'
          ? { state: 'closed', code: 'CHANNEL_CLOSED' }
          : { state: 'failed', code: 'ICE_FAILED', detail: 'the connection failed before the channel opened' },
      ),
    );
    this.main.on('message', (bytes) => this.emit('message', bytes));
    this.main.on('buffered-low', () => this.emit('buffered-low', undefined));
    this.pc.onStateChange((state) => {
      if (state === 'failed') this.close({ state: 'failed', code: 'ICE_FAILED' });
      else if (state === 'closed') this.close({ state: 'closed', code: 'CHANNEL_CLOSED' });
    });
  }

  /** Inviter: makes the offer and returns the link, waiting for `acceptAnswer`. */
  static async invite(options: NodeLinkOptions): Promise<NodeLink> {
    const link = new NodeLink('inviter', options);
    await link.setLocal('offer', 'OFFER_FAILED');
    if (link.state === 'gathering') link.setState('waiting-for-answer');
    return link;
  }

  /** Inviter of a one-code reconnect: the contact's answer is set from its pinned fingerprint (peer-link.ts). */
  static async reconnect(options: NodeLinkOptions & { readonly contactFingerprint: Uint8Array; readonly peerWaitMs?: number }): Promise<NodeLink> {
    if (options.contactFingerprint.length !== fingerprintBytes) {
      throw new TincanError('SDP_UNSUPPORTED', `pinned fingerprint of ${options.contactFingerprint.length} bytes`);
    }
    const link = new NodeLink('inviter', options);
    link.pinnedFingerprint = options.contactFingerprint.slice();
    await link.setLocal('offer', 'OFFER_FAILED');
    const contact: SessionFields = { fingerprint: link.pinnedFingerprint, candidates: [] };
    const answer = buildSdp(contact, { type: 'answer', setup: 'passive' }).replace(/^a=end-of-candidates\r\n/m, '');
    link.setRemote(answer, 'answer', 'CODE_REFUSED');
    link.remoteFields = contact;
    if (link.state === 'gathering') {
      link.setState('waiting-for-peer');
      link.armTimer(options.peerWaitMs ?? defaultAnswerValidMs, 'CONNECT_TIMEOUT', 'the contact did not open the reconnect code in time');
    }
    return link;
  }

  /** Answerer: applies the invite and makes the answer; the inviter must apply it within answerValidMs. */
  static async answer(invite: SessionFields, options: NodeLinkOptions): Promise<NodeLink> {
    const link = new NodeLink('answerer', options);
    link.remoteFields = invite;
    // libdatachannel refuses candidates before it has an ICE transport, which (with auto-negotiation off) comes with
    // our own description: the offer goes in without them, they follow the answer (docs/node-peer.md §1).
    const offer = buildSdp(invite, { type: 'offer', setup: 'active' });
    link.setRemote(withoutCandidates(offer), 'offer', 'CODE_REFUSED');
    await link.setLocal('answer', 'ANSWER_FAILED');
    // None may be usable here (a browser's mDNS names): its checks still reach us (peer-reflexive).
    link.addCandidates(offer);
    if (link.state === 'gathering') {
      link.setState('waiting-for-inviter');
      link.armTimer(link.answerValidMs, 'CONNECT_TIMEOUT', 'the answer was not used in time');
    }
    return link;
  }

  async acceptAnswer(answer: SessionFields): Promise<void> {
    if (this.pinnedFingerprint && (this.state === 'waiting-for-peer' || this.state === 'connecting')) return this.addRemoteCandidates(answer);
    if (this.role !== 'inviter' || this.state !== 'waiting-for-answer') throw new TincanError('NO_INVITE_PENDING', `state ${this.state}`);
    this.remoteFields = answer;
    this.setState('connecting');
    this.armTimer(this.connectTimeoutMs, 'CONNECT_TIMEOUT', 'no connection after the answer');
    this.setRemote(buildSdp(answer, { type: 'answer', setup: 'passive' }), 'answer', 'CODE_REFUSED');
  }

  /** One-code reconnect fallback: the contact's answer code after all; its candidates join the answer we set. */
  async addRemoteCandidates(fields: SessionFields): Promise<void> {
    const pinned = this.pinnedFingerprint;
    if (!pinned || (this.state !== 'waiting-for-peer' && this.state !== 'connecting')) throw new TincanError('NO_INVITE_PENDING', `state ${this.state}`);
    if (!sameBytes(fields.fingerprint, pinned)) throw new TincanError('RECONNECT_WRONG_CONTACT');
    if (fields.ice) throw new TincanError('SDP_UNSUPPORTED', 'explicit ICE credentials in a reconnect answer');
    if (this.addCandidates(buildSdp(fields, { type: 'answer', setup: 'passive' })) === 0) throw new TincanError('CANDIDATES_REFUSED', 'no candidates');
    this.remoteFields = { fingerprint: pinned, candidates: [...(this.remoteFields?.candidates ?? []), ...fields.candidates] };
    if (this.state === 'waiting-for-peer') {
      this.setState('connecting');
      this.armTimer(this.connectTimeoutMs, 'CONNECT_TIMEOUT', 'no connection after the answer');
    }
  }

  send(bytes: Uint8Array): void {
    this.main.send(bytes);
  }

  get maxMessageSize(): number {
    return this.main.maxMessageSize;
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
    const unordered = options.ordered === false;
    const channel = new NodeLinkChannel(id, this.pc.createDataChannel(`tincan-${id}`, { negotiated: true, id, unordered }));
    channel.on('close', () => this.channels.delete(id));
    this.channels.set(id, channel);
    return channel;
  }

  /** ICE restarts are not done by a Node peer (module header): the link goes on as it is. */
  async applySignal(_signal: LinkSignal): Promise<void> {}

  async selectedCandidateTypes(): Promise<CandidatePairTypes | undefined> {
    if (this.ended) return undefined;
    const pair = this.pc.getSelectedCandidatePair();
    if (!pair) return undefined;
    return { local: pair.local.type.toLowerCase(), remote: pair.remote.type.toLowerCase() };
  }

  /** The one way a link ends. Idempotent: the first reason wins. */
  close(ended: LinkEnded = { state: 'closed' }): void {
    if (this.ended) return;
    this.ended = ended;
    clearTimeout(this.timer);
    for (const channel of [this.main, ...this.channels.values()]) channel.close();
    // libdatachannel calls back into JS from its own threads while closing: let the current callback return first.
    setImmediate(() => {
      try {
        this.pc.close();
      } catch {
        // closed already
      }
    });
    this.setState(ended.state);
  }

  /** Adds the candidate lines of this SDP one by one; returns how many libdatachannel took. */
  private addCandidates(sdp: string): number {
    let added = 0;
    for (const line of sdp.split('\r\n')) {
      if (!line.startsWith('a=candidate:')) continue;
      try {
        this.pc.addRemoteCandidate(line.slice('a='.length), '0');
        added++;
      } catch {
        // one unusable candidate costs only itself
      }
    }
    return added;
  }

  private setRemote(sdp: string, type: 'offer' | 'answer', code: ErrorCode): void {
    try {
      this.pc.setRemoteDescription(sdp, type);
    } catch (error) {
      // The connection's states go with the error: libdatachannel's "Got a remote candidate without ICE transport"
      // came twice in full CI runs with no state to tell whether the ICE transport was not there yet or gone already.
      const states = `connection ${this.pc.state()}, ICE ${this.pc.iceState()}, signaling ${this.pc.signalingState()}, link ${this.state}`;
      throw this.fail(asTincanError(new Error(`${type} as ${this.role} (${states}): ${toError(error).message}`), code));
    }
  }

  /** Sets our description with the derived ICE credentials, waits for gathering (bounded), reads our fields. */
  private async setLocal(type: 'offer' | 'answer', code: ErrorCode): Promise<void> {
    try {
      const gathered = new Promise<void>((resolve) => {
        const bound = setTimeout(resolve, this.gatherTimeoutMs);
        this.pc.onGatheringStateChange((state) => {
          if (state === 'complete') {
            clearTimeout(bound);
            resolve();
          }
        });
      });
      const { ufrag, pwd } = deriveIceCredentials(this.options.certificate.fingerprint);
      this.pc.setLocalDescription(type, { iceUfrag: ufrag, icePwd: pwd });
      await gathered;
      this.localFields = extractFields(this.pc.localDescription()?.sdp ?? '');
    } catch (error) {
      throw this.fail(asTincanError(error, code));
    }
  }

  private handleOpen(): void {
    clearTimeout(this.timer);
    this.setState('connected');
  }

  private fail(error: TincanError): TincanError {
    this.close({ state: 'failed', code: error.code, detail: error.message });
    return error;
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

/** One negotiated data channel of a NodeLink. */
class NodeLinkChannel extends Emitter<LinkChannelEvents> implements LinkChannel {
  state: LinkChannelState = 'connecting';
  private lowThreshold = 0;

  constructor(
    readonly id: number,
    private readonly channel: DataChannel,
  ) {
    super();
    channel.onOpen(() => {
      if (this.state !== 'connecting') return;
      this.state = 'open';
      this.emit('open', undefined);
    });
    channel.onClosed(() => this.handleClosed());
    channel.onError(() => this.handleClosed());
    channel.onMessage((message) => {
      if (typeof message === 'string') return; // text is not part of any Tincan protocol
      this.emit('message', message instanceof ArrayBuffer ? new Uint8Array(message) : new Uint8Array(message.buffer, message.byteOffset, message.byteLength));
    });
    channel.onBufferedAmountLow(() => this.emit('buffered-low', undefined));
  }

  get maxMessageSize(): number {
    try {
      return this.state === 'open' ? this.channel.maxMessageSize() : defaultMaxMessageSize;
    } catch {
      return defaultMaxMessageSize;
    }
  }

  send(bytes: Uint8Array): void {
    if (this.state !== 'open') throw new TincanError('CHANNEL_CLOSED');
    checkSendable(bytes, this.maxMessageSize, this.bufferedAmount);
    try {
      this.channel.sendMessageBinary(bytes);
    } catch (error) {
      throw asTincanError(error, 'CHANNEL_CLOSED');
    }
  }

  get bufferedAmount(): number {
    try {
      return this.state === 'closed' ? 0 : this.channel.bufferedAmount();
    } catch {
      return 0;
    }
  }

  get bufferedAmountLowThreshold(): number {
    return this.lowThreshold;
  }

  set bufferedAmountLowThreshold(bytes: number) {
    this.lowThreshold = bytes;
    try {
      this.channel.setBufferedAmountLowThreshold(bytes);
    } catch {
      // closed
    }
  }

  whenBufferedLow(): Promise<void> {
    return whenBufferedLow(this);
  }

  close(): void {
    if (this.state === 'closed') return;
    try {
      this.channel.close();
    } catch {
      // closed with the connection
    }
    this.handleClosed();
  }

  private handleClosed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.emit('close', undefined);
  }
}

/** NodeLinks made with a kept certificate: what certifiedLinks (device-links.ts) turns into DeviceLinks. */
export function nodeLinkMaker(options: () => Omit<NodeLinkOptions, 'certificate'>): CertifiedLinkMaker<PemFiles> {
  return {
    supportsOneCodeReconnect: true,
    invite: (certificate) => NodeLink.invite({ ...options(), certificate }),
    reconnect: (certificate, contactFingerprint) => NodeLink.reconnect({ ...options(), certificate, contactFingerprint }),
    answer: (invite, certificate) => NodeLink.answer(invite, { ...options(), certificate }),
  };
}

/** Frees node-datachannel's threads so the process can exit (after every link is closed). */
export function stopNodeLinks(): void {
  nodeDataChannel.cleanup();
}

/** Sends node-datachannel's debug log (ICE, DTLS, SCTP steps) to `write`. */
export function debugLinks(write: (line: string) => void): void {
  nodeDataChannel.initLogger('Debug', (level, message) => write(`${level} ${message}`));
}
