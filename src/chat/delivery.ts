// Exactly-once delivery of messages between this device and its contacts, over whichever sessions are open.
//
// Sending: a new message is shown at once, sent at once when its contact is online, and written in the same
// moment (one transaction: the message, its id in the conversation's id index, and its outbox entry). It stays
// in the outbox until the contact ACKNOWLEDGES it as stored. Every session that opens for a contact gets every
// unacknowledged message again, in order, whatever the last connection reached; a message sent on a live session
// and not acknowledged within resendAfterMs is sent again on it (a frame dropped by the peer's budget, or a path
// that died silently while the channel still read "open").
//
// Receiving: the frames of a burst are gathered while a write is in flight and written together (one
// transaction, which also finds ids the conversation already has: a resend is acknowledged, never stored
// twice); then they are shown, and acknowledged in as few ack frames as possible. An ack therefore always means
// "stored on the peer's device". A crash before the write loses nothing: the sender still has the message and
// sends it again.
//
// Untrusted input: frames arrive validated (frames.ts) and budgeted (peer-session.ts). Here a frame is checked
// against its session (the conversation must be the session's own), times are judged against this device's clock
// (chat-message.ts plausibleSentAt), and a conversation over its storage quota refuses new messages, telling the
// sender, which keeps them.
import { isTincanError, TincanError, type ErrorCode } from '../errors';
import { Emitter } from '../events';
import { toBase64Url } from '../crypto/bytes';
import type { MessageState, StoredMessage } from '../store/records';
import { defaultConversationQuotaBytes } from './budget';
import { plausibleSentAt, type ChatMessage } from './chat-message';
import { maxAckIds, maxMessageChars, type Frame } from './frames';
import type { ChatFrame, PeerSession } from './peer-session';

/** A message sent on a live session and not acknowledged by then is sent again on it. */
export const resendAfterMs = 15_000;
/** How often a live session's unacknowledged messages are looked at. */
const resendCheckMs = 5_000;

export type AppendOutcome = { readonly index: number } | { readonly duplicate: true };

/** What delivery needs from the conversation log (store/conversation-log.ts). */
export interface LogPort {
  append(conversationId: string, messages: readonly StoredMessage[], options?: { readonly outboxFor?: readonly string[] }): Promise<readonly AppendOutcome[]>;
  setStates(conversationId: string, updates: readonly { readonly id: string; readonly state: MessageState }[]): void;
  usageBytes(conversationId: string): number;
}

export interface OutboxEntryView {
  readonly conversationId: string;
  readonly messageId: string;
  readonly text: string;
  readonly sentAt: number;
}

/** What delivery needs from the outbox (store/outbox.ts). */
export interface OutboxPort {
  pending(peerId: string): readonly OutboxEntryView[];
  acknowledge(peerId: string, messageIds: readonly string[]): readonly { readonly conversationId: string; readonly messageId: string }[];
}

export interface DeliveryEvents {
  /** A message to show: our own at once, an incoming one once stored. */
  added: { conversationId: string; message: ChatMessage };
  /** Messages moved on: sent, delivered, refused. */
  states: { conversationId: string; updates: readonly { id: string; state: ChatMessage['state']; index?: number }[] };
  typing: { conversationId: string; active: boolean };
  /** The peer's device refused messages (no room): say so where they wait. */
  refused: { conversationId: string; reason: 'quota' };
  /** This device refused a contact's messages: its conversation is over quota. */
  'quota-reached': { conversationId: string };
  /** The peer announced a renewed DTLS certificate. */
  certificate: { contactId: string; fingerprint: string };
  /** A storage failure to tell the person about. */
  error: { code: ErrorCode; conversationId?: string };
}

export interface DeliveryOptions {
  log: LogPort;
  outbox: OutboxPort;
  now?: () => number;
  randomId?: () => string;
  /** Storage one conversation may use before its new incoming messages are refused. */
  quotaBytes?: (conversationId: string) => number;
}

interface Outgoing {
  readonly conversationId: string;
  readonly peerId: string;
  readonly frame: Extract<Frame, { type: 'message' }>;
  /** The outbox entry is written (acks can be resolved by the outbox). */
  stored: boolean;
  /** An ack arrived before the write finished. */
  ackedEarly: boolean;
  /** The session it was last sent on, and when. */
  sentOn?: PeerSession;
  sentAt?: number;
}

