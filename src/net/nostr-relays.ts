// Nostr relays as a carrier's wire (docs/relays.md): connections to relays by address, with a status each, and the
// NIP-59 gift wrap that hides who talks to whom. Everything protocol is nostr-tools: events and their signatures
// (NIP-01), NIP-44 encryption, the NIP-59 rumor and seal; the wrap is nostr-tools' createWrap plus the NIP-40
// `expiration` tag (its createWrap takes no tags). DOM-free: the WebSocket class is passed in (the page's own, or
// `ws` in Node).
//
// What a relay sees of a wrap: a random one-time key as author, the recipient's alias key in a `p` tag, a time up to
// two days in the past (NIP-59 back-dates wraps, so a subscriber asks with `since` two days earlier), the expiry, and
// a padded NIP-44 ciphertext. The seal inside is signed by the sender's alias key, which only the recipient learns.
import { Emitter } from '../events';
import * as nip44 from 'nostr-tools/nip44';
import { createRumor, createSeal } from 'nostr-tools/nip59';
import { finalizeEvent, generateSecretKey, getPublicKey, verifyEvent, type NostrEvent } from 'nostr-tools/pure';
import { AbstractRelay } from 'nostr-tools/abstract-relay';

export type { NostrEvent };
export { bytesToHex, hexToBytes } from 'nostr-tools/utils';

/** NIP-59 gift wrap: stored by relays until its expiry. */
export const giftWrapKind = 1059;
/** The same wrap in the ephemeral range (20000-29999): relays hand it to who is subscribed now and never store it. */
export const ephemeralWrapKind = 21059;
/** NIP-44 encrypts at most this many bytes of plaintext (the wrap's plaintext is the whole seal). */
export const maxNip44PlaintextBytes = 65_535;
/** Gift wraps expire (NIP-40) this long after they are made: a contact away longer fetches nothing older. */
export const wrapLifetimeS = 14 * 24 * 60 * 60;
/** NIP-59 back-dates wraps and seals by up to this: a subscription starts this much earlier than it needs. */
export const wrapBackdateS = 2 * 24 * 60 * 60;
/** The rumor's kind inside the seal: a Tincan item (an envelope or an ack); it is never published unwrapped. */
const rumorKind = 301;
/** The rumor's kind for an answer code sent back to an invite's alias (chat/relay-rendezvous.ts). */
export const answerRumorKind = 302;
/** The rumor's kind for a one-code reconnect offer to a contact's alias (chat/relay-reconnect.ts). */
export const reconnectRumorKind = 303;
/** A relay that does not open within this is shown as unreachable (it is tried again later). */
const connectTimeoutMs = 5_000;
/** A relay that does not answer a publish within this counts as not having taken it. */
const publishTimeoutMs = 5_000;
/** A relay read from that dropped (or could not be reached) is opened and read again after these, one per failed
 * try, the last repeated. Ours, not nostr-tools' reconnect (see RelayPool). */
const rereadBackoffMs = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000] as const;

/** Stored events one catch-up reading may bring (varied per reading, see RelayPool.subscribe). */
const catchUpLimitBase = 1_000;

export type RelayStatus = 'connecting' | 'connected' | 'refused' | 'unreachable';

/** What is opened from a wrap: who sealed it (their alias key, hex) and what they sealed. */
export interface Unwrapped {
  readonly sender: string;
  readonly content: string;
  /** When the sender sealed it (the rumor's time, seconds: not back-dated, unlike the wrap's). */
  readonly sealedAt: number;
}

export function newAliasSecret(): Uint8Array {
  return generateSecretKey();
}

export function aliasOf(secret: Uint8Array): string {
  return getPublicKey(secret);
}

/** What a wrap holds and how long it lives: an item for 14 days unless said otherwise. */
export interface WrapOptions {
  readonly kind?: number;
  readonly lifetimeS?: number;
  /** An ephemeral wrap (kind 21059, no expiry: never stored). */
  readonly ephemeral?: boolean;
}

/**
 * `content` sealed by `senderSecret` for `recipient` (hex) and wrapped under a one-time key, expiring after
 * wrapLifetimeS (or `lifetimeS`). Undefined when it is too large for NIP-44 (the caller sends it another way).
 */
export function wrapFor(content: string, senderSecret: Uint8Array, recipient: string, nowS: number, { kind = rumorKind, lifetimeS = wrapLifetimeS, ephemeral = false }: WrapOptions = {}): NostrEvent | undefined {
  try {
    const rumor = createRumor({ kind, content, tags: [], created_at: nowS }, senderSecret);
    const seal = createSeal(rumor, senderSecret, recipient);
    const oneTime = generateSecretKey();
    const plaintext = JSON.stringify(seal);
    if (new TextEncoder().encode(plaintext).length > maxNip44PlaintextBytes) return undefined;
    return finalizeEvent(
      {
        kind: ephemeral ? ephemeralWrapKind : giftWrapKind,
        content: nip44.encrypt(plaintext, nip44.getConversationKey(oneTime, recipient)),
        created_at: nowS - Math.floor(Math.random() * wrapBackdateS),
        tags: ephemeral ? [['p', recipient]] : [
          ['p', recipient],
          ['expiration', String(nowS + lifetimeS)],
        ],
      },
      oneTime,
    );
  } catch {
    return undefined; // NIP-44 refuses plaintext over 65,535 bytes
  }
}

