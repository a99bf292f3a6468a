// One code for a first contact, through Nostr relays (docs/relays.md): the inviter's page, with relays on, puts a
// fresh alias and its relays in the invite and reads wraps to that alias while the invite waits; the invitee's page
// seals its answer code for that alias and publishes it there, so the inviter's page applies it by itself.
//
// The alias is a random key made for one invite and dropped with it: nothing ties it to the inviter's identity, its
// contacts' aliases or another invite. The answer is a rumor of answerRumorKind in a seal signed by a one-time key
// (the invitee has no alias yet), gift-wrapped (NIP-59) under another one-time key, kind 1059 with an `expiration`
// when the answer stops being usable: stored, so an inviter whose relay connection dropped a moment still reads it,
// and gone once useless. What arrives is untrusted: whatever opens is handed on as text, and chat/pairing.ts decodes
// it like a pasted code and applies it only if it is an answer naming that invite (its 4-byte token, a hash of the
// invite's text, which the relay never sees).
import { maxInviteRelays, type InviteRelay } from '../invite/invite-code';
import type { NostrEvent, RelayPool } from '../net/nostr-relays';
import { isInviteRelayAddress } from '../net/relay-address';
import { TokenBucket, type BucketLimits } from './budget';

type RelayModule = typeof import('../net/nostr-relays');

/** Wrap ids remembered, to open a relay's duplicates and replays only once. */
const maxSeenWraps = 1_000;
/** Wraps to waiting invites opened (each costs key agreement and decryption): an honest invitee sends one per
 * invite, so a burst of 20 then 2 a second is plenty; a relay that floods gets the rest dropped unopened. */
export const rendezvousWrapBudget: BucketLimits = { perSecond: 2, burst: 20 };

/** A waiting invite's reading: close it when the invite ends. */
export interface RendezvousListener {
  /** What the invite carries: the alias and the relays read. */
  readonly relay: InviteRelay;
  close(): void;
}

/** What pairing needs (chat/pairing.ts); RelayRendezvous is the real one. */
export interface RendezvousPort {
  /** A fresh alias and this device's relays, read until `close`; undefined when relays are off. `onAnswer` gets the
   * text of every wrap that opens under the alias (untrusted). */
  listen(onAnswer: (text: string) => void): Promise<RendezvousListener | undefined>;
  /** This device has relays on (the person chose to let relays learn its IP address). */
  usesRelays(): boolean;
  /** Seals `answerText` for the invite's alias and publishes it on its relays (those this device may use); true
   * once one relay took it. The wrap expires at `validUntilMs`. */
  send(relay: InviteRelay, answerText: string, validUntilMs: number): Promise<boolean>;
}

export interface RelayRendezvousOptions {
  /** The WebSocket class (the page's, `ws` in Node). */
  readonly socket: unknown;
  /** This device's relays (none: relays off, no alias in invites). */
  readonly ownRelays: () => readonly string[];
  readonly load: () => Promise<RelayModule>;
  readonly now?: () => number;
}

interface Listening {
  readonly secret: Uint8Array;
  readonly relays: readonly string[];
  readonly onAnswer: (text: string) => void;
}

export class RelayRendezvous implements RendezvousPort {
  private readonly now: () => number;
  /** Waiting invites by alias (hex). */
  private readonly listening = new Map<string, Listening>();
  private pool?: RelayPool;
  private module?: RelayModule;
  private readonly seen = new Set<string>();
  private disposed = false;
  /** Wraps to a waiting invite's alias that did not open (anyone can publish to an alias), or came faster than
   * rendezvousWrapBudget allows: counted, never acted on. */
  readonly ignored = { unopened: 0, throttled: 0 };
  private readonly wrapBudget: TokenBucket;

  constructor(private readonly options: RelayRendezvousOptions) {
    this.now = options.now ?? Date.now;
    this.wrapBudget = new TokenBucket(rendezvousWrapBudget, this.now);
  }

  usesRelays(): boolean {
    return this.options.ownRelays().length > 0;
  }

  async listen(onAnswer: (text: string) => void): Promise<RendezvousListener | undefined> {
    const relays = this.options.ownRelays().slice(0, maxInviteRelays);
    if (!relays.length || this.disposed) return undefined;
    const module = (this.module = await this.options.load());
    const secret = module.newAliasSecret();
    const alias = module.aliasOf(secret);
    this.listening.set(alias, { secret, relays, onAnswer });
    this.read();
    return {
      relay: { alias: module.hexToBytes(alias), addresses: relays },
      close: () => {
        if (this.listening.delete(alias)) this.read();
      },
    };
  }

  async send(relay: InviteRelay, answerText: string, validUntilMs: number): Promise<boolean> {
    // Only addresses this device would use itself (wss:// to a public name, or ws:// to loopback): the invite is
    // untrusted (net/relay-address.ts isInviteRelayAddress).
    const urls = relay.addresses.filter(isInviteRelayAddress);
    if (!urls.length || this.disposed) return false;
    const module = await this.options.load();
    const nowS = Math.floor(this.now() / 1000);
    const lifetimeS = Math.max(1, Math.ceil(validUntilMs / 1000) - nowS);
    let wrap: NostrEvent | undefined;
    try {
      wrap = module.wrapFor(answerText, module.newAliasSecret(), module.bytesToHex(relay.alias), nowS, { kind: module.answerRumorKind, lifetimeS });
    } catch {
      wrap = undefined; // an alias that is no point on the curve: nothing can be sealed for it
    }
    if (!wrap) return false;
    const pool = new module.RelayPool({ socket: this.options.socket });
    try {
      return await pool.publish(urls, wrap);
    } finally {
      pool.close();
    }
  }

  dispose(): void {
    this.disposed = true;
    this.listening.clear();
    this.pool?.close();
    this.pool = undefined;
  }

  /** One reading for every waiting invite's alias, on their relays; none (the sockets close) when none waits. */
  private read(): void {
    const module = this.module;
    if (!module || this.disposed) return;
    if (!this.listening.size) {
      this.pool?.close();
      this.pool = undefined;
      return;
    }
    if (!this.pool) {
      this.pool = new module.RelayPool({ socket: this.options.socket });
      this.pool.on('event', (event) => this.handleWrap(event));
    }
    const urls = [...new Set([...this.listening.values()].flatMap((l) => l.relays))];
    // NIP-59 back-dates wraps by up to two days: read from then.
    this.pool.read(urls, [...this.listening.keys()], Math.floor(this.now() / 1000) - module.wrapBackdateS);
  }

  private handleWrap(event: NostrEvent): void {
    if (this.seen.has(event.id)) return;
    this.seen.add(event.id);
    if (this.seen.size > maxSeenWraps) this.seen.delete(this.seen.values().next().value!);
    const alias = event.tags.find((t) => t[0] === 'p')?.[1];
    const listening = alias === undefined ? undefined : this.listening.get(alias);
    if (!listening || !this.module) return;
    if (!this.wrapBudget.take()) return void this.ignored.throttled++;
    const opened = this.module.unwrap(event, listening.secret, this.module.answerRumorKind);
    if (!opened) return void this.ignored.unopened++;
    listening.onAnswer(opened.content);
  }
}
