// Nostr relays as a carrier (docs/relays.md): strictly opt-in. With no relay addresses saved, nothing here loads
// the relay client, opens a socket or sends a byte, and every contact is told "not by relay".
//
// Per contact this device keeps a Nostr key pair of its own (an alias: random, nothing tied to the identity key, a
// different one per contact, so relays cannot link two contacts of one person), and what the contact handed over
// its sealed session: its alias for us and its relays (`relays` frame). An envelope or ack for a contact who is not
// connected is sealed by our alias for theirs and gift-wrapped (NIP-59, expiring after 14 days: NIP-40) to their
// relays; this device reads wraps for all its aliases from its own relays, from two days before the previous unlock
// on (wraps are back-dated). What arrives must open under the alias we gave that contact, be sealed by the alias
// that contact gave us, and be signed by that contact's identity key: then delivery checks it as any carried item
// (signature, membership, dedup by message id), so a relay that drops, duplicates, reorders or replays changes
// nothing: duplicates are stored once and acknowledged again, an ack ends the resending, a dropped wrap is
// published again after republishAfterMs.
import { Emitter } from '../events';
import type { JsonValue } from '../crypto/vault';
import type { NostrEvent, RelayPool, RelayStatus } from '../net/nostr-relays';
import { isRelayAddress, maxRelays } from '../net/relay-address';
import type { Carrier } from './carrier';
import { RelayRendezvous } from './relay-rendezvous';
import { validateItem, type CarriedItem, type RelaysFrame } from './frames';

/** A wrap published and not acknowledged by then is published again (the relay may have dropped it). */
export const republishAfterMs = 10 * 60_000;
/** An item sealed this recently and not among the stored events a reading brings first counts as live (the sender's
 * clock may differ a little from ours). */
export const liveItemS = 120;
/** An item sealed this long before this device's previous reading began was read then (or its sender publishes it
 * again, sealed anew, every republishAfterMs until acknowledged): not handed again. Wider than the senders' clocks
 * may differ from ours, and than republishAfterMs. */
export const readBeforeMarginS = 15 * 60;
/** Wrap ids remembered, to skip a relay's duplicates and replays before opening them. */
const maxSeenWraps = 10_000;
const selfRecordId = 'self';

export type { RelayStatus };

/** What the relay carrier keeps (store.collection(relaysCollectionName)). */
export const relaysCollectionName = 'relays';

export interface RelayRecordsPort {
  loadAll(): Promise<{ readonly records: readonly { readonly id: string; readonly value: unknown }[] }>;
  put(id: string, value: JsonValue): Promise<void>;
}

/** One contact's side of the relays (sealed in the vault). */
interface ContactRelays {
  /** Our alias secret for this contact (hex). */
  readonly secret?: string;
  /** The contact's alias for us, and its relays, as it last handed them over. */
  readonly peerAlias?: string;
  readonly peerRelays: readonly string[];
  /** "Use relays with …": undefined is the default (on once both turned relays on). */
  readonly use?: boolean;
}

export interface RelayContactView {
  /** Both turned relays on: the checkbox can be ticked. */
  readonly available: boolean;
  readonly use: boolean;
}

export interface RelayCarrierEvents {
  /** The own relays or their statuses changed. */
  relays: { readonly relays: readonly string[]; readonly statuses: ReadonlyMap<string, RelayStatus> };
  /** What a contact's "Use relays with …" shows changed. */
  contact: { readonly contactId: string; readonly view: RelayContactView };
  /** A one-code reconnect offer or answer a contact sealed for us (ephemeral wrap): its code text, untrusted. */
  reconnect: { readonly contactId: string; readonly code: string };
  /** Something live came from the contact by relay (relay-presence.ts): an ephemeral wrap (only a page reading at that
   * moment gets one), or an item sealed within liveItemS that was not among the stored events read first. */
  heard: { readonly contactId: string };
}

export interface RelayCarrierOptions {
  readonly records: RelayRecordsPort;
  /** The WebSocket class the relay client uses (the page's, `ws` in Node). */
  readonly socket: unknown;
  /** The contact's current identity key (base64url). */
  readonly keyOf: (contactId: string) => string | undefined;
  /** An item that came by relay, for delivery to check and take. */
  readonly receive: (item: CarriedItem) => void;
  readonly now?: () => number;
  readonly republishAfterMs?: number;
}

type RelayModule = typeof import('../net/nostr-relays');