/** Opens a wrap addressed to `secret`'s alias: undefined for anything that is not a valid wrap and seal (of a rumor
 * of `kind`). */
export function unwrap(wrap: NostrEvent, secret: Uint8Array, kind = rumorKind): Unwrapped | undefined {
  try {
    if ((wrap.kind !== giftWrapKind && wrap.kind !== ephemeralWrapKind) || wrap.content.length > 2 * maxNip44PlaintextBytes) return undefined;
    const seal = JSON.parse(nip44.decrypt(wrap.content, nip44.getConversationKey(secret, wrap.pubkey))) as NostrEvent;
    if (seal.kind !== 13 || typeof seal.content !== 'string' || !verifyEvent({ ...seal })) return undefined;
    const rumor = JSON.parse(nip44.decrypt(seal.content, nip44.getConversationKey(secret, seal.pubkey))) as Partial<NostrEvent>;
    if (rumor.pubkey !== seal.pubkey || rumor.kind !== kind || typeof rumor.content !== 'string') return undefined;
    const sealedAt = typeof rumor.created_at === 'number' && Number.isFinite(rumor.created_at) ? rumor.created_at : 0;
    return { sender: seal.pubkey, content: rumor.content, sealedAt };
  } catch {
    return undefined;
  }
}

export interface RelayPoolEvents {
  status: { url: string; status: RelayStatus };
  /** An event a subscription brought (any relay; the same event may come from several, or twice). */
  event: NostrEvent;
  /** A relay has sent every stored event that matched; what follows is live. */
  eose: string;
  /** A relay that dropped is read again (the same reading): its stored events come first again, then `eose`. */
  reread: string;
}

export interface RelayPoolOptions {
  /** The WebSocket class (the page's, or `ws` in Node). */
  readonly socket: unknown;
}

interface Connection {
  relay?: AbstractRelay;
  opening?: Promise<AbstractRelay | undefined>;
  status: RelayStatus;
  /** The next try to read this relay again, and how many tries failed since it was last open. */
  reread?: ReturnType<typeof setTimeout>;
  failedTries: number;
}

/**
 * Connections to relays by address, opened only when something is published there or read from there. Each
 * relay's status is kept and emitted. A relay read from that drops is opened and read again by the pool, with the
 * very filter it was read with (rereadBackoffMs); one only published to opens again at the next publish.
 *
 * nostr-tools' own reconnect (`enableReconnect`) is off: on reconnection it resubscribes with `since` set past the
 * newest `created_at` it saw (abstract-relay.js, `sub.lastEmitted + 1`), and filters what comes in by that too. Gift
 * wraps are back-dated at random by up to two days, so after a reconnection nearly every new wrap, stored or
 * ephemeral, fell below that bound and was lost (test/node/chat/relay-down.test.ts). With it off, a drop calls
 * `onclose` at once (the status reads "unreachable" then, and a publish waiting on that socket fails then rather than
 * after its timeout), and the pool's new reading is a subscription like the first: `since` two days back, then the
 * catch-up at its EOSE. Stored wraps read again are dropped by id (relay-carrier.ts `seen`) or, past that, by message
 * id in delivery.
 */
export class RelayPool extends Emitter<RelayPoolEvents> {
  private readonly connections = new Map<string, Connection>();
  private filter?: { readonly '#p': string[]; readonly since: number };
  /** The relays the reading is on (read again when they drop). */
  private reading: readonly string[] = [];
  private readonly subscribed = new Set<string>();
  /** The relays this reading has subscribed on before (a new subscription there is a reading again). */
  private readonly readOnce = new Set<string>();
  private closed = false;

  constructor(private readonly options: RelayPoolOptions) {
    super();
  }

  statuses(): ReadonlyMap<string, RelayStatus> {
    return new Map([...this.connections].map(([url, c]) => [url, c.status]));
  }

  /** Reads gift wraps for `aliases` from `urls`, from `since` (seconds) on; replaces the previous reading. */
  read(urls: readonly string[], aliases: readonly string[], since: number): void {
    this.filter = { '#p': [...aliases], since };
    this.reading = [...urls];
    this.subscribed.clear();
    this.readOnce.clear();
    for (const connection of this.connections.values()) for (const sub of connection.relay?.openSubs.values() ?? []) sub.close();
    for (const url of urls) void this.subscribe(url);
  }

  /** Publishes on every one of `urls`; true once at least one relay took it. */
  async publish(urls: readonly string[], event: NostrEvent): Promise<boolean> {
    const results = await Promise.all(
      urls.map(async (url) => {
        const relay = await this.open(url);
        if (!relay) return false;
        try {
          await relay.publish(event);
          return true;
        } catch (error) {
          // An OK false (the relay refused it) or a publish that timed out: said in the relay's status.
          if (!/timed? ?out|closed/i.test(String(error))) this.setStatus(url, 'refused');
          return false;
        }
      }),
    );
    return results.some(Boolean);
  }

