// The sender chains of one unlocked profile (crypto/sender-chain.ts), kept sealed in the vault:
// - own chains, per conversation: the current one seals new messages; an older one is kept (its starting key) only
//   while an envelope sealed under it still waits for a member, so that member can be handed it again. A new chain
//   starts whenever a member connects directly (`rotate`) and when membership changes.
// - the current chain's numbers are reserved on disk ahead of use (`sealUpTo`, chainReserveMessages at a time, renewed
//   in the background once half is used): it seals only numbers below the reservation written, so after a reload (or
//   a crash) the newest chain of a conversation resumes at its reservation and goes on sealing what members away can
//   open with the chain they were handed, skipping numbers that may have been used but never sealing one twice.
// - received chains, per (conversation, sender, chain): the chain key of the next message not yet opened and the keys
//   of skipped messages; a message's key is erased once its message is stored (`consumed`), and the record rewritten
//   soon after (a crash before that only leaves keys of stored messages behind, and resends open to duplicates).
// - a device mark (`~device`, random, never in a backup: store/records.ts deviceOnlyIdPrefix) that own chain records
//   name: a chain resumes only on the device that reserved its numbers, never on one restored from a backup (two
//   devices resuming one chain would seal different messages under the same keys).
// Records are untrusted when read back: anything that does not validate is dropped (the sender hands its chains
// again on the next direct session).
import { fromBase64Url, toBase64Url } from '../crypto/bytes';
import {
  chainIdBytes,
  chainKeyAt,
  chainKeyBytes,
  IncomingChain,
  maxChainJump,
  maxLostRuns,
  maxSkippedMessageKeys,
  messageKeyAt,
  newChainStart,
  OutgoingChain,
  type ChainStart,
  type IncomingChainState,
} from '../crypto/sender-chain';
import type { Sodium } from '../crypto/sodium';
import type { JsonValue } from '../crypto/vault';
import type { WriteOptions } from '../store/record-backend';
import { deviceOnlyIdPrefix } from '../store/records';
import { maxGroupMembers } from './group/membership-log';

/** What the keeper needs from the store (store/sealed-collection.ts). */
export interface ChainRecordsPort {
  loadAll(): Promise<{ readonly records: readonly { readonly id: string; readonly value: unknown }[] }>;
  /** `durable`: on stable storage before it resolves (store/record-backend.ts), for reservations. */
  put(id: string, value: JsonValue, options?: WriteOptions): Promise<void>;
  remove(id: string): Promise<void>;
}

/** How a reservation is written: a lost one would let a chain resume below numbers it sealed, so two messages would
 * be sealed under one key; it must survive an OS crash too, not only a page or browser crash. */
const durable: WriteOptions = { durable: true };

/** Received chains kept per (conversation, sender): the oldest go first (their sender hands them again if needed). */
export const maxReceivedChainsPerSender = 64;
/** Numbers of the current own chain reserved on disk at once (messages). A chain resumed after a reload starts past
 * its reservation, so a member's device keeps at most this many keys of numbers that were never sealed (a skipped
 * key, dropped with the chain); a new reservation is written once half of one is used, so a burst pays one vault
 * write per chainReserveMessages / 2 messages, off the sealing path unless the burst outruns it. */
export const chainReserveMessages = 64;
/** A stored reservation past this many messages is not resumed (the chain is only handed again): a member refuses a
 * jump of maxChainJump, and resuming costs one hash per number. */
export const maxResumedChainMessages = maxChainJump;
/** The device mark's record id, and its size (bytes). */
const deviceMarkId = `${deviceOnlyIdPrefix}device`;
const deviceMarkBytes = 16;
/** Longest contact id a stored chain may name among its members (characters). */
const maxMemberIdChars = 256;

/** Received chains' new positions are written at most this often. */
const receivedWriteDelayMs = 50;

export const chainsCollectionName = 'chains';
/** Chain steps one own message key may cost (a hash each): a chain seals one message per step. */
const ownKeyMaxSteps = 100_000;

/** A chain as a `chain` frame carries it. */
export interface ChainHandoff {
  readonly conversation: string;
  readonly chain: string;
  readonly key: string;
  readonly n: number;
}

interface OwnChain {
  readonly conversation: string;
  readonly chain: OutgoingChain;
  readonly createdAt: number;
  /** The other members when it started (contact ids): it seals only while they are the conversation's members. */
  readonly members: readonly string[];
  /** Seals new messages: only the newest chain of the conversation, started in this session or resumed at its
   * reservation (`sealUpTo`) after a reload. */
  readonly live: boolean;
  /** Restored with a valid reservation (where it would resume, were it the newest). */
  readonly resumeAt?: number;
}

