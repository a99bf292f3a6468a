// Catching up an away member (docs/envelopes.md "Sync and store-and-forward"). What this device keeps for it, sealed
// in the vault (a collection of its own), and what it tells a member on every direct (re)connection:
// - Numbering: each of this device's messages in a conversation gets the next number (`seq`, 1, 2, ...) and a hybrid
//   logical clock reading (`hlc`, hybrid-clock.ts), both sealed in the envelope's body. Numbers are reserved on disk
//   seqReserve at a time, so a crash never reuses one (it may skip some: gaps are normal).
// - Clock: the latest reading this device's clock gave or saw (`clock`), written with the next batch of records
//   (heldWriteDelayMs) once it moves more than clockRecordLeadMs ahead of the wall clock, so a reload resumes after it
//   (hybrid-clock.ts); a clock with the wall clock writes nothing. A crash within that delay may lose the latest; the
//   last message of each conversation (messages keep their reading) covers most of that window.
// - Seen: per conversation and sender, the highest number this device has stored. Two members swap it (`sync`) for
//   every conversation they share when their session opens.
// - Held for members: every group envelope this device stored from another member is kept, sealed as it came, with
//   its message key, for the members other than its sender who are not known to have it. Only that member's signed
//   ack lets it go for them (a `sync`'s highest number does not: a member may lack one below it, a gap), and so
//   does the expiry (heldExpiryMs) and the group's quota
//   (heldQuotaBytes: past it the oldest envelope of the sender holding the most goes first, so a member who floods
//   pushes out only its own). The key goes only on the direct session with a member of the group (`held` frame):
//   the holder is a member and could read the message anyway, and the catching-up member needs no chain of the
//   sender's for it (chains only travel on direct sessions, and the sender may have started several meanwhile).
// - Held for contacts (opt-in per contact, by the sender): an envelope of a two-person conversation that a member
//   of a group shared with both asked this device to hold for the other. Kept sealed, with no key (this device cannot
//   open it), at most contactHoldQuotaBytes per asking member, handed as `carried` when the other connects.
// - Acks passed on: a member's signed ack for envelopes held here is kept for their sender until the sender is
//   reached, so the sender's "Delivered" comes even when the two never meet directly.
// Records are untrusted when read back: anything that does not validate is dropped.
import { fromBase64Url, toBase64Url } from '../crypto/bytes';
import type { Envelope, SignedAck } from '../crypto/envelope';
import type { JsonValue } from '../crypto/vault';
import type { ChainRecordsPort } from './chain-keeper';
import { HybridClock, hlcOf, isHlc } from './hybrid-clock';

export const syncCollectionName = 'sync';
/** Held envelopes and acks are given up after this long (the sender's outbox still has them). */
export const heldExpiryMs = 14 * 24 * 60 * 60 * 1000;
/** Sealed envelopes one group may keep held on this device for its away members. */
export const heldQuotaBytes = 8 * 1024 * 1024;
/** Sealed envelopes one member may ask this device to hold for its two-person conversations. */
export const contactHoldQuotaBytes = 1024 * 1024;
/** Held acks kept per sender they wait for. */
const maxHeldAcksPerSender = 1_000;
/**
 * Envelopes at or below a member's highest numbers handed per sync (after all above them): most are ones it got live
 * and will acknowledge as duplicates, so a session's opening would otherwise resend everything held for it (up to a
 * group's whole quota, on every reconnect). The rest goes at the next sync, as acks release these.
 */
export const maxMaybeHandedPerSync = 500;
/** Own message numbers reserved on disk at once. */
const seqReserve = 64;

/** What group sync needs from the store (store/sealed-collection.ts): held records are written in batches. */
export interface SyncRecordsPort extends ChainRecordsPort {
  writeMany(changes: readonly { readonly id: string; readonly value?: JsonValue }[]): Promise<void>;
}