  close(): void {
    this.closed = true;
    for (const connection of this.connections.values()) {
      clearTimeout(connection.reread);
      connection.relay?.close();
    }
    this.connections.clear();
    this.removeAllListeners();
  }

  private async subscribe(url: string): Promise<void> {
    const relay = await this.open(url);
    const filter = this.filter;
    if (!relay || !filter || this.subscribed.has(url) || !this.reading.includes(url)) return;
    this.subscribed.add(url);
    if (this.readOnce.has(url)) this.emit('reread', url);
    this.readOnce.add(url);
    const filters = [{ kinds: [giftWrapKind, ephemeralWrapKind], ...filter }];
    relay.subscribe(filters, {
      onevent: (event) => this.emit('event', event),
      // A relay may register a subscription only after its stored events are sent (@nostr-relay/core does): an
      // event stored in between is in neither. One more reading once this one is live closes that gap.
      oneose: () => {
        // (an EOSE timer may fire after the pool or the connection closed: nothing to read then)
        if (this.closed || !relay.connected) return;
        // @nostr-relay/core also answers a filter it saw within the last second from a cache that new events do not
        // clear (EventService filterResultCacheTtl, 1 s): the catch-up's own `limit` makes it a filter not seen before.
        const catchUp = relay.subscribe([{ ...filters[0]!, limit: catchUpLimitBase + Math.floor(Math.random() * catchUpLimitBase) }], {
          onevent: (event) => this.emit('event', event),
          oneose: () => {
            catchUp.close();
            this.emit('eose', url);
          },
        });
      },
      onclose: (reason) => {
        this.subscribed.delete(url);
        if (/^(auth-required|restricted|blocked|rate-limited|error)/.test(reason)) this.setStatus(url, 'refused');
      },
    });
  }

  private open(url: string): Promise<AbstractRelay | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    let connection = this.connections.get(url);
    if (connection?.relay?.connected) return Promise.resolve(connection.relay);
    if (connection?.opening) return connection.opening;
    if (!connection) this.connections.set(url, (connection = { status: 'connecting', failedTries: 0 }));
    const current = connection;
    const relay =
      current.relay ??
      new AbstractRelay(url, {
        verifyEvent: (event) => verifyEvent({ ...event }),
        websocketImplementation: quiet(this.options.socket) as never,
        enableReconnect: false,
      });
    relay.publishTimeout = publishTimeoutMs;
    // Called when the socket drops or a try to open it fails (and when we close it).
    relay.onclose = () => {
      this.setStatus(url, 'unreachable');
      this.readAgainLater(url, current);
    };
    current.relay = relay;
    current.opening = relay.connect({ timeout: connectTimeoutMs }).then(
      () => {
        current.opening = undefined;
        current.failedTries = 0;
        clearTimeout(current.reread);
        current.reread = undefined;
        this.setStatus(url, 'connected');
        // Open again (a publish opened it, or a try to read it again): read it again at once.
        if (!this.subscribed.has(url)) void this.subscribe(url);
        return relay;
      },
      () => {
        current.opening = undefined;
        this.setStatus(url, 'unreachable');
        return undefined;
      },
    );
    return current.opening;
  }

  /** A relay read from that dropped or could not be opened: a new try after the next back-off (one at a time). */
  private readAgainLater(url: string, connection: Connection): void {
    if (this.closed || connection.reread || !this.reading.includes(url) || this.connections.get(url) !== connection) return;
    const delayMs = rereadBackoffMs[Math.min(connection.failedTries, rereadBackoffMs.length - 1)];
    connection.failedTries++;
    connection.reread = setTimeout(() => {
      connection.reread = undefined;
      void this.subscribe(url);
    }, delayMs);
  }

  private setStatus(url: string, status: RelayStatus): void {
    const connection = this.connections.get(url);
    if (!connection || connection.status === status || this.closed) return;
    connection.status = status;
    this.emit('status', { url, status });
  }
}

type SocketClass = new (url: string) => { on?: (name: 'error', listener: () => void) => unknown };
const quieted = new WeakMap<object, SocketClass>();

/**
 * Node's `ws` emits an 'error' event when a socket still connecting is closed, and nostr-tools has removed its
 * handler by then, so `ws` would throw it as uncaught; a page's WebSocket only fires an event. Each socket gets a
 * listener that ignores it (nostr-tools learns of failures through onerror/onclose, set before).
 */
function quiet(socket: unknown): unknown {
  if (typeof socket !== 'function') return socket;
  const base = socket as SocketClass;
  let quietClass = quieted.get(base);
  if (!quietClass) {
    quietClass = class extends base {
      constructor(url: string) {
        super(url);
        this.on?.('error', () => undefined);
      }
    };
    quieted.set(base, quietClass);
  }
  return quietClass;
}