export class RelayCarrier extends Emitter<RelayCarrierEvents> implements Carrier {
  readonly via = { kind: 'relay', contactId: '' } as const;
  private readonly now: () => number;
  private readonly republishMs: number;
  private own: readonly string[] = [];
  /** The previous unlock (seconds): reading starts two days before it. */
  private readFrom?: number;
  /** Where this session's reading starts (seconds). */
  private since = 0;
  /** When the reading before this one began (s), if there was one: what was sealed well before it was read then. */
  private readBefore?: number;
  private readonly contacts = new Map<string, ContactRelays>();
  private module?: RelayModule;
  private pool?: RelayPool;
  /** Wraps published per item, by (member, item): when, so a resend within republishMs publishes nothing. */
  private readonly published = new Map<string, number>();
  private readonly seen = new Set<string>();
  /** Items of the stored events a reading brings first, handed on in the order they were sealed once a relay has
   * sent them all (wraps come back in their back-dated, random order). */
  private backlog?: { readonly item: CarriedItem; readonly sealedAt: number }[];
  private disposed = false;
  /** What failed a check (not ours, not from that contact, not an item): counted, never acted on. */
  readonly ignored = { unopened: 0, wrongSender: 0, malformed: 0, tooLarge: 0, readBefore: 0 };
  /** Wraps seen, and items handed to delivery. */
  readonly counted = { wraps: 0, items: 0 };
  /** One code for a first contact through the same relays (relay-rendezvous.ts). */
  readonly rendezvous: RelayRendezvous;

  private constructor(private readonly options: RelayCarrierOptions) {
    super();
    this.now = options.now ?? Date.now;
    this.republishMs = options.republishAfterMs ?? republishAfterMs;
    this.rendezvous = new RelayRendezvous({ socket: options.socket, ownRelays: () => this.own, load: () => this.load(), now: this.now });
  }

  /** Loads what is kept; with relays on, starts reading (wraps that waited while this device was away). */
  static async open(options: RelayCarrierOptions): Promise<RelayCarrier> {
    const carrier = new RelayCarrier(options);
    const { records } = await options.records.loadAll();
    for (const { id, value } of records) {
      if (id === selfRecordId) carrier.loadSelf(value);
      else {
        const contact = asContactRelays(value);
        if (contact) carrier.contacts.set(id, contact);
      }
    }
    if (carrier.own.length) await carrier.start();
    return carrier;
  }

  relays(): readonly string[] {
    return this.own;
  }

  statuses(): ReadonlyMap<string, RelayStatus> {
    return this.pool?.statuses() ?? new Map();
  }

  contactView(contactId: string): RelayContactView {
    const c = this.contacts.get(contactId);
    const available = this.own.length > 0 && !!c?.peerAlias && c.peerRelays.length > 0;
    return { available, use: available && c?.use !== false };
  }

  /** Saves the own relays (an empty list turns relays off: nothing is read or sent from then on). */
  async setRelays(relays: readonly string[]): Promise<void> {
    const list = relays.filter(isRelayAddress).slice(0, maxRelays);
    this.own = Object.freeze([...list]);
    await this.saveSelf();
    this.pool?.close();
    this.pool = undefined;
    if (this.own.length) await this.start();
    this.emitRelays();
    for (const id of this.contacts.keys()) this.emit('contact', { contactId: id, view: this.contactView(id) });
  }

  /** "Use relays with …" for one contact. */
  async setUse(contactId: string, use: boolean): Promise<void> {
    const c = this.contacts.get(contactId) ?? { peerRelays: [] };
    await this.put(contactId, { ...c, use });
    if (use && this.pool) this.readAll();
    this.emit('contact', { contactId, view: this.contactView(contactId) });
  }

  /** What to tell a contact on its session: our relays and our alias for it, "not by relay" when it had our alias
   * and relays are off now, or nothing (relays never turned on for it). */
  async offerFor(contactId: string): Promise<RelaysFrame | undefined> {
    const c = this.contacts.get(contactId) ?? { peerRelays: [] };
    if (!this.own.length || c.use === false) return c.secret || c.peerAlias ? { type: 'relays', relays: [] } : undefined;
    const module = await this.load();
    let secret = c.secret;
    if (!secret) {
      secret = toHex(module.newAliasSecret());
      await this.put(contactId, { ...c, secret });
      this.readAll();
    }
    return { type: 'relays', alias: module.aliasOf(fromHex(secret)), relays: [...this.own] };
  }