/** Held records are written at most this often, in one transaction (a burst of group messages is one write). */
const heldWriteDelayMs = 200;
/** The record of the clock's latest reading. */
const clockRecordId = 'clock';
/** How far ahead of the wall clock the clock must be for its reading to be recorded (a received reading from a
 * clock ahead of this one, or this device's wall clock set back): within it, a reload loses at most this lead. */
const clockRecordLeadMs = 1_000;

export interface HoldQuotas {
  /** Per group (heldQuotaBytes by default). */
  readonly heldQuotaBytes: number;
  /** Per asking member (contactHoldQuotaBytes by default). */
  readonly contactHoldQuotaBytes: number;
}

export interface HeldEnvelope {
  readonly envelope: Envelope;
  /** The message key (base64url), for group envelopes: handed only to members of the group. */
  readonly key?: string;
  readonly seq?: number;
  /** Where it sorts (bounded HLC). */
  readonly order?: number;
}

interface Held extends HeldEnvelope {
  readonly id: string;
  /** Group: the sender's contact id. Contact hold: the asking member's contact id. */
  readonly sender: string;
  readonly kind: 'group' | 'contact';
  /** Contact ids it waits for. */
  readonly waiting: Set<string>;
  readonly heldAt: number;
  readonly bytes: number;
}

interface HeldAck {
  readonly id: string;
  readonly ack: SignedAck;
  /** The sender it waits for. */
  readonly to: string;
  readonly heldAt: number;
}

/** What arrived and was stored: held for the members it names. */
export interface StoredItem extends HeldEnvelope {
  /** Sender's contact id. */
  readonly sender: string;
}

const heldId = (e: Pick<Envelope, 'conversation' | 'from' | 'id'>) => `h:${e.conversation}:${e.from}:${e.id}`;
/** What names a held envelope (in `answer`'s `handed`). */
export const heldKeyOf = heldId;

export class GroupSync {
  readonly clock: HybridClock;
  /** conversation -> next own number and the first number not reserved on disk. */
  private readonly numbering = new Map<string, { next: number; reservedTo: number }>();
  /** Per conversation: settles once the latest reservation of numbers asked for is on disk (never rejects). */
  private readonly reserving = new Map<string, Promise<unknown>>();
  /** conversation -> sender key -> highest number stored. */
  private readonly seen = new Map<string, Map<string, number>>();
  private readonly held = new Map<string, Held>();
  private readonly acks = new Map<string, HeldAck>();
  private ackCount = 0;
  /** Contacts whose two-person envelopes a common group member may hold while they are away (opt-in). */
  private readonly holdsVia = new Set<string>();
  /** Records to write (a value) or remove (undefined) at the next flush. */
  private readonly pending = new Map<string, JsonValue | undefined>();
  private writeTimer?: ReturnType<typeof setTimeout>;
  private writing = Promise.resolve();
  /** The clock reading last put in the clock record. */
  private clockRecorded = 0;

  private constructor(
    private readonly records: SyncRecordsPort,
    private readonly now: () => number,
    private readonly quotas: HoldQuotas,
  ) {
    this.clock = new HybridClock(now);
  }

  static async open(records: SyncRecordsPort, now: () => number = Date.now, quotas: Partial<HoldQuotas> = {}): Promise<GroupSync> {
    const sync = new GroupSync(records, now, { heldQuotaBytes, contactHoldQuotaBytes, ...quotas });
    const { records: loaded } = await records.loadAll();
    for (const { id, value } of loaded) if (!sync.restore(id, value)) void records.remove(id).catch(() => undefined);
    sync.expire();
    return sync;
  }

  // Numbering -------------------------------------------------------------------------------------------------

