// The outbox: outgoing messages a peer has not yet acknowledged as stored, one sealed record each
// (out/<peer>/<seq>), all in memory while unlocked.
//
// Invariants
// - An entry is created in the same transaction as its message (ConversationLog.append with outboxFor), so a
//   message can never be stored without its entry, nor the reverse.
// - pending(peer) is in sequence order = append order; every new connection resends all of it, whatever an earlier
//   connection reached. The receiver drops duplicates by id, so a resend is harmless.
// - acknowledge removes entries from memory at once and from storage at the next flush (with the messages'
//   `delivered` states, in one transaction). A crash before that flush brings the entries back: they are resent
//   and acknowledged again, never lost. Each acknowledged id costs one Map lookup, known or not: no history scan.
// - An ack may overtake its own append (the peer answers before this device's write committed). The ids of every
//   append with outbox entries are registered when append is called (expect), before it queues: an ack for one of
//   them is remembered and applied the moment its entry commits. Only ids under way are remembered, so unknown ids
//   from a peer cost no memory.
import type { RecordWrite } from './record-backend';
import {
  isOutboxRecord,
  maxOutboxSeq,
  outboxKeyPrefix,
  outboxRecordKey,
  parseOutboxKey,
  recordFormatVersion,
  type OutboxEnvelope,
  type OutboxRecord,
  type StoredMessage,
} from './records';
import type { HealthReport } from './rollback';
import type { StoreContext } from './store-context';

/** What a resend needs (the record's fields), with the peer and sequence number it is kept under. */
export interface OutboxEntry extends Omit<OutboxRecord, 'v'> {
  readonly peerId: string;
  readonly seq: number;
}

/** Entries the log's append puts into its own transaction; `commit` runs once that transaction committed. */
export interface PreparedEntries {
  readonly writes: readonly RecordWrite[];
  commit(): void;
}

interface PeerQueue {
  /** seq -> entry, in ascending seq (Map keeps insertion order; loaded entries are inserted sorted). */
  readonly entries: Map<number, OutboxEntry>;
  readonly bySeqOfMessage: Map<string, number>;
  /** The seq the next entry gets (above every seq ever seen for this peer, readable or not). */
  nextSeq: number;
}

/** An id whose append is queued or being written, for one peer. */
interface UnderWay {
  /** Appends of this id under way (the same id may be appended twice; the second is a duplicate). */
  appends: number;
  /** The peer acknowledged it before its entry committed. */
  acknowledged: boolean;
}

export class Outbox {
  private readonly peers = new Map<string, PeerQueue>();
  /** (conversation, message id) -> how many peers' entries for it are still pending. */
  private readonly waiting = new Map<string, number>();
  private readonly pendingRemovals = new Set<string>();
  /** peer -> message id -> an append of it under way (see the header). */
  private readonly underWay = new Map<string, Map<string, UnderWay>>();

  constructor(
    private readonly context: StoreContext,
    /** Tells the log that a message was acknowledged (it marks the message delivered, in memory). */
    private readonly onDelivered: (entry: OutboxEntry) => void,
  ) {}

  /** Unacknowledged entries for `peerId`, oldest first. */
  pending(peerId: string): readonly OutboxEntry[] {
    this.context.vault();
    return [...(this.peers.get(peerId)?.entries.values() ?? [])];
  }

  /** How many peers have not acknowledged `messageId` yet (0 when every one has, or it is unknown). */
  waitingMembers(conversationId: string, messageId: string): number {
    return this.waiting.get(waitingKey(conversationId, messageId)) ?? 0;
  }

  /** How many entries `peerId` has not acknowledged (no copy of them, for a count shown per event). */
  pendingCount(peerId: string): number {
    this.context.vault();
    return this.peers.get(peerId)?.entries.size ?? 0;
  }

  /** Peers with at least one unacknowledged entry. */
  peersWithPending(): readonly string[] {
    this.context.vault();
    return [...this.peers].filter(([, queue]) => queue.entries.size > 0).map(([peerId]) => peerId);
  }