interface ReceivedChain {
  readonly conversation: string;
  readonly from: string;
  readonly chainId: string;
  readonly chain: IncomingChain;
  readonly receivedAt: number;
}

const ownId = (conversation: string, chainId: string) => `out:${conversation}:${chainId}`;
const receivedId = (conversation: string, from: string, chainId: string) => `in:${conversation}:${from}:${chainId}`;

export class ChainKeeper {
  /** conversation -> chain id -> own chain; the newest is the current one. */
  private readonly own = new Map<string, Map<string, OwnChain>>();
  private readonly received = new Map<string, ReceivedChain>();
  private readonly dirty = new Set<string>();
  private writeTimer?: ReturnType<typeof setTimeout>;
  private writing = Promise.resolve();
  /** A new current chain being written, per conversation (messages wait for it rather than make another). */
  private readonly starting = new Map<string, { readonly chain: OutgoingChain; readonly written: Promise<OutgoingChain> }>();
  /** A reservation being written, per own chain id (settles once it is on disk). */
  private readonly reserving = new Map<string, Promise<OutgoingChain>>();
  private disposed = false;

  private constructor(
    private readonly sodium: Sodium,
    private readonly records: ChainRecordsPort,
    private readonly now: () => number,
    /** This device's mark: own chain records name it, and resume only where it is the same. */
    private readonly device: string,
  ) {}

  /**
   * `olderCopy`: the vault was found restored from an older copy of itself (store VaultHealth.restoredFromOlderCopy):
   * its reservations may be behind numbers sealed since, so no own chain resumes, now or at a later open (a new mark).
   */
  static async open(sodium: Sodium, records: ChainRecordsPort, now: () => number = Date.now, { olderCopy = false } = {}): Promise<ChainKeeper> {
    const { records: loaded } = await records.loadAll();
    const stored = (loaded.find((r) => r.id === deviceMarkId)?.value as { device?: unknown } | undefined)?.device;
    let device = !olderCopy && typeof stored === 'string' && isBase64Url(stored, deviceMarkBytes) ? stored : undefined;
    if (!device) {
      // First open here (or after a backup was imported, or an older copy restored): a new mark, so no chain reserved
      // before resumes. Written before any reservation naming it (one queue); if it is lost, the next open makes
      // another and resumes nothing.
      device = toBase64Url(sodium.randombytes_buf(deviceMarkBytes));
      void records.put(deviceMarkId, { device }).catch(() => undefined);
    }
    const keeper = new ChainKeeper(sodium, records, now, device);
    const sorted = loaded.filter((r) => r.id !== deviceMarkId).sort((a, b) => createdOf(a.value) - createdOf(b.value));
    for (const { id, value } of sorted) keeper.restore(id, value);
    keeper.resumeNewest(sorted);
    return keeper;
  }

  // Own chains ------------------------------------------------------------------------------------------------

  /**
   * The chain new messages of `conversation` (whose other members are `members`) are sealed with: the one being
   * written if there is one (a member was removed, or one just connected: the live one retires), else the live one
   * if it started with these members; undefined if none (the caller starts one). A promise settles once a number is
   * reserved on disk, but callers waiting together may use it up: seal only if `canSeal` holds, else ask again.
   */
  current(conversation: string, members: readonly string[]): OutgoingChain | Promise<OutgoingChain> | undefined {
    const starting = this.starting.get(conversation)?.written;
    if (starting) return starting;
    const newest = [...(this.own.get(conversation)?.values() ?? [])].at(-1);
    // Members changed with no new chain (its write failed, or a reload came between the change and it): not this one.
    if (!newest?.live || !sameMembers(newest.members, members)) return undefined;
    const chain = newest.chain;
    if (!chain.canSeal) return this.reserve(newest);
    if (chain.reservedTo - chain.next <= chainReserveMessages / 2) void this.reserve(newest).catch(() => undefined);
    return chain;
  }