  /** The number and clock reading of this device's next message in `conversation` (waits for a reservation on disk
   * once every seqReserve messages). */
  async stamp(conversation: string): Promise<{ seq: number; hlc: number }> {
    let own = this.numbering.get(conversation);
    if (!own) this.numbering.set(conversation, (own = { next: 1, reservedTo: 1 }));
    const seq = own.next++;
    // The reading is taken now, in call order, and every stamp resumes after the reservations asked before it:
    // a message stamped while a reservation is on disk must not overtake it (sent in one order, shown in another).
    const hlc = this.clock.tick();
    this.recordClock();
    const before = this.reserving.get(conversation) ?? Promise.resolve();
    if (seq >= own.reservedTo) {
      own.reservedTo = seq + seqReserve;
      // On stable storage (an OS crash must not lose it): numbers below it may be used once it resolves, and a number
      // used twice would make the second message a duplicate that members drop.
      const write = this.records.put(`n:${conversation}`, { reservedTo: own.reservedTo }, { durable: true });
      const reserved = before.then(() => write);
      this.reserving.set(conversation, reserved.catch(() => undefined));
      await reserved;
    } else {
      await before;
    }
    return { seq, hlc };
  }

  /** Where a received reading sorts here (bounded), moving this device's clock past it. */
  observe(hlc: number | undefined): number | undefined {
    if (hlc === undefined) return undefined;
    const order = this.clock.observe(hlc);
    this.recordClock();
    return order;
  }

  /** A reading this device stored before this open (a message's place, from the log: untrusted): the clock resumes
   * after it, bounded as a received one. */
  resumeClock(stored: unknown): void {
    this.clock.resume(stored);
  }

  /** The clock moved ahead of this device's wall clock: its latest reading goes with the next batch of records (one
   * write per batch, not per reading). A clock with the wall clock (most readings, in every conversation) writes
   * nothing: a reload resumes from the wall clock and the conversations' last messages. */
  private recordClock(): void {
    if (this.clock.latest <= this.clockRecorded || this.clock.latest <= hlcOf(this.now() + clockRecordLeadMs)) return;
    this.clockRecorded = this.clock.latest;
    this.put(clockRecordId, { hlc: this.clockRecorded });
  }

  /** Highest number stored per sender key in `conversation`: what a `sync` frame says. */
  seenIn(conversation: string): Record<string, number> {
    return Object.fromEntries(this.seen.get(conversation) ?? []);
  }

  /** Whether a common group member may hold this device's envelopes for `contact` while it is away. */
  heldViaMembers(contact: string): boolean {
    return this.holdsVia.has(contact);
  }

  setHeldViaMembers(contact: string, on: boolean): Promise<void> {
    if (on) this.holdsVia.add(contact);
    else this.holdsVia.delete(contact);
    return on ? this.records.put(`o:${contact}`, { holdViaMembers: true }) : this.records.remove(`o:${contact}`);
  }

  // Holding ---------------------------------------------------------------------------------------------------

  /**
   * Messages of `conversation` were stored: the highest numbers move on, and (a group) each envelope is held for
   * `members` other than its sender and `except` (the member who brought it has it).
   */
  stored(conversation: string, kind: 'dm' | 'group', members: readonly string[], items: readonly StoredItem[], except?: string): void {
    let seen = this.seen.get(conversation);
    if (!seen) this.seen.set(conversation, (seen = new Map()));
    let seenChanged = false;
    for (const item of items) {
      const { from } = item.envelope;
      if (item.seq !== undefined && item.seq > (seen.get(from) ?? 0)) {
        seen.set(from, item.seq);
        seenChanged = true;
      }
      if (kind !== 'group' || !item.key) continue;
      const waiting = members.filter((m) => m !== item.sender && m !== except);
      if (waiting.length) this.hold({ ...item, kind: 'group', waiting });
    }
    if (seenChanged) this.put(`s:${conversation}`, { seen: Object.fromEntries(seen) });
    if (kind === 'group') this.enforceQuota(this.quotas.heldQuotaBytes, (h) => h.kind === 'group' && h.envelope.conversation === conversation);
  }

  /** A member asks this device to hold its envelope of a two-person conversation for `target` (who is away). */
  holdForContact(asker: string, target: string, envelope: Envelope): void {
    if (this.held.has(heldId(envelope))) return;
    this.hold({ envelope, sender: asker, kind: 'contact', waiting: [target] });
    this.enforceQuota(this.quotas.contactHoldQuotaBytes, (h) => h.kind === 'contact' && h.sender === asker);
  }