  /**
   * The peer acknowledged `messageIds` as stored: returns the entries found (unknown ids are ignored), removes them
   * and marks their messages delivered, in memory at once, persisted by the next flush.
   */
  acknowledge(peerId: string, messageIds: readonly string[]): readonly OutboxEntry[] {
    this.context.vault();
    const queue = this.peers.get(peerId);
    const waiting = this.underWay.get(peerId);
    const found: OutboxEntry[] = [];
    for (const messageId of messageIds) {
      const seq = queue?.bySeqOfMessage.get(messageId);
      if (seq !== undefined) found.push(this.remove(peerId, queue!, seq));
      else {
        // Not committed yet: applied when its entry commits (not returned: it has no seq or index yet).
        const early = waiting?.get(messageId);
        if (early) early.acknowledged = true;
      }
    }
    if (found.length > 0) this.context.scheduleFlush();
    return found;
  }

  /**
   * For ConversationLog.append, before it queues: acks for `messageIds` from `peerIds` that arrive before their
   * entries commit are kept (see the header). Call the returned function once the append settled.
   */
  expect(peerIds: readonly string[], messageIds: readonly string[]): () => void {
    const pairs: [Map<string, UnderWay>, string][] = [];
    for (const peerId of new Set(peerIds)) {
      let waiting = this.underWay.get(peerId);
      if (!waiting) this.underWay.set(peerId, (waiting = new Map()));
      for (const messageId of new Set(messageIds)) {
        const mark = waiting.get(messageId) ?? { appends: 0, acknowledged: false };
        mark.appends++;
        waiting.set(messageId, mark);
        pairs.push([waiting, messageId]);
      }
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const [waiting, messageId] of pairs) {
        const mark = waiting.get(messageId);
        if (mark && --mark.appends <= 0) waiting.delete(messageId);
      }
      for (const [peerId, waiting] of this.underWay) if (waiting.size === 0) this.underWay.delete(peerId);
    };
  }

  /** For ConversationLog.append: sealed entries of `message` (at `index`) for each peer, not yet applied. */
  prepare(
    peerIds: readonly string[],
    conversationId: string,
    message: StoredMessage,
    index: number,
    reserved: Map<string, number>,
    envelope?: OutboxEnvelope,
  ): PreparedEntries {
    const vault = this.context.vault();
    const writes: RecordWrite[] = [];
    const entries: OutboxEntry[] = [];
    for (const peerId of new Set(peerIds)) {
      const seq = reserved.get(peerId) ?? this.peers.get(peerId)?.nextSeq ?? 0;
      if (seq > maxOutboxSeq) throw new RangeError(`outbox for ${peerId} is full`);
      reserved.set(peerId, seq + 1);
      const record: OutboxRecord = {
        v: recordFormatVersion,
        conversationId,
        messageId: message.id,
        index,
        text: message.text,
        sentAt: message.sentAt,
        ...(message.meta !== undefined ? { meta: message.meta } : {}),
        ...(envelope ? { envelope } : {}),
      };
      const key = outboxRecordKey(peerId, seq);
      writes.push({ key, value: vault.seal(key, record) });
      entries.push(entryOf(peerId, seq, record));
    }
    return {
      writes,
      commit: () => {
        for (const entry of entries) {
          this.add(entry);
          if (this.underWay.get(entry.peerId)?.get(entry.messageId)?.acknowledged) {
            this.remove(entry.peerId, this.queueOf(entry.peerId), entry.seq);
            this.context.scheduleFlush();
          }
        }
      },
    };
  }

  /** Keys of every pending entry of `conversationId`, for deleting a conversation. */
  keysOfConversation(conversationId: string): string[] {
    return this.entriesOfConversation(conversationId).map((entry) => outboxRecordKey(entry.peerId, entry.seq));
  }

  /** Every pending entry of `conversationId`, each peer's in order (for moving a conversation). */
  entriesOfConversation(conversationId: string): OutboxEntry[] {
    const entries: OutboxEntry[] = [];
    for (const queue of this.peers.values()) {
      for (const entry of queue.entries.values()) if (entry.conversationId === conversationId) entries.push(entry);
    }
    return entries;
  }

  /** Whether the entry at (peer, seq) is still unacknowledged. */
  isPending(peerId: string, seq: number): boolean {
    return this.peers.get(peerId)?.entries.has(seq) ?? false;
  }

  /** After a conversation's deletion committed. */
  forgetConversation(conversationId: string): void {
    for (const queue of this.peers.values()) {
      for (const [seq, entry] of queue.entries) {
        if (entry.conversationId !== conversationId) continue;
        this.uncount(entry);
        queue.entries.delete(seq);
        queue.bySeqOfMessage.delete(entry.messageId);
      }
    }
  }

  get hasPendingRemovals(): boolean {
    return this.pendingRemovals.size > 0;
  }

  /** For the flush: removals of acknowledged entries; `failed` puts them back for the next flush. */
  takeFlush(): { writes: RecordWrite[]; failed(): void } {
    const keys = [...this.pendingRemovals];
    this.pendingRemovals.clear();
    return {
      writes: keys.map((key) => ({ key, remove: true }) as const),
      failed: () => {
        for (const key of keys) this.pendingRemovals.add(key);
      },
    };
  }

  /** At unlock: every outbox record. An unreadable one is reported and left in place (its seq stays taken). */
  async load(report: HealthReport): Promise<void> {
    const vault = this.context.vault();
    const keys = await this.context.backend.keys(outboxKeyPrefix);
    const values = await this.context.backend.getMany(keys);
    keys.forEach((key, i) => {
      const parsed = parseOutboxKey(key);
      if (!parsed) return;
      const queue = this.queueOf(parsed.peerId);
      queue.nextSeq = Math.max(queue.nextSeq, parsed.seq + 1);
      const opened = vault.open(key, values[i], isOutboxRecord);
      if (!opened.ok) report.skipped({ key, reason: opened.reason });
      else this.add(entryOf(parsed.peerId, parsed.seq, opened.value));
    });
  }

  clear(): void {
    this.peers.clear();
    this.waiting.clear();
    this.pendingRemovals.clear();
    this.underWay.clear();
  }

  /** Takes an acknowledged entry out of memory; its record goes with the next flush, its message is delivered. */
  private remove(peerId: string, queue: PeerQueue, seq: number): OutboxEntry {
    const entry = queue.entries.get(seq)!;
    queue.entries.delete(seq);
    queue.bySeqOfMessage.delete(entry.messageId);
    this.pendingRemovals.add(outboxRecordKey(peerId, seq));
    // Delivered once every peer has it ("delivered to 1 of 2" is delivery's to say).
    if (this.uncount(entry) === 0) this.onDelivered(entry);
    return entry;
  }

  /** One peer's entry for `messageId` is gone: how many are left. */
  private uncount(entry: OutboxEntry): number {
    const key = waitingKey(entry.conversationId, entry.messageId);
    const left = (this.waiting.get(key) ?? 1) - 1;
    if (left > 0) this.waiting.set(key, left);
    else this.waiting.delete(key);
    return left;
  }

  private queueOf(peerId: string): PeerQueue {
    let queue = this.peers.get(peerId);
    if (!queue) this.peers.set(peerId, (queue = { entries: new Map(), bySeqOfMessage: new Map(), nextSeq: 0 }));
    return queue;
  }

  private add(entry: OutboxEntry): void {
    const queue = this.queueOf(entry.peerId);
    const key = waitingKey(entry.conversationId, entry.messageId);
    if (!queue.entries.has(entry.seq)) this.waiting.set(key, (this.waiting.get(key) ?? 0) + 1);
    queue.entries.set(entry.seq, entry);
    queue.bySeqOfMessage.set(entry.messageId, entry.seq);
    queue.nextSeq = Math.max(queue.nextSeq, entry.seq + 1);
  }
}

function waitingKey(conversationId: string, messageId: string): string {
  return `${conversationId}\u0000${messageId}`;
}

function entryOf(peerId: string, seq: number, record: OutboxRecord): OutboxEntry {
  return Object.freeze({
    peerId,
    seq,
    conversationId: record.conversationId,
    messageId: record.messageId,
    index: record.index,
    text: record.text,
    sentAt: record.sentAt,
    ...(record.meta !== undefined ? { meta: Object.freeze({ ...record.meta }) } : {}),
    ...(record.envelope !== undefined ? { envelope: Object.freeze({ ...record.envelope }) } : {}),
  });
}