interface Incoming {
  readonly session: PeerSession;
  readonly conversationId: string;
  readonly message: StoredMessage;
}

export function randomMessageId(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(12)));
}

export class Delivery extends Emitter<DeliveryEvents> {
  private readonly now: () => number;
  private readonly randomId: () => string;
  private readonly quotaBytes: (conversationId: string) => number;
  /** Outgoing messages whose ack has not been seen by this page (written or still being written). */
  private readonly outgoing = new Map<string, Outgoing>();
  /** Incoming messages waiting for the write in flight, per conversation. */
  private readonly incoming = new Map<string, Incoming[]>();
  private readonly writing = new Set<string>();
  private readonly sessions = new Set<PeerSession>();
  private resendTimer?: ReturnType<typeof setInterval>;
  /** Unknown ids in acks, refused frames from the wrong conversation: counted, never acted on. */
  readonly ignored = { unknownAcks: 0, wrongConversation: 0 };

  constructor(private readonly options: DeliveryOptions) {
    super();
    this.now = options.now ?? Date.now;
    this.randomId = options.randomId ?? randomMessageId;
    this.quotaBytes = options.quotaBytes ?? (() => defaultConversationQuotaBytes);
  }

  /** An open session: its frames come here, and everything its contact has not acknowledged goes out again. */
  attach(session: PeerSession): void {
    if (this.sessions.has(session) || session.state !== 'open') return;
    this.sessions.add(session);
    session.on('frame', (frame) => this.receive(session, frame));
    session.on('closed', () => {
      this.sessions.delete(session);
      if (!this.sessions.size) this.stopResendTimer();
    });
    this.resendAll(session);
    this.resendTimer ??= setInterval(() => this.resendStale(), resendCheckMs);
  }

  /**
   * Sends a text in a two-person conversation (stored under the contact's id): shown at once, on the wire at
   * once if the contact is online, on disk in the same moment. Resolves when it is stored.
   */
  async send(contactId: string, text: string, session: PeerSession | undefined): Promise<ChatMessage> {
    if (text.length > maxMessageChars) throw new TincanError('MESSAGE_TOO_LONG', `${text.length} > ${maxMessageChars}`);
    const id = this.randomId();
    const sentAt = this.now();
    const conversation = session?.conversationId;
    const frame = conversation ? ({ type: 'message', conversation, id, text, sentAt } as const) : undefined;
    const entry: Outgoing = { conversationId: contactId, peerId: contactId, frame: frame ?? { type: 'message', conversation: '', id, text, sentAt }, stored: false, ackedEarly: false };
    this.outgoing.set(id, entry);
    const isSent = !!(frame && session && this.sendOn(session, entry));
    const shown: ChatMessage = { id, direction: 'out', text, sentAt, state: isSent ? 'sent' : 'waiting' };
    this.emit('added', { conversationId: contactId, message: shown });
    const record: StoredMessage = { id, direction: 'out', text, sentAt, state: 'waiting' };
    let outcome: AppendOutcome | undefined;
    try {
      [outcome] = await this.options.log.append(contactId, [record], { outboxFor: [contactId] });
    } catch (error) {
      this.outgoing.delete(id);
      throw error;
    }
    entry.stored = true;
    const index = outcome && 'index' in outcome ? outcome.index : undefined;
    if (entry.ackedEarly) {
      this.acknowledge(contactId, [id]);
    } else {
      if (isSent) this.options.log.setStates(contactId, [{ id, state: 'sent' }]);
      // The contact came online while the write was in flight: it got the outbox without this message.
      const live = this.liveSessionFor(contactId);
      if (live && entry.sentOn !== live) this.sendOn(live, entry);
    }
    if (index !== undefined) this.emit('states', { conversationId: contactId, updates: [{ id, state: entry.ackedEarly ? 'delivered' : shown.state, index }] });
    return { ...shown, ...(index !== undefined ? { index } : {}) };
  }

  /**
   * What was said with one contact now belongs to another ("Bob on a new device": the store moved the messages
   * and outbox entries already): acks from the earlier contact's session resolve them from now on.
   */
  reassign(fromContactId: string, toContactId: string): void {
    for (const [id, entry] of this.outgoing) {
      if (entry.peerId !== fromContactId) continue;
      this.outgoing.set(id, { ...entry, peerId: toContactId, conversationId: toContactId });
    }
  }