  /** What a contact handed over its sealed session. */
  async accept(contactId: string, frame: RelaysFrame): Promise<void> {
    const c = this.contacts.get(contactId) ?? { peerRelays: [] };
    const next: ContactRelays = { ...c, peerRelays: frame.relays };
    if (frame.alias) Object.assign(next, { peerAlias: frame.alias });
    else delete (next as { peerAlias?: string }).peerAlias;
    await this.put(contactId, next);
    this.emit('contact', { contactId, view: this.contactView(contactId) });
  }

  // Carrier ------------------------------------------------------------------------------------------------------

  reaches(member: string): boolean {
    return !this.disposed && !!this.pool && !!this.contacts.get(member)?.secret && this.contactView(member).use;
  }

  carry(member: string, item: CarriedItem): boolean {
    const c = this.contacts.get(member);
    if (!this.reaches(member) || !c?.secret || !c.peerAlias || !this.module || !this.pool) return false;
    const key = `${member}\u0000${item.type}\u0000${item.type === 'envelope' ? item.id : item.ids.join(',')}`;
    const at = this.published.get(key);
    if (at !== undefined && this.now() - at < this.republishMs) return true;
    const wrap = this.module.wrapFor(JSON.stringify(item), fromHex(c.secret), c.peerAlias, Math.floor(this.now() / 1000));
    if (!wrap) {
      this.ignored.tooLarge++; // over NIP-44's 65,535 bytes: it waits for a direct link
      return false;
    }
    this.published.set(key, this.now());
    const pool = this.pool;
    void pool.publish(c.peerRelays, wrap).then((taken) => {
      // No relay took it: the next resend publishes it again.
      if (!taken && this.published.get(key) !== undefined) this.published.delete(key);
    });
    return true;
  }

  /** Contacts a reconnect offer can go to now (relays in use with them). */
  reconnectable(): string[] {
    return [...this.contacts.keys()].filter((id) => this.reaches(id) && !!this.contacts.get(id)?.peerAlias);
  }

  /** Seals a reconnect code by our alias for the contact's, as an ephemeral wrap on its relays (never stored: only a
   * page reading at that moment gets it). True once a relay took it. */
  async sendReconnect(contactId: string, code: string): Promise<boolean> {
    const c = this.contacts.get(contactId);
    if (!this.reaches(contactId) || !c?.secret || !c.peerAlias || !this.module || !this.pool) return false;
    const wrap = this.module.wrapFor(code, fromHex(c.secret), c.peerAlias, Math.floor(this.now() / 1000), { kind: this.module.reconnectRumorKind, ephemeral: true });
    return wrap ? this.pool.publish(c.peerRelays, wrap) : false;
  }

  dispose(): void {
    this.disposed = true;
    this.rendezvous.dispose();
    this.pool?.close();
    this.pool = undefined;
    this.removeAllListeners();
  }

  // Inside -------------------------------------------------------------------------------------------------------

  private async load(): Promise<RelayModule> {
    this.module ??= await import('../net/nostr-relays');
    return this.module;
  }

  private async start(): Promise<void> {
    const module = await this.load();
    if (this.disposed || !this.own.length) return;
    const pool = new module.RelayPool({ socket: this.options.socket });
    this.pool = pool;
    pool.on('status', () => this.emitRelays());
    pool.on('event', (event) => this.handleWrap(event));
    pool.on('eose', () => this.handBacklog());
    // Read again after a drop: what was sent meanwhile comes among the stored events, in back-dated order.
    pool.on('reread', () => void (this.backlog ??= []));
    const nowS = Math.floor(this.now() / 1000);
    const previous = this.readFrom ?? nowS;
    if (this.readFrom !== undefined) this.readBefore = this.readFrom;
    this.readFrom = nowS;
    await this.saveSelf();
    this.since = previous - module.wrapBackdateS;
    this.readAll();
  }

  /** Reads wraps for every alias we gave out, on our own relays. */
  private readAll(): void {
    const aliases: string[] = [];
    for (const c of this.contacts.values()) if (c.secret && c.use !== false) aliases.push(this.module!.aliasOf(fromHex(c.secret)));
    if (!this.pool || !aliases.length) return;
    this.backlog ??= [];
    this.pool.read(this.own, aliases, this.since);
  }

  private hand(item: CarriedItem): void {
    this.counted.items++;
    this.options.receive(item);
  }

  private handBacklog(): void {
    const backlog = this.backlog;
    this.backlog = undefined;
    if (!backlog) return;
    const order = (x: CarriedItem) => (x.type === 'envelope' ? x.n : -1);
    backlog.sort((a, b) => a.sealedAt - b.sealedAt || order(a.item) - order(b.item));
    for (const { item } of backlog) this.hand(item);
  }