  /**
   * Everything held for a member whose `sync` says `seen` for `conversation`: first what is above its highest
   * numbers (it surely lacks those), then the rest, each part in display order. Nothing is let go here: a number
   * below its highest may be one it never got, so only its signed ack (`acknowledged`) releases an envelope, and
   * what it already has comes back to it as a duplicate it acknowledges again (at most maxMaybeHandedPerSync of those
   * per sync, oldest first). `handed`: envelopes (heldKeyOf) already handed to it on this session, left out.
   */
  answer(conversation: string, member: string, seen: Readonly<Record<string, number>>, handed: ReadonlySet<string> = new Set()): HeldEnvelope[] {
    this.expire();
    const lacking: Held[] = [];
    const maybe: Held[] = [];
    for (const h of this.held.values()) {
      if (h.kind !== 'group' || h.envelope.conversation !== conversation || !h.waiting.has(member) || handed.has(h.id)) continue;
      const has = seen[h.envelope.from];
      (h.seq !== undefined && has !== undefined && h.seq <= has ? maybe : lacking).push(h);
    }
    const byOrder = (a: Held, b: Held) => (a.order ?? 0) - (b.order ?? 0);
    return [...lacking.sort(byOrder), ...maybe.sort(byOrder).slice(0, maxMaybeHandedPerSync)].map(({ envelope, key, seq, order }) => ({ envelope, ...(key ? { key } : {}), ...(seq !== undefined ? { seq } : {}), ...(order !== undefined ? { order } : {}) }));
  }

  /** Two-person envelopes held for `member` (oldest first), and acks held for it. */
  carriedFor(member: string): { envelopes: Envelope[]; acks: SignedAck[] } {
    this.expire();
    const envelopes = [...this.held.values()].filter((h) => h.kind === 'contact' && h.waiting.has(member)).map((h) => h.envelope);
    const acks: SignedAck[] = [];
    for (const a of [...this.acks.values()]) {
      if (a.to !== member) continue;
      acks.push(a.ack);
      // Handed once: a lost one costs a resend, which is acknowledged again.
      this.dropAck(a);
    }
    return { envelopes, acks };
  }

  /**
   * `signer` acknowledged these messages (its signature or its own session proved it): what is held for it goes.
   * Returns the senders (contact ids) of the envelopes released here, whom the ack should reach (passed on or held).
   */
  acknowledged(signer: string, ack: SignedAck): string[] {
    const ids = new Set(ack.ids);
    const senders = new Set<string>();
    for (const h of [...this.held.values()]) {
      if (h.envelope.conversation !== ack.conversation || h.envelope.from !== ack.of || !ids.has(h.envelope.id) || !h.waiting.has(signer)) continue;
      senders.add(h.sender);
      this.release(h, signer);
    }
    return [...senders];
  }

  /** Keeps a member's signed ack for `to`, its sender, until `to` is reached. */
  holdAck(to: string, ack: SignedAck): void {
    if ([...this.acks.values()].filter((a) => a.to === to).length >= maxHeldAcksPerSender) return;
    const id = `a:${to}:${++this.ackCount}:${this.now()}`;
    const held: HeldAck = { id, ack, to, heldAt: this.now() };
    this.acks.set(id, held);
    this.put(id, { ack: { conversation: ack.conversation, of: ack.of, ids: [...ack.ids], by: ack.by, sig: ack.sig }, to, at: held.heldAt });
  }

  /** How many envelopes wait here for other members, and their bytes (the app may show it). */
  usage(): { envelopes: number; bytes: number; acks: number } {
    let bytes = 0;
    for (const h of this.held.values()) bytes += h.bytes;
    return { envelopes: this.held.size, bytes, acks: this.acks.size };
  }

