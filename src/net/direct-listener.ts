// Node only (node-datachannel 0.33.x): a listener on one UDP port that browsers and Node peers dial with no
// signaling (WebRTC-direct, docs/mailbox.md §1). Every pitfall the lab found is built in:
//   - a STUN request's ufrag is checked against directUfragPattern BEFORE any native call: an invalid one handed
//     to setLocalDescription aborts the whole process (an uncatchable std::invalid_argument);
//   - ufrags of connections closed in the last recentlyClosedMs are ignored: a late retransmitted STUN request for
//     a connection just closed would create a new one that hangs for about 39 s;
//   - every valid-looking STUN request creates a connection before any authentication, so connections that have
//     not proven who they are (`prove`) are capped (maxStrangers) and rate-limited (strangersPerWindow), and one
//     that has not proven itself within proveWithinMs is closed;
//   - the listener cannot know a dialer's certificate, so it runs with disableFingerprintVerification and reports
//     remoteFingerprint() (the one this DTLS session really used) for the Hello to bind (chat/secure-channel.ts).
import { IceUdpMuxListener, PeerConnection, type IceUdpMuxRequest } from 'node-datachannel';
import { Emitter } from '../events';
import { directChannelId, directUfragPattern } from './direct-channel';
import { directMaxMessageBytes, directOfferSdp, fingerprintFromText } from './direct-sdp';
import { NativeDirectChannel } from './native-direct-channel';

export interface DirectListenerOptions {
  /** The local address to bind (an address of this machine, not 0.0.0.0: it is also the candidate). */
  readonly host: string;
  readonly port: number;
  readonly certificatePemFile: string;
  readonly keyPemFile: string;
  /** This listener's certificate fingerprint (what dialers check; the Hello binds it). */
  readonly fingerprint: Uint8Array;
  /** Connections not yet proven that may exist at once. */
  readonly maxStrangers?: number;
  /** New unproven connections per rate window. */
  readonly strangersPerWindow?: number;
  readonly strangerWindowMs?: number;
  /** An unproven connection is closed this long after its first STUN request. */
  readonly proveWithinMs?: number;
  /** How long a closed connection's ufrag is ignored. */
  readonly recentlyClosedMs?: number;
  readonly now?: () => number;
}

export const defaultMaxStrangers = 16;
export const defaultStrangersPerWindow = 20;
export const defaultStrangerWindowMs = 10_000;
/** An honest dialer opens and finishes its Hello in well under a second (72-103 ms to open, docs/mailbox.md §1). */
export const defaultProveWithinMs = 8_000;
/** Longer than a browser's STUN retransmissions for one check (about 39 s, docs/mailbox.md §1). */
export const defaultRecentlyClosedMs = 60_000;
const maxRecentlyClosed = 4_096;

/** What the listener refused or ended, counted (for its status and the tests). */
export interface DirectListenerStats {
  created: number;
  opened: number;
  badUfrag: number;
  recentlyClosed: number;
  overCap: number;
  overRate: number;
  unprovenClosed: number;
}

export type DirectListenerEvents = {
  /** A dialer's channel opened: prove it within proveWithinMs (the Hello) or it is closed. */
  connection: ListenerChannel;
};

export class ListenerChannel extends NativeDirectChannel {
  /** Where the first STUN request came from. */
  readonly remote: { readonly address: string; readonly port: number };
  isProven = false;

  constructor(
    readonly ufrag: string,
    peer: PeerConnection,
    localFingerprint: Uint8Array,
    remote: { address: string; port: number },
    private readonly onEnd: (channel: ListenerChannel) => void,
  ) {
    super(peer, localFingerprint, new Uint8Array(32));
    this.remote = remote;
  }

  /** The Hello proved who dialed: no longer a stranger (no deadline, not counted against the cap). */
  prove(): void {
    if (this.isClosed || this.isProven) return;
    this.isProven = true;
    this.onEnd(this); // the listener moves it out of the strangers
  }

  protected override ended(): void {
    this.onEnd(this);
  }
}

export class DirectListener extends Emitter<DirectListenerEvents> {
  readonly stats: DirectListenerStats = { created: 0, opened: 0, badUfrag: 0, recentlyClosed: 0, overCap: 0, overRate: 0, unprovenClosed: 0 };
  private readonly native: IceUdpMuxListener;
  private readonly live = new Map<string, ListenerChannel>();
  private readonly strangers = new Map<ListenerChannel, ReturnType<typeof setTimeout>>();
  /** ufrag -> when it closed; oldest first (Map keeps insertion order). */
  private readonly closedAt = new Map<string, number>();
  private readonly recentStarts: number[] = [];
  private readonly now: () => number;
  private isStopped = false;

