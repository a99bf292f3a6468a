// Conversation history: one sealed record per message, an id index across the whole conversation, and a summary
// (the head) kept in memory and flushed later.
//
// Invariants
// - The message records are the truth; the head is derived from them. append writes the new message records,
//   their id-index entries and their outbox entries in ONE transaction (plus, for a conversation's first message,
//   its head and the manifest). Summaries and state changes stay in memory and are written by the next flush, in
//   one transaction. Appends to one conversation made while its previous write waits or runs share one such
//   transaction (a burst, sent or received, is one write per batch); each resolves only once that write committed.
// - A crash before a flush is harmless: at unlock a head that is behind its message records (the record at
//   head.count exists) is corrected from them, counting from the highest message key, never the reverse; a
//   missing or damaged head is rebuilt from the message records and reported. Nothing is ever deleted because a
//   head is missing or damaged, and deleting a conversation is one removePrefix batch (no orphans, no sweep).
// - Duplicates are found across the whole conversation: the id index key is a keyed hash of (conversation, id),
//   so a resend of any old message is recognised with one read and no scan (and ids never appear in keys).
// - States only move forward (waiting -> sent -> held -> delivered): pending changes are merged with the stored
//   state when flushed, and loads show the later of the two. `held` (a mailbox holds it) rides on the same flush as
//   `sent`: no write of its own when both come before the flush.
// - Reads never throw for anything storage holds: a record that does not open or has the wrong shape is an
//   `unreadable` entry at its index (and so is an index no record was ever written for: see the migration).
// - Conversations of the chunked format (Tincan's first version, legacy-log.ts) are migrated after the unlock's
//   checks, each in ONE batch: its messages, id-index entries and new head, outbox entries for every outgoing
//   message the contact never acknowledged (waiting or sent: the old app resent only waiting ones, issue 8), the
//   manifest, and the removal of its old head and chunks. A crash leaves it either all old or all new, so the next
//   unlock neither loses nor duplicates anything. The old positions are kept: messages lost to a damaged chunk are
//   indexes without a record, shown as unreadable where they were. A conversation not yet migrated is never
//   written to in the new format: an append or move to it migrates it first.
// - moveConversation ("this is Bob on a new device") is ONE batch too: the moved messages appended to the target
//   with their id-index entries, re-addressed outbox entries and head, and the source removed with its entries.
//
// Why one record per message, not chunks of 100. Measured in headless Chromium 156 on this 2-core machine (old
// store.ts at commit aa02e20 and this file, through web-test-runner and bench/vault-bench.mjs; messages of ~70
// characters with 16-character ids; load average ~3):
//                                      chunked (old store.ts)           one record per message (this file)
//   bytes written per single append      8,835 B (tail chunk + head)      277 B (message + id entry; head later)
//   ms per single append                 1.46 ms                          0.81-1.05 ms
//   state change of a recent message     1.0 ms (re-seal its chunk)       none until the next flush
//   storage per 1,000 messages           189 KB                           296 KB (id index, per-record overhead)
//   bulk fill of 10,000 messages         142 ms (100 chunk writes)        2.7-3.8 s (20,000 records, batches of 300)
// Per-message writes are ~32x smaller on the path every message takes, and duplicates and acks need the id index
// anyway; the price is ~1.6x the storage and slower bulk fills (3,000-4,000 msg/s in batches of 300).
import { isTincanError } from '../errors';
import { concatBytes, toBase64Url, utf8 } from '../crypto/bytes';
import { isLegacyHead, parseLegacyChunkKey, readLegacyHistory, type LegacyHead } from './legacy-log';
import type { RecordWrite } from './record-backend';
import {
  conversationKeyPrefix,
  conversationPrefix,
  headRecordKey,
  idIndexRecordKey,
  isHeadRecord,
  isIdIndexRecord,
  isMessageRecord,
  isStoredMessage,
  laterState,
  loggedMessage,
  maxMessageIndex,
  messageFields,
  messagePrefix,
  messageRecordKey,
  outboxRecordKey,
  parseConversationId,
  parseHeadKey,
  parseMessageIndex,
  recordFormatVersion,
  type HeadRecord,
  type IdIndexRecord,
  type LogEntry,
  type LoggedMessage,
  type MessageRecord,
  type MessageState,
  type StoredMessage,
  type UnreadableMessage,
} from './records';
import type { Outbox, OutboxEntry, PreparedEntries } from './outbox';
import type { OutboxEnvelope } from './records';
import type { HealthReport, MigratedConversation } from './rollback';
import type { OpenVault } from './sealed-records';
import type { StoreContext } from './store-context';

