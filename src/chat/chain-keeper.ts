// The sender chains of one unlocked profile (crypto/sender-chain.ts), kept sealed in the vault:
// - own chains, per conversation: the current one seals new messages; an older one is kept (its starting key) only
//   while an envelope sealed under it still waits for a member, so that member can be handed it again. A new chain
//   starts whenever a member connects directly (`rotate`) and when membership changes.
// - received chains, per (conversation, sender, chain): the chain key of the next message not yet opened and the keys
//   of skipped messages; a message's key is erased once its message is stored (`consumed`), and the record rewritten
//   soon after (a crash before that only leaves keys of stored messages behind, and resends open to duplicates).
// Records are untrusted when read back: anything that does not validate is dropped (the sender hands its chains
// again on the next direct session).
import { fromBase64Url, toBase64Url } from '../crypto/bytes';
import {
  chainIdBytes,
  chainKeyAt,
  chainKeyBytes,
  IncomingChain,
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

/** What the keeper needs from the store (store/sealed-collection.ts). */
export interface ChainRecordsPort {
  loadAll(): Promise<{ readonly records: readonly { readonly id: string; readonly value: unknown }[] }>;
  put(id: string, value: JsonValue): Promise<void>;
  remove(id: string): Promise<void>;
}

/** Received chains kept per (conversation, sender): the oldest go first (their sender hands them again if needed). */
export const maxReceivedChainsPerSender = 64;
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
  /** Seals new messages: only the newest chain started in this session (a restored one never seals again: its
   * position is not kept, and a message key must never seal twice). */
  readonly live: boolean;
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
  private disposed = false;

  private constructor(
    private readonly sodium: Sodium,
    private readonly records: ChainRecordsPort,
    private readonly now: () => number,
  ) {}

  static async open(sodium: Sodium, records: ChainRecordsPort, now: () => number = Date.now): Promise<ChainKeeper> {
    const keeper = new ChainKeeper(sodium, records, now);
    const { records: loaded } = await records.loadAll();
    const sorted = [...loaded].sort((a, b) => createdOf(a.value) - createdOf(b.value));
    for (const { id, value } of sorted) keeper.restore(id, value);
    return keeper;
  }

  // Own chains ------------------------------------------------------------------------------------------------

  /** The chain new messages of `conversation` are sealed with: the one being written if there is one (a member was
   * removed, or one just connected: the live one retires), else the live one. */
  current(conversation: string): OutgoingChain | Promise<OutgoingChain> | undefined {
    const starting = this.starting.get(conversation)?.written;
    if (starting) return starting;
    const newest = [...(this.own.get(conversation)?.values() ?? [])].at(-1);
    return newest?.live ? newest.chain : undefined;
  }

  /**
   * Starts a new chain for `conversation`. It may be handed to members at once (a key nothing is sealed with yet is
   * harmless), but seals only once `written` resolves: a chain is on disk before any message under it.
   */
  rotate(conversation: string): { readonly chain: OutgoingChain; readonly written: Promise<OutgoingChain> } {
    const pending = this.starting.get(conversation);
    if (pending) return pending;
    const start = newChainStart(this.sodium);
    const chain = new OutgoingChain(this.sodium, start);
    const createdAt = this.now();
    const record = { conversation, chain: chain.chainId, key: toBase64Url(start.key), createdAt };
    const written = this.records.put(ownId(conversation, chain.chainId), record).then(() => {
      this.starting.delete(conversation);
      let chains = this.own.get(conversation);
      if (!chains) this.own.set(conversation, (chains = new Map()));
      for (const [id, previous] of chains) if (previous.live) chains.set(id, { ...previous, live: false });
      chains.set(chain.chainId, { conversation, chain, createdAt, live: true });
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

  /** The key of own message `n` under `chainId` (kept while something sealed under it waits), for a fellow group
   * member who cannot be handed the chain (frames.ts `forward`); undefined when the chain is gone. `n` comes from an
   * own envelope (a restored chain does not know how far it went: bounded by ownKeyMaxSteps). */
  ownMessageKey(conversation: string, chainId: string, n: number): Uint8Array | undefined {
    const own = this.own.get(conversation)?.get(chainId);
    if (!own || !Number.isSafeInteger(n) || n < own.chain.start.n || n - own.chain.start.n > ownKeyMaxSteps) return undefined;
    return messageKeyAt(this.sodium, own.chain.start, n);
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
        // Not current any more: a restored chain only hands itself again (the next message starts a new one).
        const chain = new OutgoingChain(this.sodium, start);
        let chains = this.own.get(v.conversation);
        if (!chains) this.own.set(v.conversation, (chains = new Map()));
        chains.set(chain.chainId, { conversation: v.conversation, chain, createdAt: Number(v.createdAt) || 0, live: false });
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