  /**
   * Starts a new chain for `conversation` (whose other members are `members`). It may be handed to members at once (a
   * key nothing is sealed with yet is harmless), but seals only once `written` resolves: a chain is on disk, with its
   * first reservation, before any message under it.
   */
  rotate(conversation: string, members: readonly string[]): { readonly chain: OutgoingChain; readonly written: Promise<OutgoingChain> } {
    const pending = this.starting.get(conversation);
    if (pending) return pending;
    const start = newChainStart(this.sodium);
    const chain = new OutgoingChain(this.sodium, start, { sealBelow: start.n });
    const own: OwnChain = { conversation, chain, createdAt: this.now(), members: [...members], live: true };
    const sealUpTo = start.n + chainReserveMessages;
    const written = this.records.put(ownId(conversation, chain.chainId), ownRecord(own, sealUpTo, this.device), durable).then(() => {
      this.starting.delete(conversation);
      chain.allowBelow(sealUpTo);
      let chains = this.own.get(conversation);
      if (!chains) this.own.set(conversation, (chains = new Map()));
      for (const [id, previous] of chains) if (previous.live) chains.set(id, { ...previous, live: false });
      chains.set(chain.chainId, own);
      return chain;
    });
    const started = { chain, written };
    this.starting.set(conversation, started);
    written.catch(() => this.starting.delete(conversation));
    return started;
  }

  /**
   * The own chains of `conversation` a member needs, each from the first message it still lacks (`lowestWaiting`:
   * the lowest number of an envelope under that chain still waiting for it), so it can never derive the keys of
   * messages it stored before, even after it dropped the chain: the live one from there or from its next message,
   * an older one only if something under it waits, the one being written from its start.
   */
  handoffs(conversation: string, lowestWaiting: (chainId: string) => number | undefined = () => 0): ChainHandoff[] {
    const handoffs: ChainHandoff[] = [];
    for (const { chain, live } of this.own.get(conversation)?.values() ?? []) {
      const waiting = lowestWaiting(chain.chainId);
      const n = live ? Math.min(waiting ?? chain.next, chain.next) : waiting;
      if (n !== undefined) handoffs.push(handoffAt(this.sodium, conversation, chain, n));
    }
    const starting = this.starting.get(conversation)?.chain;
    if (starting) handoffs.push(handoffOf(conversation, starting));
    return handoffs;
  }

  /**
   * The key of own message `n` under `chainId`, for a fellow group member who cannot be handed the chain (frames.ts
   * `forward`), carried by another member: only when both were members when the chain started (a new chain starts at
   * every membership change, so a member added or added back later never gets a key of what was sealed before it
   * joined); undefined when the chain is gone or its members are not known. `n` comes from an own envelope (a
   * restored chain does not know how far it went: bounded by ownKeyMaxSteps).
   */
  ownMessageKey(conversation: string, chainId: string, n: number, members: readonly string[]): Uint8Array | undefined {
    const own = this.own.get(conversation)?.get(chainId);
    if (!own || !Number.isSafeInteger(n) || n < own.chain.start.n || n - own.chain.start.n > ownKeyMaxSteps) return undefined;
    if (!members.every((m) => own.members.includes(m))) return undefined;
    return messageKeyAt(this.sodium, own.chain.start, n);
  }

  /** Writes the next reservation of a live chain (one at a time per chain); its numbers may be sealed once on disk. */
  private reserve(own: OwnChain): Promise<OutgoingChain> {
    const id = ownId(own.conversation, own.chain.chainId);
    const pending = this.reserving.get(id);
    if (pending) return pending;
    const sealUpTo = own.chain.next + chainReserveMessages;
    const written = this.records
      .put(id, ownRecord(own, sealUpTo, this.device), durable)
      .then(() => {
        own.chain.allowBelow(sealUpTo);
        return own.chain;
      })
      .finally(() => this.reserving.delete(id));
    this.reserving.set(id, written);
    return written;
  }

  /** Forgets the own chains of `conversation` that are not current and seal nothing still waiting. */
  prune(conversation: string, stillUsed: ReadonlySet<string>): void {
    const chains = this.own.get(conversation);
    if (!chains) return;
    for (const [chainId, own] of [...chains]) {
      if (own.live || stillUsed.has(chainId)) continue;
      chains.delete(chainId);
      void this.records.remove(ownId(conversation, chainId)).catch(() => undefined);
    }
  }

  // Received chains -------------------------------------------------------------------------------------------

  /** A member handed us its chain (over its direct session): kept, unless we have it already (ours is further on). */
  accept(from: string, handoff: ChainHandoff): void {
    const id = receivedId(handoff.conversation, from, handoff.chain);
    if (this.received.has(id)) return;
    let key: Uint8Array;
    let chainId: Uint8Array;
    try {
      key = fromBase64Url(handoff.key);
      chainId = fromBase64Url(handoff.chain);
    } catch {
      return;
    }
    if (key.length !== chainKeyBytes || chainId.length !== chainIdBytes) return;
    // Handed from a later message: the numbers before are not for this device (never taken for stored ones).
    const chain = new IncomingChain(this.sodium, { key, n: handoff.n, lostBelow: handoff.n });
    this.received.set(id, { conversation: handoff.conversation, from, chainId: handoff.chain, chain, receivedAt: this.now() });
    this.trimReceived(handoff.conversation, from);
    this.markDirty(id);
  }