export interface ConversationSummary {
  readonly id: string;
  /** Messages ever appended = the index the next message gets. */
  readonly count: number;
  readonly unread: number;
  readonly lastMessage?: LoggedMessage;
  /** Sealed bytes of the conversation's message and id-index records (for per-contact quotas). */
  readonly usageBytes: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface AppendOptions {
  /** Peers (identity key ids) to create outbox entries for, in the append's transaction. */
  readonly outboxFor?: readonly string[];
  /** The sealed envelope each outbox entry of a message keeps (chat/delivery.ts), by message id. */
  readonly envelopes?: ReadonlyMap<string, OutboxEnvelope>;
}

/** One caller's append, waiting to be written with the others of its batch. */
interface AppendPart {
  readonly messages: readonly StoredMessage[];
  readonly outboxFor: readonly string[];
  readonly envelopes?: ReadonlyMap<string, OutboxEnvelope>;
  readonly resolve: (results: readonly AppendResult[]) => void;
  readonly reject: (error: unknown) => void;
}

export type AppendResult = { readonly index: number; readonly duplicate?: undefined } | { readonly duplicate: true };

export interface StateChange {
  readonly id: string;
  readonly state: MessageState;
}

export interface LogPage {
  /** Oldest first; one entry per index in [firstIndex, firstIndex + entries.length). */
  readonly entries: readonly LogEntry[];
  /** Pass it to loadBefore for the page before. */
  readonly firstIndex: number;
  readonly count: number;
  readonly hasOlder: boolean;
}

/** What moveConversation did. */
export interface MoveResult {
  /** Messages appended to the target. */
  readonly moved: number;
  /** Messages the target already held (same id): not moved twice. */
  readonly duplicates: number;
  /** Unreadable entries of the source: nothing to move, removed with it. */
  readonly unreadable: number;
}

/** A part of a flush: its writes, the head keys it stamps, and what to do once the batch committed or failed. */
export interface LogFlush {
  readonly writes: readonly RecordWrite[];
  readonly stamped: readonly string[];
  done(): void;
  failed(): void;
}

/** Bytes of the id-index hash: 128 bits, so collisions between a conversation's ids never happen in practice. */
export const idHashBytes = 16;
/** Ids remembered per conversation (id -> index) to answer dedupe and state changes without a read. */
export const knownIdsPerConversation = 20_000;
/** Most messages one load returns (a page is a screen or two; the transcript reads in pages of this size). */
export const maxPageMessages = 1000;

const sealedOverheadBytes = 2 + 24 + 16;

/** Size of a sealed id-index record for `index` (the JSON is fixed but for the number). */
function idIndexRecordBytes(index: number): number {
  return sealedOverheadBytes + utf8(JSON.stringify({ v: recordFormatVersion, index })).length;
}

/** One position to write at a conversation's next index: a message and the peers whose outbox gets it, or a run
 * of indexes left without a record (messages of the chunked format that could not be read). */
type Placement =
  | { readonly message: StoredMessage; readonly outboxFor: readonly string[]; readonly envelope?: OutboxEnvelope; readonly unreadable?: undefined }
  | { readonly unreadable: number };

/** Placements sealed into records (not written yet), and what they change once written. */
interface Staged {
  readonly writes: readonly RecordWrite[];
  /** The index of each placed message, in placement order (undefined for a run of unreadable indexes). */
  readonly indexes: readonly (number | undefined)[];
  /** The conversation's count after them. */
  readonly next: number;
  readonly usage: number;
  readonly incoming: number;
  readonly last: LoggedMessage | undefined;
  readonly appended: readonly { readonly id: string; readonly index: number }[];
  readonly outbox: readonly PreparedEntries[];
}

/** A conversation's summary fields (what its head records). */
interface Summary {
  readonly count: number;
  readonly unread: number;
  readonly usageBytes: number;
  readonly lastMessage: LoggedMessage | undefined;
  readonly createdAt: number;
  readonly updatedAt: number;
}

interface Conversation {
  readonly id: string;
  count: number;
  unread: number;
  usageBytes: number;
  lastMessage: LoggedMessage | undefined;
  createdAt: number;
  updatedAt: number;
  /** id -> index for ids seen this session (appended, loaded or looked up), oldest first; bounded. */
  readonly knownIds: Map<string, number>;
  /** index -> state not yet flushed. */
  readonly pendingStates: Map<number, MessageState>;
}

export class ConversationLog {
  private readonly conversations = new Map<string, Conversation>();
  private readonly dirtyHeads = new Set<string>();
  /** Per conversation: appends waiting for their turn, written together (see append). */
  private readonly waitingAppends = new Map<string, AppendPart[]>();
  /** Conversations of the chunked format not migrated yet, with their old head (undefined when lost or damaged). */
  private readonly legacy = new Map<string, LegacyHead | undefined>();

  constructor(
    private readonly context: StoreContext,
    private readonly outbox: Outbox,
  ) {}

  // -------------------------------------------------------------------------------------------------------------
  // Writing

  /**
   * Appends `messages` in order, skipping any whose id the conversation already holds (anywhere in its history) or
   * that repeats an id earlier in the batch. One transaction: message records, id-index entries and, for
   * `outboxFor`, outbox entries. Returns per message its index or `{ duplicate: true }`, once durable.
   *
   * Appends to a conversation made while its previous write is still waiting its turn share ONE transaction with it
   * (issue 17: a person sending message after message, like a peer's burst, costs one write per batch, not one per
   * message): each caller still gets its own results, in call order, and only once the shared write committed; a
   * failed write fails every append in it. A batch takes no appends once another operation on the log was queued
   * after it (a read, a removal, a move), so those still see the appends made before them and none made after.
   */
  append(conversationId: string, messages: readonly StoredMessage[], options: AppendOptions = {}): Promise<readonly AppendResult[]> {
    // Registered before queueing, so an ack that overtakes this write is not lost (outbox.ts).
    const peers = options.outboxFor ?? [];
    const release = peers.length > 0 ? this.outbox.expect(peers, messages.map((m) => String((m as Partial<StoredMessage> | undefined)?.id))) : undefined;
    const run = new Promise<readonly AppendResult[]>((resolve, reject) => {
      const part: AppendPart = { messages, outboxFor: peers, ...(options.envelopes ? { envelopes: options.envelopes } : {}), resolve, reject };
      const waiting = this.waitingAppends.get(conversationId);
      if (waiting) return waiting.push(part);
      const batch = [part];
      this.waitingAppends.set(conversationId, batch);
      void this.context.exclusive(() => this.appendBatchNow(conversationId, batch));
    });
    if (release) void run.then(release, release);
    return run;
  }

  /** Runs a batch of appends as one (see append); settles every caller's promise, never throws. */
  private async appendBatchNow(conversationId: string, batch: readonly AppendPart[]): Promise<void> {
    // Taking its turn: later appends start the next batch.
    if (this.waitingAppends.get(conversationId) === batch) this.waitingAppends.delete(conversationId);
    try {
      // One caller's invalid message fails that caller alone.
      const valid = batch.filter((part) => {
        if (part.messages.every((m) => isStoredMessage(m))) return true;
        part.reject(new TypeError('not a valid message'));
        return false;
      });
      const results = await this.appendNow(conversationId, valid.flatMap((part) => part.messages.map((message) => ({ message, outboxFor: part.outboxFor, envelope: part.envelopes?.get(message.id) }))));
      let at = 0;
      for (const part of valid) {
        part.resolve(Object.freeze(results.slice(at, at + part.messages.length)));
        at += part.messages.length;
      }
    } catch (error) {
      for (const part of batch) part.reject(error);
    }
  }