  constructor(private readonly options: DirectListenerOptions) {
    super();
    this.now = options.now ?? Date.now;
    this.native = new IceUdpMuxListener(options.port, options.host);
    this.native.onUnhandledStunRequest((request) => this.handleStun(request));
  }

  /** Connections alive now, proven or not. */
  get size(): number {
    return this.live.size;
  }

  get strangerCount(): number {
    return this.strangers.size;
  }

  stop(): void {
    if (this.isStopped) return;
    this.isStopped = true;
    for (const channel of [...this.live.values()]) channel.close();
    this.native.stop();
    this.removeAllListeners();
  }

  private handleStun(request: IceUdpMuxRequest): void {
    if (this.isStopped) return;
    const { ufrag, localUfrag, host, port } = request;
    // Before anything native: a ufrag that is no valid ICE pwd aborts the process in setLocalDescription.
    if (typeof ufrag !== 'string' || !directUfragPattern.test(ufrag) || localUfrag !== ufrag) return void this.stats.badUfrag++;
    if (typeof host !== 'string' || !Number.isInteger(port) || port <= 0 || port > 65_535) return void this.stats.badUfrag++;
    // Being set up already: the dialer retransmits until the new connection answers.
    if (this.live.has(ufrag)) return;
    const now = this.now();
    this.forgetOldClosed(now);
    if (this.closedAt.has(ufrag)) return void this.stats.recentlyClosed++;
    if (this.strangers.size >= (this.options.maxStrangers ?? defaultMaxStrangers)) return void this.stats.overCap++;
    const windowMs = this.options.strangerWindowMs ?? defaultStrangerWindowMs;
    while (this.recentStarts.length && now - this.recentStarts[0]! >= windowMs) this.recentStarts.shift();
    if (this.recentStarts.length >= (this.options.strangersPerWindow ?? defaultStrangersPerWindow)) return void this.stats.overRate++;
    this.recentStarts.push(now);
    this.open(ufrag, host, port);
  }

  private open(ufrag: string, host: string, port: number): void {
    const { options } = this;
    const peer = new PeerConnection(`direct-${ufrag.slice(0, 6)}`, {
      iceServers: [],
      enableIceUdpMux: true,
      bindAddress: options.host,
      portRangeBegin: options.port,
      portRangeEnd: options.port,
      certificatePemFile: options.certificatePemFile,
      keyPemFile: options.keyPemFile,
      disableFingerprintVerification: true,
      disableAutoNegotiation: true,
      maxMessageSize: directMaxMessageBytes,
    });
    this.stats.created++;
    const channel = new ListenerChannel(ufrag, peer, options.fingerprint, { address: host, port }, (c) => this.release(c));
    this.live.set(ufrag, channel);
    this.strangers.set(
      channel,
      setTimeout(() => {
        if (channel.isProven || channel.isClosed) return;
        this.stats.unprovenClosed++;
        channel.close();
      }, options.proveWithinMs ?? defaultProveWithinMs),
    );
    const native = peer.createDataChannel('', { negotiated: true, id: directChannelId });
    native.onOpen(() => {
      if (channel.isClosed) return;
      const seen = fingerprintFromText(peer.remoteFingerprint()?.value ?? '');
      if (!seen) return channel.close();
      channel.remoteFingerprint = seen;
      channel.attach(native);
      this.stats.opened++;
      this.emit('connection', channel);
    });
    try {
      peer.setRemoteDescription(directOfferSdp(ufrag, host, port), 'offer');
      peer.setLocalDescription('answer', { iceUfrag: ufrag, icePwd: ufrag });
    } catch {
      channel.close();
    }
  }

  /** A channel proved itself (it stays live) or ended (its ufrag is remembered as recently closed). */
  private release(channel: ListenerChannel): void {
    const timer = this.strangers.get(channel);
    if (timer !== undefined) clearTimeout(timer);
    this.strangers.delete(channel);
    if (!channel.isClosed) return;
    if (this.live.get(channel.ufrag) === channel) this.live.delete(channel.ufrag);
    this.closedAt.delete(channel.ufrag);
    this.closedAt.set(channel.ufrag, this.now());
    while (this.closedAt.size > maxRecentlyClosed) this.closedAt.delete(this.closedAt.keys().next().value!);
  }

  private forgetOldClosed(now: number): void {
    const keepMs = this.options.recentlyClosedMs ?? defaultRecentlyClosedMs;
    for (const [ufrag, at] of this.closedAt) {
      if (now - at < keepMs) break;
      this.closedAt.delete(ufrag);
    }
  }
}