  incoming(conversation: string, from: string, chainId: string): IncomingChain | undefined {
    return this.received.get(receivedId(conversation, from, chainId))?.chain;
  }

  /** Messages opened with these chains are stored: their keys are erased now, and from the vault soon after. */
  consumed(items: readonly { readonly conversation: string; readonly from: string; readonly chain: string; readonly n: number }[]): void {
    for (const item of items) {
      const id = receivedId(item.conversation, item.from, item.chain);
      const received = this.received.get(id);
      if (!received) continue;
      received.chain.consume(item.n);
      this.markDirty(id);
    }
  }

  /** Writes what is pending (lock, tests). */
  async flush(): Promise<void> {
    clearTimeout(this.writeTimer);
    this.writeTimer = undefined;
    const ids = [...this.dirty];
    this.dirty.clear();
    const write = this.writing.then(async () => {
      for (const id of ids) {
        const received = this.received.get(id);
        if (received) await this.records.put(id, receivedRecord(received)).catch(() => this.dirty.add(id));
        else await this.records.remove(id).catch(() => undefined);
      }
    });
    this.writing = write;
    await write;
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.writeTimer);
    // What is dirty is only a position: the next session's resends open again to duplicates (see the header).
    if (this.dirty.size) void this.flush();
  }

  private markDirty(id: string): void {
    this.dirty.add(id);
    if (this.writeTimer || this.disposed) return;
    this.writeTimer = setTimeout(() => {
      this.writeTimer = undefined;
      void this.flush();
    }, receivedWriteDelayMs);
  }

  private trimReceived(conversation: string, from: string): void {
    const mine = [...this.received.entries()].filter(([, r]) => r.conversation === conversation && r.from === from);
    for (const [id] of mine.slice(0, Math.max(0, mine.length - maxReceivedChainsPerSender))) {
      this.received.delete(id);
      this.markDirty(id);
    }
  }

  private restore(id: string, value: unknown): void {
    const v = value as Record<string, unknown> | null;
    if (!v || typeof v !== 'object' || typeof v.conversation !== 'string') return void this.records.remove(id).catch(() => undefined);
    try {
      if (id.startsWith('out:') && typeof v.chain === 'string' && typeof v.key === 'string') {
        const start: ChainStart = { chainId: fromBase64Url(v.chain), key: fromBase64Url(v.key), n: 0 };
        if (start.chainId.length !== chainIdBytes || start.key.length !== chainKeyBytes || id !== ownId(v.conversation, v.chain)) throw new RangeError('own chain');
        // Sealing nothing until resumeNewest finds it is the newest with a valid reservation: then it goes on from it.
        const chain = new OutgoingChain(this.sodium, start, { sealBelow: 0 });
        const members = membersOf(v.members);
        // Reserved on this device only: a record from a backup imported here, or another device's, does not resume.
        const resumeAt = members && v.device === this.device && isReservation(v.sealUpTo) ? v.sealUpTo : undefined;
        let chains = this.own.get(v.conversation);
        if (!chains) this.own.set(v.conversation, (chains = new Map()));
        chains.set(chain.chainId, { conversation: v.conversation, chain, createdAt: Number(v.createdAt) || 0, members: members ?? [], live: false, ...(resumeAt !== undefined ? { resumeAt } : {}) });
        return;
      }
      if (id.startsWith('in:') && typeof v.from === 'string' && typeof v.chain === 'string' && isReceivedState(v.state)) {
        if (id !== receivedId(v.conversation, v.from, v.chain)) throw new RangeError('received chain');
        const skipped = new Map<number, Uint8Array>();
        for (const [n, key] of Object.entries(v.state.skipped)) skipped.set(Number(n), fromBase64Url(key));
        const lengthsOk = fromBase64Url(v.state.key).length === chainKeyBytes && [...skipped.values()].every((k) => k.length === chainKeyBytes);
        if (!lengthsOk || skipped.size > maxSkippedMessageKeys * 2 || (v.state.lost?.length ?? 0) > maxLostRuns) throw new RangeError('received chain');
        const { lost, lostBelow } = v.state;
        const chain = new IncomingChain(this.sodium, { key: fromBase64Url(v.state.key), n: v.state.next, skipped, ...(lost ? { lost } : {}), ...(lostBelow !== undefined ? { lostBelow } : {}) });
        this.received.set(id, { conversation: v.conversation, from: v.from, chainId: v.chain, chain, receivedAt: Number(v.createdAt) || 0 });
        return;
      }
    } catch {
      // fall through: dropped
    }
    void this.records.remove(id).catch(() => undefined);
  }

  /**
   * After every record is restored: the newest own chain of each conversation (the one that was live) resumes at its
   * reservation, if its record holds a valid one and no newer own record of the conversation failed to read. Numbers
   * below it may have been used before the reload, so none of them is sealed again; it seals again once a new
   * reservation is on disk (`current`).
   */
  private resumeNewest(sorted: readonly { readonly id: string; readonly value: unknown }[]): void {
    const newestOwn = new Map<string, string>();
    for (const { id, value } of sorted) {
      const conversation = (value as { conversation?: unknown } | null)?.conversation;
      if (id.startsWith('out:') && typeof conversation === 'string') newestOwn.set(conversation, id);
    }
    for (const [conversation, id] of newestOwn) {
      const chains = this.own.get(conversation);
      const newest = [...(chains?.values() ?? [])].at(-1);
      if (!chains || !newest || newest.resumeAt === undefined || ownId(conversation, newest.chain.chainId) !== id) continue;
      const at = newest.resumeAt;
      const chain = new OutgoingChain(this.sodium, newest.chain.start, { next: at, sealBelow: at });
      chains.set(chain.chainId, { ...newest, chain, live: true });
    }
  }
}