  /** Queues another operation on the log: the appends waiting so far are written before it, later ones after it. */
  private exclusiveAfterAppends<T>(task: () => Promise<T>): Promise<T> {
    this.waitingAppends.clear();
    return this.context.exclusive(task);
  }

  /**
   * Moves messages to a later state (never backwards), in memory; the next flush writes them. Returns the ids that
   * are not in the conversation.
   */
  setStates(conversationId: string, changes: readonly StateChange[]): Promise<{ readonly unknown: readonly string[] }> {
    return this.context.exclusive(async () => {
      const vault = this.context.vault();
      const conversation = this.conversations.get(conversationId);
      if (!conversation) return { unknown: changes.map((c) => c.id) };
      const indexes = await this.lookUpIds(vault, conversation, changes.map((c) => c.id));
      const unknown: string[] = [];
      changes.forEach((change, i) => {
        const index = indexes[i];
        if (index === undefined) unknown.push(change.id);
        else this.applyState(conversation, index, change.state);
      });
      this.context.scheduleFlush();
      return { unknown };
    });
  }

  /** The person has read the conversation (in memory; flushed later). */
  markRead(conversationId: string): void {
    this.context.vault();
    const conversation = this.conversations.get(conversationId);
    if (!conversation || conversation.unread === 0) return;
    conversation.unread = 0;
    this.markDirty(conversation.id);
  }

  /** Deletes the conversation and its outbox entries in one atomic batch. */
  remove(conversationId: string): Promise<void> {
    return this.exclusiveAfterAppends(async () => {
      this.context.vault();
      const guard = this.context.rollback();
      const headKey = headRecordKey(conversationId);
      const outboxKeys = this.outbox.keysOfConversation(conversationId);
      const isLegacy = this.legacy.has(conversationId);
      guard.forgetLegacy(conversationId); // before the batch: its manifest no longer names it
      try {
        await this.context.commitStamped(() => ({
          writes: [
            { prefix: conversationPrefix(conversationId), removePrefix: true },
            ...outboxKeys.map((key) => ({ key, remove: true }) as const),
          ],
          stamped: [],
          unstamped: [headKey],
        }));
      } catch (thrown) {
        if (isLegacy) guard.noteLegacy(conversationId);
        throw thrown;
      }
      this.legacy.delete(conversationId);
      this.conversations.delete(conversationId);
      this.dirtyHeads.delete(conversationId);
      this.outbox.forgetConversation(conversationId);
    });
  }

  /**
   * "This is Bob on a new device": every readable message of `fromId` is appended to `toId` (id, direction, text,
   * times and state kept; ids `toId` already holds are skipped), their outbox entries are re-addressed (to peer
   * `toId` where they were for peer `fromId`; after `toId`'s own pending ones, in their order), and `fromId` is
   * deleted: ONE atomic batch. An unreadable message of `fromId` goes with it, unless it is an outgoing one whose
   * outbox entry is intact (rebuilt from the entry, as `waiting`). Moving a conversation that no longer exists
   * (already moved) does nothing.
   */
  moveConversation(fromId: string, toId: string): Promise<MoveResult> {
    return this.exclusiveAfterAppends(() => this.moveNow(fromId, toId));
  }

  // -------------------------------------------------------------------------------------------------------------
  // Reading

  /** The newest `n` messages (at most maxPageMessages), oldest first. */
  loadNewest(conversationId: string, n: number): Promise<LogPage> {
    return this.loadBefore(conversationId, Number.MAX_SAFE_INTEGER, n);
  }

  /** Up to `n` messages with index < `beforeIndex`, oldest first (one read). */
  loadBefore(conversationId: string, beforeIndex: number, n: number): Promise<LogPage> {
    return this.exclusiveAfterAppends(async () => {
      const vault = this.context.vault();
      const conversation = this.conversations.get(conversationId);
      if (!conversation) return Object.freeze({ entries: Object.freeze([]), firstIndex: 0, count: 0, hasOlder: false });
      const count = conversation.count;
      const end = Math.max(0, Math.min(Math.floor(Number(beforeIndex) || 0), count));
      const wanted = Math.max(0, Math.min(Math.floor(Number(n) || 0), maxPageMessages));
      const start = Math.max(0, end - wanted);
      const entries = await this.readRangeNow(vault, conversation, start, end);
      return Object.freeze({ entries: Object.freeze(entries), firstIndex: start, count, hasOlder: start > 0 });
    });
  }

  /** Every conversation, most recently changed first (from memory). */
  summaries(): readonly ConversationSummary[] {
    this.context.vault();
    return [...this.conversations.values()].map(summaryOf).sort((a, b) => b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : 1));
  }

  summary(conversationId: string): ConversationSummary | undefined {
    this.context.vault();
    const conversation = this.conversations.get(conversationId);
    return conversation ? summaryOf(conversation) : undefined;
  }

  /** Sealed bytes the conversation takes (0 for none), for per-contact quotas. */
  usageBytes(conversationId: string): number {
    this.context.vault();
    return this.conversations.get(conversationId)?.usageBytes ?? 0;
  }

