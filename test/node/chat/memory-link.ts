// Two Links joined in memory, for testing what chat/ does over a connection (delivery, trust, budgets) in Node.
// Not WebRTC: nothing here claims a connection works; test/unit/net and test/e2e do that with real browsers.
// Bytes are delivered asynchronously and in order, like a reliable ordered data channel; `cut()` makes the pair
// go silent without either side noticing (a dead path whose channel still reads "open"). Extra channels
// (openChannel, as the file transfers' bulk channel) are negotiated by id like WebRTC's: what arrives on one before
// this side opened it waits for the open.
import { Emitter } from '../../../src/events';
import { TincanError } from '../../../src/errors';
import type {
  Link,
  LinkChannel,
  LinkChannelEvents,
  LinkChannelState,
  LinkEnded,
  LinkEvents,
  LinkRole,
  LinkSignal,
  LinkState,
} from '../../../src/net/link';
import type { SessionFields } from '../../../src/invite/sdp';

export class MemoryLink extends Emitter<LinkEvents> implements Link {
  state: LinkState = 'connecting';
  ended?: LinkEnded;
  localFields: SessionFields;
  remoteFields?: SessionFields;
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  readonly maxMessageSize = 65_536;
  peer?: MemoryLink;
  silent = false;
  /** Every frame this side sent, for tests that replay or count. */
  readonly sentFrames: Uint8Array[] = [];
  private readonly channels = new Map<number, MemoryChannel>();

  constructor(readonly role: LinkRole, fingerprint: Uint8Array) {
    super();
    this.localFields = { fingerprint, candidates: [] };
  }

  send(bytes: Uint8Array): void {
    if (this.state !== 'connected') throw new Error('not connected');
    this.sentFrames.push(bytes);
    const peer = this.peer;
    if (this.silent || !peer) return;
    const copy = bytes.slice();
    setTimeout(() => {
      if (peer.state === 'connected' && !peer.silent) peer.emit('message', copy);
    }, 0);
  }

  /** Delivers raw bytes to the peer as if this side had sent them (a replaying or flooding peer). */
  inject(bytes: Uint8Array): void {
    this.peer?.emit('message', bytes.slice());
  }

  /** The path went (ICE `disconnected` in a browser): what a PeerLink says then. */
  losePath(): void {
    this.emit('path-lost', undefined);
  }

  close(ended: LinkEnded = { state: 'closed' }): void {
    if (this.ended) return;
    this.ended = ended;
    for (const channel of this.channels.values()) channel.close();
    this.setState(ended.state);
    const peer = this.peer;
    if (peer && !peer.ended && !this.silent) setTimeout(() => peer.close({ state: 'closed', code: 'CHANNEL_CLOSED' }), 0);
  }

  async whenBufferedLow(): Promise<void> {}

  openChannel(id: number): LinkChannel {
    const channel = this.channel(id);
    channel.open();
    return channel;
  }

  /** This side's channel `id`, opened or not (the peer's bytes for it wait in it until it is). */
  channel(id: number): MemoryChannel {
    let channel = this.channels.get(id);
    if (!channel) this.channels.set(id, (channel = new MemoryChannel(id, this)));
    return channel;
  }

  async applySignal(_signal: LinkSignal): Promise<void> {}

  async selectedCandidateTypes(): Promise<{ local: string; remote: string }> {
    return { local: 'host', remote: 'host' };
  }

  setState(state: LinkState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }
}

/** A connected pair: a is the inviter, b the answerer. */
export function memoryLinkPair(): [MemoryLink, MemoryLink] {
  const fp = (n: number) => new Uint8Array(32).fill(n);
  const a = new MemoryLink('inviter', fp(0xa1));
  const b = new MemoryLink('answerer', fp(0xb2));
  a.peer = b;
  b.peer = a;
  a.remoteFields = b.localFields;
  b.remoteFields = a.localFields;
  queueMicrotask(() => {
    a.setState('connected');
    b.setState('connected');
  });
  return [a, b];
}

/** The path dies silently: both sides still read "connected", nothing arrives. */
export function cut(a: MemoryLink, b: MemoryLink): void {
  a.silent = true;
  b.silent = true;
}

/** One extra channel of a MemoryLink: reliable and ordered, delivered asynchronously, silent when its link is cut. */
export class MemoryChannel extends Emitter<LinkChannelEvents> implements LinkChannel {
  state: LinkChannelState = 'connecting';
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  private readonly early: Uint8Array[] = [];

  constructor(
    readonly id: number,
    private readonly link: MemoryLink,
  ) {
    super();
  }

  open(): void {
    if (this.state !== 'connecting' || this.link.ended) return;
    this.state = 'open';
    this.emit('open', undefined);
    for (const bytes of this.early.splice(0)) this.emit('message', bytes);
  }

  send(bytes: Uint8Array): void {
    if (this.state !== 'open' || this.link.state !== 'connected') throw new TincanError('CHANNEL_CLOSED');
    const peer = this.link.peer;
    if (this.link.silent || !peer) return;
    const copy = bytes.slice();
    setTimeout(() => {
      if (peer.state === 'connected' && !peer.silent) peer.channel(this.id).deliver(copy);
    }, 0);
  }

  deliver(bytes: Uint8Array): void {
    if (this.state === 'open') this.emit('message', bytes);
    else if (this.state === 'connecting') this.early.push(bytes);
  }

  async whenBufferedLow(): Promise<void> {
    if (this.state === 'closed') throw new TincanError('CHANNEL_CLOSED');
  }

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.early.length = 0;
    this.emit('close', undefined);
  }
}