export function handoffOf(conversation: string, chain: OutgoingChain): ChainHandoff {
  return { conversation, chain: chain.chainId, key: toBase64Url(chain.start.key), n: chain.start.n };
}

function handoffAt(sodium: Sodium, conversation: string, chain: OutgoingChain, n: number): ChainHandoff {
  const from = Math.max(n, chain.start.n);
  const key = chainKeyAt(sodium, chain.start, from);
  const handoff = { conversation, chain: chain.chainId, key: toBase64Url(key), n: from };
  sodium.memzero(key);
  return handoff;
}

/** An own chain's record: its start (to hand it again), who it started with, and the numbers reserved for it on
 * which device. */
function ownRecord(own: OwnChain, sealUpTo: number, device: string): JsonValue {
  const { conversation, chain, createdAt, members } = own;
  return { conversation, chain: chain.chainId, key: toBase64Url(chain.start.key), createdAt, members: [...members], sealUpTo, device };
}

function isBase64Url(value: string, bytes: number): boolean {
  try {
    return fromBase64Url(value).length === bytes;
  } catch {
    return false;
  }
}

/** A stored reservation: a whole number of messages, within what a chain may resume at. */
function isReservation(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value <= maxResumedChainMessages;
}

/** Stored members: contact ids, as many as a group has at most. */
function membersOf(value: unknown): readonly string[] | undefined {
  if (!Array.isArray(value) || value.length === 0 || value.length > maxGroupMembers) return undefined;
  return value.every((m) => typeof m === 'string' && m.length > 0 && m.length <= maxMemberIdChars) ? (value as string[]) : undefined;
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((m) => set.has(m));
}

function receivedRecord(r: ReceivedChain): JsonValue {
  return { conversation: r.conversation, from: r.from, chain: r.chainId, createdAt: r.receivedAt, state: r.chain.state() as unknown as JsonValue };
}

function createdOf(value: unknown): number {
  const created = (value as { createdAt?: unknown } | null)?.createdAt;
  return typeof created === 'number' ? created : 0;
}

function isReceivedState(value: unknown): value is IncomingChainState {
  const v = value as Partial<IncomingChainState> | null;
  return (
    !!v &&
    typeof v.key === 'string' &&
    typeof v.next === 'number' &&
    Number.isSafeInteger(v.next) &&
    v.next >= 0 &&
    !!v.skipped &&
    typeof v.skipped === 'object' &&
    Object.entries(v.skipped).every(([n, key]) => /^\d+$/.test(n) && typeof key === 'string') &&
    (v.lostBelow === undefined || (Number.isSafeInteger(v.lostBelow) && v.lostBelow >= 0)) &&
    (v.lost === undefined || (Array.isArray(v.lost) && v.lost.every((r) => Array.isArray(r) && r.length === 2 && r.every((x) => Number.isSafeInteger(x) && x >= 0))))
  );
}