  /**
   * Outgoing messages some peer has not acknowledged that a mailbox holds (state `held`), for delivery when the core
   * opens: one read of those messages' records. A record that does not open, or is not that outgoing message, is
   * left out.
   */
  heldOutgoing(): Promise<readonly { readonly conversationId: string; readonly id: string }[]> {
    return this.exclusiveAfterAppends(async () => {
      const vault = this.context.vault();
      const pending = new Map<string, { conversation: Conversation; index: number; id: string }>();
      for (const peerId of this.outbox.peersWithPending()) {
        for (const { conversationId, index, messageId } of this.outbox.pending(peerId)) {
          const conversation = this.conversations.get(conversationId);
          if (conversation && index < conversation.count) pending.set(messageRecordKey(conversationId, index), { conversation, index, id: messageId });
        }
      }
      const keys = [...pending.keys()];
      const stored = keys.length > 0 ? await this.context.backend.getMany(keys) : [];
      const held: { readonly conversationId: string; readonly id: string }[] = [];
      keys.forEach((key, i) => {
        const { conversation, index, id } = pending.get(key)!;
        const opened = vault.open(key, stored[i], isMessageRecord);
        if (!opened.ok || opened.value.direction !== 'out' || opened.value.id !== id) return;
        const state = laterState(opened.value.state, conversation.pendingStates.get(index) ?? opened.value.state);
        if (state === 'held') held.push(Object.freeze({ conversationId: conversation.id, id }));
      });
      return Object.freeze(held);
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // For TincanStore (inside its exclusive tasks)

  /** Every entry of a conversation, in pages (the transcript). */
  async readAllNow(conversationId: string): Promise<LogEntry[]> {
    const vault = this.context.vault();
    const conversation = this.conversations.get(conversationId);
    if (!conversation) return [];
    const entries: LogEntry[] = [];
    for (let start = 0; start < conversation.count; start += maxPageMessages) {
      entries.push(...(await this.readRangeNow(vault, conversation, start, Math.min(conversation.count, start + maxPageMessages))));
    }
    return entries;
  }

  /** An acknowledged outbox entry: its message is delivered (in memory at once; flushed later). */
  delivered(entry: OutboxEntry): void {
    const conversation = this.conversations.get(entry.conversationId);
    if (conversation && entry.index < conversation.count) this.applyState(conversation, entry.index, 'delivered');
  }

  get hasPendingFlush(): boolean {
    if (this.dirtyHeads.size > 0) return true;
    for (const conversation of this.conversations.values()) if (conversation.pendingStates.size > 0) return true;
    return false;
  }

  /**
   * The log's part of a flush: pending states merged into their message records (one read for all), and the dirty
   * heads sealed with `stamp`. Nothing in memory changes until done() (the batch committed) or failed().
   */
  async takeFlush(stamp: number): Promise<LogFlush> {
    const vault = this.context.vault();
    const states: { conversation: Conversation; index: number; state: MessageState }[] = [];
    for (const conversation of this.conversations.values()) {
      for (const [index, state] of conversation.pendingStates) states.push({ conversation, index, state });
    }
    const keys = states.map(({ conversation, index }) => messageRecordKey(conversation.id, index));
    const stored = keys.length > 0 ? await this.context.backend.getMany(keys) : [];
    // From here on nothing awaits: the heads are sealed from memory as it is now, so taking the dirty set only
    // after the read loses no change made meanwhile (markRead, acknowledge), and a failed read loses nothing.
    const heads = new Set(this.dirtyHeads);
    this.dirtyHeads.clear();
    const writes: RecordWrite[] = [];
    const usageDelta = new Map<Conversation, number>();
    states.forEach(({ conversation, state }, i) => {
      const key = keys[i]!;
      const opened = vault.open(key, stored[i], isMessageRecord);
      if (!opened.ok) return; // unreadable: nothing to update (reported when read)
      const next = laterState(opened.value.state, state);
      if (next === opened.value.state) return;
      const record: MessageRecord = { ...opened.value, state: next };
      const value = vault.seal(key, record);
      writes.push({ key, value });
      const before = stored[i] instanceof Uint8Array ? (stored[i] as Uint8Array).length : 0;
      usageDelta.set(conversation, (usageDelta.get(conversation) ?? 0) + value.length - before);
      heads.add(conversation.id);
    });
    const stamped: string[] = [];
    for (const id of heads) {
      const conversation = this.conversations.get(id);
      if (!conversation) continue;
      const key = headRecordKey(id);
      const usageBytes = Math.max(0, conversation.usageBytes + (usageDelta.get(conversation) ?? 0));
      writes.push({ key, value: vault.seal(key, headRecordOf(conversation, stamp, usageBytes)) });
      stamped.push(key);
    }
    return {
      writes,
      stamped,
      done: () => {
        for (const { conversation, index, state } of states) {
          if (conversation.pendingStates.get(index) === state) conversation.pendingStates.delete(index);
        }
        for (const [conversation, delta] of usageDelta) conversation.usageBytes = Math.max(0, conversation.usageBytes + delta);
      },
      failed: () => {
        for (const id of heads) this.dirtyHeads.add(id);
      },
    };
  }

  /**
   * At unlock: finds every conversation (from the manifest's head keys and its list of chunked ones, or by listing
   * conv/ when the manifest is not usable), reads the heads in one read, corrects heads that are behind, rebuilds
   * lost ones, and notes the conversations of the chunked format for migrateLegacy.
   */
  async load(report: HealthReport): Promise<void> {
    const vault = this.context.vault();
    const guard = this.context.rollback();
    const ids = new Set<string>(guard.legacyConversations());
    for (const key of guard.stampedKeys()) {
      const id = parseHeadKey(key);
      if (id !== undefined) ids.add(id);
    }
    if (!guard.manifestUsable) {
      for (const key of await this.context.backend.keys(conversationKeyPrefix)) {
        const id = parseConversationId(key);
        if (id !== undefined && (key.endsWith('/head') || parseMessageIndex(key) !== undefined || parseLegacyChunkKey(key))) ids.add(id);
      }
    }
    const order = [...ids];
    const headKeys = order.map(headRecordKey);
    const heads = await this.context.backend.getMany(headKeys);
    const intact: Conversation[] = [];
    const lost: { id: string }[] = [];
    order.forEach((id, i) => {
      const key = headKeys[i]!;
      const opened = vault.open(key, heads[i], isHeadRecord);
      const legacyHead = opened.ok || opened.reason !== 'malformed' ? undefined : vault.open(key, heads[i], isLegacyHead);
      if (opened.ok) {
        guard.checkRecord(key, opened.value.stamp, report);
        intact.push(conversationOf(id, opened.value));
      } else if (legacyHead?.ok) {
        this.legacy.set(id, legacyHead.value);
      } else {
        if (opened.reason === 'missing') guard.checkRecord(key, undefined, report);
        else report.skipped({ key, reason: opened.reason });
        lost.push({ id });
      }
    });
    // A crash before a flush leaves a head behind its records: the record at head.count then exists.
    const probes = intact.length > 0 ? await this.context.backend.getMany(intact.map((c) => messageRecordKey(c.id, c.count))) : [];
    for (const [i, conversation] of intact.entries()) {
      this.conversations.set(conversation.id, conversation);
      if (probes[i] === undefined) continue;
      await this.catchUp(vault, conversation);
      report.correctedHeads.push(conversation.id);
    }
    for (const { id } of lost) {
      const rebuilt = await this.rebuild(vault, id);
      if (rebuilt) {
        this.conversations.set(id, rebuilt);
        report.rebuiltHeads.push(id);
      } else if ((await this.context.backend.keys(conversationPrefix(id))).some((key) => parseLegacyChunkKey(key))) {
        this.legacy.set(id, undefined); // chunks without a readable head: migrated from the chunks (legacy-log.ts)
      }
      // Neither: nothing to show, and nothing is deleted.
    }
    for (const id of guard.legacyConversations()) if (!this.legacy.has(id)) guard.forgetLegacy(id);
    for (const id of this.legacy.keys()) guard.noteLegacy(id);
  }

  /**
   * After the unlock's checks: migrates every conversation of the chunked format, one atomic batch each (see the
   * header). One the device has no room for stays as it is (VaultHealth.legacyConversations) and is tried again
   * at the next unlock, or before anything is written to it.
   */
  async migrateLegacy(report: HealthReport): Promise<void> {
    const vault = this.context.vault();
    for (const id of [...this.legacy.keys()]) {
      try {
        const migrated = await this.migrateNow(vault, id, report);
        if (migrated) report.migrated.push(migrated);
      } catch (thrown) {
        if (!isTincanError(thrown, 'STORAGE_QUOTA') && !isTincanError(thrown, 'STORAGE_UNAVAILABLE')) throw thrown;
      }
    }
  }

  clear(): void {
    this.waitingAppends.clear();
    this.conversations.clear();
    this.dirtyHeads.clear();
    this.legacy.clear();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Internals

  /** Appends `items` (each message with the peers it gets outbox entries for) in one transaction. */
  private async appendNow(
    conversationId: string,
    items: readonly { readonly message: StoredMessage; readonly outboxFor: readonly string[]; readonly envelope?: OutboxEnvelope | undefined }[],
  ): Promise<AppendResult[]> {
    const vault = this.context.vault();
    if (typeof conversationId !== 'string' || conversationId.length === 0) throw new TypeError('conversation id must be a non-empty string');
    for (const { message } of items) if (!isStoredMessage(message)) throw new TypeError('not a valid message');
    await this.migrateIfLegacy(vault, conversationId);
    const existing = this.conversations.get(conversationId);
    const results = new Array<AppendResult>(items.length).fill(duplicate);
    const fresh = await this.newIds(vault, existing, items.map((item) => item.message.id));
    if (fresh.length === 0) return results;

    const now = this.context.now();
    const conversation = existing ?? newConversation(conversationId, now);
    const staged = this.stage(
      vault,
      conversation,
      fresh.map((p) => {
        const { message, outboxFor, envelope } = items[p]!;
        return { message: messageFields(message), outboxFor, ...(envelope ? { envelope } : {}) };
      }),
    );
    fresh.forEach((position, i) => (results[position] = Object.freeze({ index: staged.indexes[i]! })));
    const after = summaryAfter(conversation, staged, conversation.unread + staged.incoming, now);
    if (existing) {
      await this.context.backend.write(staged.writes);
      this.settle(conversation, after, staged);
      this.markDirty(conversationId);
    } else {
      // A conversation's first message writes its head and names it in the manifest, in the same batch: a
      // conversation is then always found at unlock, whatever happens to later flushes.
      await this.commitWithHead(vault, conversationId, after, staged.writes, []);
      this.conversations.set(conversationId, conversation);
      this.settle(conversation, after, staged);
    }
    return results;
  }

  /**
   * Positions in `ids` of the ids the conversation does not hold (memory first, then one read of the id index: an
   * entry that exists, readable or not, is a duplicate) and that do not repeat an earlier one.
   */
  private async newIds(vault: OpenVault, conversation: Conversation | undefined, ids: readonly string[]): Promise<number[]> {
    const seen = new Set<string>();
    const candidates: number[] = [];
    ids.forEach((id, position) => {
      if (seen.has(id) || conversation?.knownIds.has(id)) return;
      seen.add(id);
      candidates.push(position);
    });
    if (!conversation || candidates.length === 0) return candidates;
    const found = await this.context.backend.getMany(candidates.map((p) => this.idKey(vault, conversation.id, ids[p]!)));
    return candidates.filter((_, i) => found[i] === undefined);
  }

  /** Seals `placements` from the conversation's next index: message records, id-index and outbox entries. */
  private stage(vault: OpenVault, conversation: Conversation, placements: readonly Placement[]): Staged {
    const writes: RecordWrite[] = [];
    const indexes: (number | undefined)[] = [];
    const appended: { id: string; index: number }[] = [];
    const outbox: PreparedEntries[] = [];
    const reservedSeqs = new Map<string, number>();
    let next = conversation.count;
    let usage = 0;
    let incoming = 0;
    let last: LoggedMessage | undefined;
    for (const placement of placements) {
      if (placement.unreadable !== undefined) {
        next += placement.unreadable;
        if (next > maxMessageIndex + 1) throw new RangeError('conversation is full');
        indexes.push(undefined);
        continue;
      }
      const { message, outboxFor, envelope } = placement;
      const index = next++;
      if (index > maxMessageIndex) throw new RangeError('conversation is full');
      const messageKey = messageRecordKey(conversation.id, index);
      const idKey = this.idKey(vault, conversation.id, message.id);
      const record: MessageRecord = { v: recordFormatVersion, ...message };
      const sealedMessage = vault.seal(messageKey, record);
      const sealedId = vault.seal(idKey, { v: recordFormatVersion, index } satisfies IdIndexRecord);
      writes.push({ key: messageKey, value: sealedMessage }, { key: idKey, value: sealedId });
      usage += sealedMessage.length + sealedId.length;
      if (outboxFor.length > 0) {
        const prepared = this.outbox.prepare(outboxFor, conversation.id, message, index, reservedSeqs, envelope);
        writes.push(...prepared.writes);
        outbox.push(prepared);
      }
      if (message.direction === 'in') incoming++;
      last = loggedMessage(message, index);
      appended.push({ id: message.id, index });
      indexes.push(index);
    }
    return { writes, indexes, next, usage, incoming, last, appended, outbox };
  }

  /** Once the staged batch committed: memory says what the disk says. */
  private settle(conversation: Conversation, after: Summary, staged: Staged): void {
    conversation.count = after.count;
    conversation.unread = after.unread;
    conversation.usageBytes = after.usageBytes;
    conversation.lastMessage = after.lastMessage;
    conversation.createdAt = after.createdAt;
    conversation.updatedAt = after.updatedAt;
    for (const { id, index } of staged.appended) remember(conversation, id, index);
    // After the count: an ack that overtook its append marks the message delivered as its entry commits.
    for (const prepared of staged.outbox) prepared.commit();
  }

  /** Writes `writes`, the conversation's head as `after` and the manifest in ONE batch; `unstamped` heads leave it. */
  private commitWithHead(
    vault: OpenVault,
    conversationId: string,
    after: Summary,
    writes: readonly RecordWrite[],
    unstamped: readonly string[],
  ): Promise<void> {
    const headKey = headRecordKey(conversationId);
    return this.context.commitStamped((stamp) => ({
      writes: [...writes, { key: headKey, value: vault.seal(headKey, headRecordOf(after, stamp, after.usageBytes)) }],
      stamped: [headKey],
      unstamped,
    }));
  }

  private async migrateIfLegacy(vault: OpenVault, conversationId: string): Promise<void> {
    if (this.legacy.has(conversationId)) await this.migrateNow(vault, conversationId);
  }

  /** Migrates one conversation of the chunked format in one batch (see the header); throws what the write throws. */
  private async migrateNow(vault: OpenVault, id: string, report?: HealthReport): Promise<MigratedConversation | undefined> {
    const guard = this.context.rollback();
    const history = await readLegacyHistory(this.context.backend, vault, id, this.legacy.get(id));
    for (const record of history?.damaged ?? []) report?.skipped(record);
    const now = this.context.now();
    const conversation = newConversation(id, now);
    const placements: Placement[] = [];
    const seen = new Set<string>();
    let unreadable = 0;
    let queued = 0;
    let firstTime: number | undefined;
    for (const item of history?.items ?? []) {
      if (item.unreadable !== undefined) {
        placements.push(item);
        unreadable += item.unreadable;
        continue;
      }
      const { message } = item;
      if (seen.has(message.id)) continue; // the old store looked for repeats in the newest chunk only
      seen.add(message.id);
      firstTime ??= message.receivedAt ?? message.sentAt;
      // Every outgoing message the contact never acknowledged goes out again (the old app forgot `sent` ones).
      const unacknowledged = message.direction === 'out' && message.state !== 'delivered';
      if (unacknowledged) queued++;
      placements.push({ message, outboxFor: unacknowledged ? [id] : [] });
    }
    const staged = this.stage(vault, conversation, placements);
    const headKey = headRecordKey(id);
    const removals = (history?.oldKeys ?? []).map((key) => ({ key, remove: true }) as const);
    guard.forgetLegacy(id); // before the batch: its manifest no longer names it
    try {
      if (staged.next === 0) {
        // Nothing was ever said (a head without chunks, or nothing left at all): the old records go, nothing is made.
        await this.context.commitStamped(() => ({ writes: [...removals, { key: headKey, remove: true }], stamped: [], unstamped: [headKey] }));
      } else {
        conversation.createdAt = history?.createdAt ?? firstTime ?? now;
        const last = staged.last;
        const updatedAt = history?.updatedAt ?? (last ? (last.receivedAt ?? last.sentAt) : conversation.createdAt);
        const after = summaryAfter(conversation, staged, Math.min(history?.unread ?? 0, staged.incoming), updatedAt);
        // The new head takes the old head's key: one batch replaces the old conversation by the new one.
        await this.commitWithHead(vault, id, after, [...removals, ...staged.writes], []);
        this.conversations.set(id, conversation);
        this.settle(conversation, after, staged);
      }
    } catch (thrown) {
      guard.noteLegacy(id);
      throw thrown;
    }
    this.legacy.delete(id);
    // A conversation with nothing in it (a head written before its first chunk) is gone, not reported as migrated.
    return staged.next > 0 ? Object.freeze({ id, messages: staged.appended.length, unreadable, queued }) : undefined;
  }

  private async moveNow(fromId: string, toId: string): Promise<MoveResult> {
    const vault = this.context.vault();
    for (const id of [fromId, toId]) if (typeof id !== 'string' || id.length === 0) throw new TypeError('conversation id must be a non-empty string');
    if (fromId === toId) throw new RangeError('a conversation cannot move into itself');
    await this.migrateIfLegacy(vault, fromId);
    await this.migrateIfLegacy(vault, toId);
    const from = this.conversations.get(fromId);
    if (!from) return Object.freeze({ moved: 0, duplicates: 0, unreadable: 0 });
    const entries = await this.readAllNow(fromId); // states as they are in memory (pending ones included)
    const messages = withRecovered(
      entries.filter((entry): entry is LoggedMessage => entry.unreadable === undefined),
      entries,
      this.outbox.entriesOfConversation(fromId),
    );
    const target = this.conversations.get(toId);
    const fresh = await this.newIds(vault, target, messages.map((m) => m.id));
    // The source's outbox entries, by message: the peers its copy goes to (the new key's peer becomes the target's).
    const sourceEntries = this.outbox.entriesOfConversation(fromId);
    const peersOf = new Map<string, string[]>();
    for (const entry of sourceEntries) {
      peersOf.set(entry.messageId, [...(peersOf.get(entry.messageId) ?? []), entry.peerId === fromId ? toId : entry.peerId]);
    }
    const conversation = target ?? newConversation(toId, from.createdAt);
    // From here to the batch nothing awaits: states acknowledged during the reads above are taken as they are now,
    // and acks that arrive while the batch is written are applied to the moved copies afterwards.
    const moving = fresh.map((i) => messages[i]!);
    const placements = moving.map((m) => {
      const state = laterState(m.state, from.pendingStates.get(m.index) ?? m.state);
      return { message: messageFields({ ...m, state }), outboxFor: peersOf.get(m.id) ?? [] };
    });
    const staged = this.stage(vault, conversation, placements);
    const removals: RecordWrite[] = [
      { prefix: conversationPrefix(fromId), removePrefix: true },
      ...sourceEntries.map((entry) => ({ key: outboxRecordKey(entry.peerId, entry.seq), remove: true }) as const),
    ];
    const sourceHead = headRecordKey(fromId);
    let after: Summary | undefined;
    if (staged.appended.length === 0) {
      await this.context.commitStamped(() => ({ writes: removals, stamped: [], unstamped: [sourceHead] }));
    } else {
      const unread = conversation.unread + Math.min(from.unread, staged.incoming);
      after = summaryAfter(conversation, staged, unread, Math.max(conversation.updatedAt, from.updatedAt));
      await this.commitWithHead(vault, toId, after, [...removals, ...staged.writes], [sourceHead]);
    }
    // Entries acknowledged while the batch was being written: their moved copies are acknowledged too.
    const acknowledged = sourceEntries.filter((entry) => !this.outbox.isPending(entry.peerId, entry.seq));
    if (after) {
      if (!target) this.conversations.set(toId, conversation);
      this.settle(conversation, after, staged);
    }
    this.conversations.delete(fromId);
    this.dirtyHeads.delete(fromId);
    this.outbox.forgetConversation(fromId);
    for (const entry of acknowledged) this.outbox.acknowledge(entry.peerId === fromId ? toId : entry.peerId, [entry.messageId]);
    return Object.freeze({ moved: staged.appended.length, duplicates: messages.length - fresh.length, unreadable: entries.length - messages.length });
  }

  private idKey(vault: OpenVault, conversationId: string, messageId: string): string {
    const hash = vault.sodium.crypto_generichash(
      idHashBytes,
      concatBytes(utf8(conversationId), new Uint8Array([0]), utf8(messageId)),
      vault.derivedKey('id-index'),
    );
    return idIndexRecordKey(conversationId, toBase64Url(hash));
  }

  /** Index of each id (undefined = not in the conversation): memory first, then one read of the id index. */
  private async lookUpIds(vault: OpenVault, conversation: Conversation, ids: readonly string[]): Promise<(number | undefined)[]> {
    const indexes = ids.map((id) => conversation.knownIds.get(id));
    const unknown = ids.map((id, i) => ({ id, i })).filter(({ i }) => indexes[i] === undefined);
    if (unknown.length === 0) return indexes;
    const keys = unknown.map(({ id }) => this.idKey(vault, conversation.id, id));
    const stored = await this.context.backend.getMany(keys);
    unknown.forEach(({ id, i }, j) => {
      const opened = vault.open(keys[j]!, stored[j], isIdIndexRecord);
      if (opened.ok && opened.value.index < conversation.count) {
        indexes[i] = opened.value.index;
        remember(conversation, id, opened.value.index);
      }
    });
    return indexes;
  }

  private applyState(conversation: Conversation, index: number, state: MessageState): void {
    const pending = conversation.pendingStates.get(index);
    const next = pending === undefined ? state : laterState(pending, state);
    conversation.pendingStates.set(index, next);
    const last = conversation.lastMessage;
    if (last && last.index === index && laterState(last.state, next) !== last.state) {
      conversation.lastMessage = Object.freeze({ ...last, state: laterState(last.state, next) });
      this.markDirty(conversation.id);
    }
    this.context.scheduleFlush();
  }

  private markDirty(conversationId: string): void {
    this.dirtyHeads.add(conversationId);
    this.context.scheduleFlush();
  }

  private async readRangeNow(vault: OpenVault, conversation: Conversation, start: number, end: number): Promise<LogEntry[]> {
    if (end <= start) return [];
    const keys: string[] = [];
    for (let index = start; index < end; index++) keys.push(messageRecordKey(conversation.id, index));
    const stored = await this.context.backend.getMany(keys);
    return keys.map((key, i) => {
      const index = start + i;
      const opened = vault.open(key, stored[i], isMessageRecord);
      if (!opened.ok) return Object.freeze({ index, unreadable: true, reason: opened.reason }) satisfies UnreadableMessage;
      const pending = conversation.pendingStates.get(index);
      const state = pending === undefined ? opened.value.state : laterState(opened.value.state, pending);
      remember(conversation, opened.value.id, index);
      return loggedMessage({ ...opened.value, state }, index);
    });
  }

  /**
   * Brings a head that is behind up to its message records: every record from head.count to the highest message
   * key is read (one read) and counted in.
   */
  private async catchUp(vault: OpenVault, conversation: Conversation): Promise<number | undefined> {
    const indexes = (await this.context.backend.keys(messagePrefix(conversation.id)))
      .map(parseMessageIndex)
      .filter((index): index is number => index !== undefined && index >= conversation.count);
    if (indexes.length === 0) return undefined;
    const highest = Math.max(...indexes);
    let firstTime: number | undefined;
    const keys: string[] = [];
    for (let index = conversation.count; index <= highest; index++) keys.push(messageRecordKey(conversation.id, index));
    const stored = await this.context.backend.getMany(keys);
    keys.forEach((key, i) => {
      const index = conversation.count + i;
      const value = stored[i];
      if (value instanceof Uint8Array) conversation.usageBytes += value.length + idIndexRecordBytes(index);
      const opened = vault.open(key, value, isMessageRecord);
      if (!opened.ok) return;
      if (opened.value.direction === 'in') conversation.unread++;
      firstTime ??= opened.value.receivedAt ?? opened.value.sentAt;
      conversation.lastMessage = loggedMessage(opened.value, index);
      conversation.updatedAt = Math.max(conversation.updatedAt, opened.value.receivedAt ?? opened.value.sentAt);
    });
    conversation.count = highest + 1;
    conversation.unread = Math.min(conversation.unread, conversation.count);
    this.markDirty(conversation.id);
    return firstTime;
  }

  /** A conversation whose head is lost, from its message records alone (undefined when it has none). */
  private async rebuild(vault: OpenVault, id: string): Promise<Conversation | undefined> {
    const indexes = (await this.context.backend.keys(messagePrefix(id)))
      .map(parseMessageIndex)
      .filter((index): index is number => index !== undefined);
    if (indexes.length === 0) return undefined;
    const now = this.context.now();
    const conversation = newConversation(id, now);
    conversation.updatedAt = Number.NEGATIVE_INFINITY;
    const firstTime = await this.catchUp(vault, conversation);
    conversation.createdAt = firstTime ?? now;
    if (!Number.isFinite(conversation.updatedAt)) conversation.updatedAt = now;
    // Unread counts are not in the records: a rebuilt conversation starts read (the person saw the notice).
    conversation.unread = 0;
    return conversation;
  }
}

const duplicate: AppendResult = Object.freeze({ duplicate: true });

function newConversation(id: string, now: number): Conversation {
  return {
    id,
    count: 0,
    unread: 0,
    usageBytes: 0,
    lastMessage: undefined,
    createdAt: now,
    updatedAt: now,
    knownIds: new Map(),
    pendingStates: new Map(),
  };
}

/** The summary after `staged` is written: its messages counted, `unread` and `updatedAt` as given. */
function summaryAfter(conversation: Conversation, staged: Staged, unread: number, updatedAt: number): Summary {
  return {
    count: staged.next,
    unread: Math.min(staged.next, unread),
    usageBytes: conversation.usageBytes + staged.usage,
    lastMessage: staged.last ?? conversation.lastMessage,
    createdAt: conversation.createdAt,
    updatedAt,
  };
}

/**
 * The readable messages plus, at their index, outgoing ones whose record is unreadable but whose outbox entry is
 * intact: the entry holds all a resend needs, so an unacknowledged message is never lost to a damaged record.
 */
function withRecovered(messages: readonly LoggedMessage[], entries: readonly LogEntry[], outbox: readonly OutboxEntry[]): LoggedMessage[] {
  const recovered = new Map<number, LoggedMessage>();
  for (const entry of outbox) {
    if (entries[entry.index]?.unreadable !== true || recovered.has(entry.index)) continue;
    const message: StoredMessage = {
      id: entry.messageId,
      direction: 'out',
      text: entry.text,
      sentAt: entry.sentAt,
      state: 'waiting',
      ...(entry.meta !== undefined ? { meta: entry.meta } : {}),
    };
    recovered.set(entry.index, loggedMessage(message, entry.index));
  }
  return recovered.size === 0 ? [...messages] : [...messages, ...recovered.values()].sort((a, b) => a.index - b.index);
}

function conversationOf(id: string, head: HeadRecord): Conversation {
  return {
    id,
    count: head.count,
    unread: head.unread,
    usageBytes: head.usageBytes,
    lastMessage: head.lastMessage ? loggedMessage(head.lastMessage, head.lastMessage.index) : undefined,
    createdAt: head.createdAt,
    updatedAt: head.updatedAt,
    knownIds: new Map(),
    pendingStates: new Map(),
  };
}

function headRecordOf(
  conversation: Pick<Conversation, 'count' | 'unread' | 'lastMessage' | 'createdAt' | 'updatedAt'>,
  stamp: number,
  usageBytes: number,
): HeadRecord {
  return {
    v: recordFormatVersion,
    count: conversation.count,
    unread: conversation.unread,
    usageBytes,
    ...(conversation.lastMessage ? { lastMessage: conversation.lastMessage } : {}),
    createdAt: conversation.createdAt,
    updatedAt: conversation.updatedAt,
    stamp,
  };
}

function summaryOf(conversation: Conversation): ConversationSummary {
  return Object.freeze({
    id: conversation.id,
    count: conversation.count,
    unread: conversation.unread,
    ...(conversation.lastMessage ? { lastMessage: conversation.lastMessage } : {}),
    usageBytes: conversation.usageBytes,
    createdAt: conversation.createdAt,
    updatedAt: conversation.updatedAt,
  });
}

function remember(conversation: Conversation, id: string, index: number): void {
  const known = conversation.knownIds;
  known.delete(id);
  known.set(id, index);
  if (known.size > knownIdsPerConversation) known.delete(known.keys().next().value!);
}