  /** Everything held for members who left `conversation` or who are not in it any more goes. */
  membersChanged(conversation: string, members: readonly string[]): void {
    for (const h of [...this.held.values()]) {
      if (h.kind !== 'group' || h.envelope.conversation !== conversation) continue;
      for (const m of [...h.waiting]) if (!members.includes(m)) this.release(h, m);
    }
  }

  private hold(h: Omit<Held, 'id' | 'heldAt' | 'bytes' | 'waiting'> & { readonly waiting: readonly string[] }): void {
    const id = heldId(h.envelope);
    const existing = this.held.get(id);
    if (existing) {
      // Stored again (a duplicate): nobody new waits for it.
      return;
    }
    const held: Held = { ...h, id, waiting: new Set(h.waiting), heldAt: this.now(), bytes: heldBytes(h.envelope) };
    this.held.set(id, held);
    this.write(held);
  }

  private release(h: Held, member: string): void {
    h.waiting.delete(member);
    if (h.waiting.size) return this.write(h);
    this.held.delete(h.id);
    this.put(h.id, undefined);
  }

  private drop(h: Held): void {
    h.waiting.clear();
    this.held.delete(h.id);
    this.put(h.id, undefined);
  }

  private dropAck(a: HeldAck): void {
    this.acks.delete(a.id);
    this.put(a.id, undefined);
  }

  private enforceQuota(quotaBytes: number, inScope: (h: Held) => boolean): void {
    // One pass: each sender's envelopes, oldest first (held in arrival order), and running byte totals, so a store
    // at the quota costs one look through what is held, not a copy per envelope and a sort per drop.
    const bySender = new Map<string, { list: Held[]; next: number; bytes: number }>();
    let total = 0;
    for (const h of this.held.values()) {
      if (!inScope(h)) continue;
      total += h.bytes;
      let own = bySender.get(h.envelope.from);
      if (!own) bySender.set(h.envelope.from, (own = { list: [], next: 0, bytes: 0 }));
      own.list.push(h);
      own.bytes += h.bytes;
    }
    while (total > quotaBytes) {
      // The oldest envelope of whoever holds the most (senders are a group's members: a short list).
      let most: { list: Held[]; next: number; bytes: number } | undefined;
      for (const own of bySender.values()) if (own.next < own.list.length && (!most || own.bytes > most.bytes)) most = own;
      if (!most) return;
      const oldest = most.list[most.next++]!;
      most.bytes -= oldest.bytes;
      total -= oldest.bytes;
      this.drop(oldest);
    }
  }

  private expire(): void {
    const before = this.now() - heldExpiryMs;
    for (const h of [...this.held.values()]) if (h.heldAt < before) this.drop(h);
    for (const a of [...this.acks.values()]) if (a.heldAt < before) this.dropAck(a);
  }

  private write(h: Held): void {
    const { envelope: e } = h;
    this.put(h.id, {
      envelope: { conversation: e.conversation, id: e.id, from: e.from, chain: e.chain, n: e.n, box: e.box, sig: e.sig },
      ...(h.key ? { key: h.key } : {}),
      ...(h.seq !== undefined ? { seq: h.seq } : {}),
      ...(h.order !== undefined ? { order: h.order } : {}),
      sender: h.sender,
      kind: h.kind,
      waiting: [...h.waiting],
      at: h.heldAt,
    });
  }

  private put(id: string, value: JsonValue | undefined): void {
    this.pending.set(id, value);
    this.writeTimer ??= setTimeout(() => void this.flush(), heldWriteDelayMs);
  }

  /** Writes what is pending in one transaction (lock, tests). A crash before loses only what was held for others:
   * their senders' outboxes still have it. */
  async flush(): Promise<void> {
    clearTimeout(this.writeTimer);
    this.writeTimer = undefined;
    const changes = [...this.pending].map(([id, value]) => (value === undefined ? { id } : { id, value }));
    this.pending.clear();
    if (changes.length) this.writing = this.writing.then(() => this.records.writeMany(changes)).catch(() => undefined);
    await this.writing;
  }