  private handleWrap(event: NostrEvent): void {
    this.counted.wraps++;
    if (this.seen.has(event.id)) return;
    this.seen.add(event.id);
    if (this.seen.size > maxSeenWraps) this.seen.delete(this.seen.values().next().value!);
    const recipient = event.tags.find((t) => t[0] === 'p')?.[1];
    for (const [contactId, c] of this.contacts) {
      if (!c.secret || c.use === false) continue;
      const secret = fromHex(c.secret);
      if (this.module!.aliasOf(secret) !== recipient) continue;
      const ephemeral = event.kind === this.module!.ephemeralWrapKind;
      const opened = this.module!.unwrap(event, secret, ephemeral ? this.module!.reconnectRumorKind : undefined);
      if (!opened) return void this.ignored.unopened++;
      if (opened.sender !== c.peerAlias) return void this.ignored.wrongSender++;
      if (ephemeral) {
        // Heard live only if sealed moments ago (a relay may replay a recorded offer after this page reloaded).
        if (Math.abs(this.now() / 1000 - opened.sealedAt) <= liveItemS) this.emit('heard', { contactId });
        return void this.emit('reconnect', { contactId, code: opened.content });
      }
      let item: CarriedItem | undefined;
      try {
        const parsed = JSON.parse(opened.content) as Record<string, unknown>;
        item = typeof parsed === 'object' && parsed ? validateItem(parsed.type, parsed) : undefined;
      } catch {
        item = undefined;
      }
      // Only the contact's own items: its envelopes and its acks (no one relays others' through its alias).
      const signer = item?.type === 'envelope' ? item.from : item?.by;
      if (!item || signer !== this.options.keyOf(contactId)) return void this.ignored.malformed++;
      // Read at an earlier unlock (the two days read again each time): handed on again it would be acknowledged again,
      // by relay while its sender is away, a new wrap kept 14 days at every unlock (bench/RESULTS.md, "Issue 21").
      if (this.readBefore !== undefined && opened.sealedAt < this.readBefore - readBeforeMarginS) return void this.ignored.readBefore++;
      if (this.backlog) return void this.backlog.push({ item, sealedAt: opened.sealedAt });
      if (Math.abs(this.now() / 1000 - opened.sealedAt) <= liveItemS) this.emit('heard', { contactId });
      return this.hand(item);
    }
    this.ignored.unopened++;
  }

  private emitRelays(): void {
    if (!this.disposed) this.emit('relays', { relays: this.own, statuses: this.statuses() });
  }

  private loadSelf(value: unknown): void {
    const v = value as { relays?: unknown; readFrom?: unknown } | undefined;
    if (Array.isArray(v?.relays)) this.own = Object.freeze(v.relays.filter(isRelayAddress).slice(0, maxRelays));
    if (typeof v?.readFrom === 'number' && Number.isSafeInteger(v.readFrom)) this.readFrom = v.readFrom;
  }

  private saveSelf(): Promise<void> {
    return this.options.records.put(selfRecordId, { relays: [...this.own], ...(this.readFrom !== undefined ? { readFrom: this.readFrom } : {}) });
  }

  private async put(contactId: string, value: ContactRelays): Promise<void> {
    this.contacts.set(contactId, value);
    await this.options.records.put(contactId, {
      peerRelays: [...value.peerRelays],
      ...(value.secret ? { secret: value.secret } : {}),
      ...(value.peerAlias ? { peerAlias: value.peerAlias } : {}),
      ...(value.use !== undefined ? { use: value.use } : {}),
    });
  }
}

/** A stored contact record, if it is one (records are untrusted). */
function asContactRelays(value: unknown): ContactRelays | undefined {
  const v = value as Record<string, unknown> | undefined;
  if (!v || typeof v !== 'object' || !Array.isArray(v.peerRelays) || !v.peerRelays.every(isRelayAddress)) return undefined;
  const hex = (x: unknown) => typeof x === 'string' && /^[0-9a-f]{64}$/.test(x);
  if ((v.secret !== undefined && !hex(v.secret)) || (v.peerAlias !== undefined && !hex(v.peerAlias))) return undefined;
  if (v.use !== undefined && typeof v.use !== 'boolean') return undefined;
  return {
    peerRelays: [...(v.peerRelays as string[])],
    ...(v.secret ? { secret: v.secret as string } : {}),
    ...(v.peerAlias ? { peerAlias: v.peerAlias as string } : {}),
    ...(v.use !== undefined ? { use: v.use as boolean } : {}),
  };
}

function toHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16));
}