  /** Stops timers; sessions are closed by their owner. */
  dispose(): void {
    this.stopResendTimer();
    this.sessions.clear();
    this.outgoing.clear();
    this.incoming.clear();
    this.removeAllListeners();
  }

  // ------------------------------------------------------------------------------------------------------------
  // Receiving

  private receive(session: PeerSession, frame: ChatFrame): void {
    const contactId = session.contactId!;
    if (frame.type === 'cert') {
      this.emit('certificate', { contactId, fingerprint: frame.fingerprint });
      return;
    }
    if (frame.conversation !== session.conversationId) {
      // Another conversation (a group this device is not in yet, or a confused peer): not this session's to file.
      this.ignored.wrongConversation++;
      return;
    }
    switch (frame.type) {
      case 'message':
        return this.queueIncoming(session, contactId, frame);
      case 'ack':
        return this.acknowledge(contactId, frame.ids);
      case 'typing':
        return this.emit('typing', { conversationId: contactId, active: frame.active });
      case 'refused':
        return this.handleRefused(contactId, frame.ids);
    }
  }

  private queueIncoming(session: PeerSession, conversationId: string, frame: Extract<Frame, { type: 'message' }>): void {
    const receivedAt = this.now();
    const message: StoredMessage = {
      id: frame.id,
      direction: 'in',
      text: frame.text,
      sentAt: plausibleSentAt(frame.sentAt, receivedAt),
      receivedAt,
      state: 'delivered',
    };
    const queue = this.incoming.get(conversationId) ?? [];
    queue.push({ session, conversationId, message });
    this.incoming.set(conversationId, queue);
    if (!this.writing.has(conversationId)) void this.writeIncoming(conversationId);
  }

  /** Writes everything queued for the conversation in one transaction, then shows and acknowledges it; repeats
   * while more arrived during the write (a burst becomes a few large writes, not one per message). */
  private async writeIncoming(conversationId: string): Promise<void> {
    this.writing.add(conversationId);
    try {
      for (;;) {
        const batch = this.incoming.get(conversationId);
        if (!batch?.length) return;
        this.incoming.delete(conversationId);
        await this.storeBatch(conversationId, batch);
      }
    } finally {
      this.writing.delete(conversationId);
    }
  }