  private restore(id: string, value: unknown): boolean {
    const v = value as Record<string, unknown> | null;
    if (!v || typeof v !== 'object') return false;
    const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
    if (id === clockRecordId) {
      if (!isHlc(v.hlc)) return false;
      this.clock.resume(v.hlc);
      // What the clock holds now (bounded): a reading stored far ahead is replaced by the next one written.
      this.clockRecorded = this.clock.latest;
      return true;
    }
    if (id.startsWith('n:')) {
      if (!isCount(v.reservedTo)) return false;
      // Everything below the reservation may have been used: numbering goes on from it.
      this.numbering.set(id.slice(2), { next: v.reservedTo, reservedTo: v.reservedTo });
      return true;
    }
    if (id.startsWith('o:')) {
      if (v.holdViaMembers !== true) return false;
      this.holdsVia.add(id.slice(2));
      return true;
    }
    if (id.startsWith('s:')) {
      const seen = v.seen as Record<string, unknown> | null;
      if (!seen || typeof seen !== 'object' || !Object.values(seen).every(isCount)) return false;
      this.seen.set(id.slice(2), new Map(Object.entries(seen as Record<string, number>)));
      return true;
    }
    if (id.startsWith('h:')) {
      const envelope = asEnvelope(v.envelope);
      const waiting = v.waiting;
      if (!envelope || id !== heldId(envelope) || typeof v.sender !== 'string' || (v.kind !== 'group' && v.kind !== 'contact')) return false;
      if (!Array.isArray(waiting) || !waiting.every((m) => typeof m === 'string') || !isCount(v.at)) return false;
      if ((v.key !== undefined && !isKey(v.key)) || (v.seq !== undefined && !isCount(v.seq)) || (v.order !== undefined && !isHlc(v.order))) return false;
      this.held.set(id, {
        id,
        envelope,
        ...(typeof v.key === 'string' ? { key: v.key } : {}),
        ...(isCount(v.seq) ? { seq: v.seq } : {}),
        ...(isHlc(v.order) ? { order: v.order } : {}),
        sender: v.sender,
        kind: v.kind,
        waiting: new Set(waiting as string[]),
        heldAt: v.at,
        bytes: heldBytes(envelope),
      });
      return true;
    }
    if (id.startsWith('a:')) {
      const a = v.ack as Record<string, unknown> | null;
      if (!a || typeof a !== 'object' || typeof v.to !== 'string' || !isCount(v.at)) return false;
      if (typeof a.conversation !== 'string' || typeof a.of !== 'string' || typeof a.by !== 'string' || typeof a.sig !== 'string') return false;
      if (!Array.isArray(a.ids) || !a.ids.every((x) => typeof x === 'string')) return false;
      this.acks.set(id, { id, ack: { conversation: a.conversation, of: a.of, ids: a.ids as string[], by: a.by, sig: a.sig }, to: v.to, heldAt: v.at });
      this.ackCount++;
      return true;
    }
    return false;
  }
}

/** What one held envelope counts against its quota: its fields as stored, plus room for the record around them. */
function heldBytes(e: Envelope): number {
  return e.box.length + e.sig.length + e.from.length + e.id.length + e.chain.length + e.conversation.length + 128;
}

function isKey(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    return fromBase64Url(value).length === 32;
  } catch {
    return false;
  }
}

/** A message key as a `held` frame carries it. */
export function keyText(key: Uint8Array): string {
  return toBase64Url(key);
}

function asEnvelope(value: unknown): Envelope | undefined {
  const e = value as Partial<Record<keyof Envelope, unknown>> | null;
  if (!e || typeof e !== 'object') return undefined;
  const { conversation, id, from, chain, n, box, sig } = e;
  if (typeof conversation !== 'string' || typeof id !== 'string' || typeof from !== 'string' || typeof chain !== 'string') return undefined;
  if (typeof box !== 'string' || typeof sig !== 'string' || typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return undefined;
  return { conversation, id, from, chain, n, box, sig };
}