  private async storeBatch(conversationId: string, batch: Incoming[]): Promise<void> {
    // The same id twice in one burst (a replayed datagram): stored once, acknowledged once.
    const unique = new Map<string, Incoming>();
    for (const item of batch) if (!unique.has(item.message.id)) unique.set(item.message.id, item);
    const items = [...unique.values()];
    const bytes = items.reduce((sum, item) => sum + item.message.text.length * 2 + 200, 0);
    if (this.options.log.usageBytes(conversationId) + bytes > this.quotaBytes(conversationId)) {
      this.refuse(conversationId, items);
      return;
    }
    let outcomes: readonly AppendOutcome[];
    try {
      outcomes = await this.options.log.append(conversationId, items.map((item) => item.message));
    } catch (error) {
      if (isTincanError(error, 'STORAGE_QUOTA')) {
        this.refuse(conversationId, items);
      } else {
        // Not acknowledged: the sender keeps them and sends them again.
        this.emit('error', { code: isTincanError(error) ? error.code : 'STORAGE_UNAVAILABLE', conversationId });
      }
      return;
    }
    items.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome && 'index' in outcome) this.emit('added', { conversationId, message: { ...item.message, index: outcome.index } });
    });
    this.sendIds(items, (conversation, ids) => ({ type: 'ack', conversation, ids }));
  }

  private refuse(conversationId: string, items: readonly Incoming[]): void {
    this.emit('quota-reached', { conversationId });
    this.sendIds(items, (conversation, ids) => ({ type: 'refused', conversation, ids, reason: 'quota' }));
  }

  /** One frame per session per maxAckIds ids. */
  private sendIds(items: readonly Incoming[], make: (conversation: string, ids: string[]) => Frame): void {
    const bySession = new Map<PeerSession, string[]>();
    for (const item of items) bySession.set(item.session, [...(bySession.get(item.session) ?? []), item.message.id]);
    for (const [session, ids] of bySession) {
      const conversation = session.conversationId;
      if (!conversation) continue;
      for (let i = 0; i < ids.length; i += maxAckIds) session.send(make(conversation, ids.slice(i, i + maxAckIds)));
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // Acknowledgements

  private acknowledge(contactId: string, ids: readonly string[]): void {
    const early: string[] = [];
    const known: string[] = [];
    for (const id of ids) {
      const entry = this.outgoing.get(id);
      if (entry && entry.peerId !== contactId) continue; // another contact's message: not theirs to acknowledge
      if (entry && !entry.stored) {
        entry.ackedEarly = true;
        early.push(id);
        continue;
      }
      known.push(id);
    }
    const found = known.length ? this.options.outbox.acknowledge(contactId, known) : [];
    this.ignored.unknownAcks += known.length - found.length;
    const byConversation = new Map<string, { id: string; state: 'delivered' }[]>();
    for (const { conversationId, messageId } of found) {
      this.outgoing.delete(messageId);
      byConversation.set(conversationId, [...(byConversation.get(conversationId) ?? []), { id: messageId, state: 'delivered' }]);
    }
    for (const id of early) {
      const entry = this.outgoing.get(id)!;
      byConversation.set(entry.conversationId, [...(byConversation.get(entry.conversationId) ?? []), { id, state: 'delivered' }]);
    }
    for (const [conversationId, updates] of byConversation) this.emit('states', { conversationId, updates });
  }

  private handleRefused(contactId: string, ids: readonly string[]): void {
    const updates = ids.filter((id) => this.outgoing.get(id)?.peerId === contactId).map((id) => ({ id, state: 'refused' as const }));
    for (const { id } of updates) {
      // Not sent again on this session: the peer said it has no room. The next session tries again.
      const entry = this.outgoing.get(id)!;
      entry.sentAt = Number.POSITIVE_INFINITY;
    }
    if (updates.length) {
      this.emit('states', { conversationId: contactId, updates });
      this.emit('refused', { conversationId: contactId, reason: 'quota' });
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // Sending and resending

  private sendOn(session: PeerSession, entry: Outgoing): boolean {
    const conversation = session.conversationId;
    if (!conversation) return false;
    const frame = { ...entry.frame, conversation };
    if (!session.send(frame)) return false;
    entry.sentOn = session;
    entry.sentAt = this.now();
    return true;
  }

  /** A new session for a contact: everything it has not acknowledged, oldest first. */
  private resendAll(session: PeerSession): void {
    const contactId = session.contactId!;
    const sent: { conversationId: string; id: string }[] = [];
    for (const pending of this.options.outbox.pending(contactId)) {
      let entry = this.outgoing.get(pending.messageId);
      if (!entry) {
        entry = {
          conversationId: pending.conversationId,
          peerId: contactId,
          frame: { type: 'message', conversation: '', id: pending.messageId, text: pending.text, sentAt: pending.sentAt },
          stored: true,
          ackedEarly: false,
        };
        this.outgoing.set(pending.messageId, entry);
      }
      if (this.sendOn(session, entry)) sent.push({ conversationId: pending.conversationId, id: pending.messageId });
    }
    this.reportSent(sent);
  }

  private resendStale(): void {
    const now = this.now();
    const sent: { conversationId: string; id: string }[] = [];
    for (const entry of this.outgoing.values()) {
      if (!entry.stored || entry.sentAt === undefined || now - entry.sentAt < resendAfterMs) continue;
      const live = this.liveSessionFor(entry.peerId);
      if (live && this.sendOn(live, entry)) sent.push({ conversationId: entry.conversationId, id: entry.frame.id });
    }
    this.reportSent(sent);
  }

  private reportSent(sent: readonly { conversationId: string; id: string }[]): void {
    const byConversation = new Map<string, { id: string; state: 'sent' }[]>();
    for (const { conversationId, id } of sent) byConversation.set(conversationId, [...(byConversation.get(conversationId) ?? []), { id, state: 'sent' }]);
    for (const [conversationId, updates] of byConversation) {
      this.options.log.setStates(conversationId, updates);
      this.emit('states', { conversationId, updates });
    }
  }

  private liveSessionFor(contactId: string): PeerSession | undefined {
    for (const session of this.sessions) if (session.contactId === contactId && session.state === 'open') return session;
    return undefined;
  }

  private stopResendTimer(): void {
    clearInterval(this.resendTimer);
    this.resendTimer = undefined;
  }
}
