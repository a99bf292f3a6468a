// Exactly-once delivery of messages to every member of a conversation, by whichever carrier reaches each member
// (carrier.ts: their own live session, or another member's).
//
// Sending: a new message is sealed once for its conversation (an end-to-end envelope under this device's current
// sender chain, signed: crypto/envelope.ts), shown at once, handed at once to a carrier for each member that one
// reaches, and written in the same moment (one transaction: the message, its id in the conversation's id index,
// and one outbox entry per member holding the envelope). An entry stays until ITS member acknowledges the message
// as stored, with an ack that member signed: no carrier can fake "Delivered". A message is "Delivered" once every
// member has; before that the state says how many of how many. Every carrier that comes up for a member gets that
// member's unacknowledged envelopes again, in order; an envelope handed on and not acknowledged within
// resendAfterMs is handed on again (a frame dropped by a budget, a path that died silently). An envelope a mailbox
// took reads "Held" (markHeld) until the member's ack: a state stored with the message like "Sent" (same flush), read
// back when delivery opens, so a reload still says so, and a carrier handing it on again does not undo it.
//
// Receiving: an envelope must be signed by a member of the conversation it names (a direct one by the session's own
// peer), and opens only with that member's sender chain (handed over their direct session, chain-keeper.ts). The
// envelopes of a burst are gathered while a write is in flight and written together (one transaction, which also
// finds ids the conversation already has: a resend is acknowledged, never stored twice); then shown, their message
// keys erased, and acknowledged in as few signed acks as possible, by any carrier back to their sender. An envelope
// whose key was already erased was stored before: it is acknowledged again. A crash before the write loses
// nothing: the sender still has the envelope and sends it again.
//
// Untrusted input: frames arrive validated (frames.ts) and budgeted (peer-session.ts). Here every envelope and ack is
// checked against the conversation's members, and its signature when a carrier brought it (on its signer's own
// session, the session proves the signer); times are judged against this device's clock
// (chat-message.ts plausibleSentAt); a conversation over its storage quota refuses new messages, telling the sender.
// What fails a check is counted (`ignored`), never acted on.
//
// Catching up (group-sync.ts): every message carries its sender's number and clock reading (sealed); on every direct
// session the two members swap the highest numbers they stored per sender (`sync`) for each group they share and
// answer with the envelopes they hold for each other, those above the numbers first (`held`, with their message
// keys, then `synced`); those are stored in clock order, acknowledged to their sender by any carrier and to the
// member who brought them, who passes the ack on; only that signed ack lets a holder release an envelope. A member may also hold a two-person envelope for an away contact of a fellow member (opt-in).
import { isTincanError, TincanError, type ErrorCode } from '../errors';
import { Emitter } from '../events';
import { fromBase64Url, toBase64Url } from '../crypto/bytes';
import { openEnvelope, openEnvelopeWithKey, sealEnvelope, signAck, verifyAck, verifyEnvelope, type Envelope, type OpenedEnvelope, type SignedAck } from '../crypto/envelope';
import type { Identity } from '../crypto/identity';
import type { OutgoingChain } from '../crypto/sender-chain';
import { getSodium, type Sodium } from '../crypto/sodium';
import type { MessageState, StoredMessage } from '../store/records';
import { defaultConversationQuotaBytes, TokenBucket, type BucketLimits } from './budget';
import { MemberCarrier, SessionCarrier, type Carrier } from './carrier';
import { handoffOf, type ChainKeeper } from './chain-keeper';
import { plausibleSentAt, type ChatMessage, type DeliveryCount } from './chat-message';
import type { Conversation, ConversationDirectory } from './conversation-directory';
import { maxAckIds, maxMessageChars, type AckFrame, type CarriedItem, type EnvelopeFrame } from './frames';
import { heldKeyOf, keyText, type GroupSync, type StoredItem } from './group-sync';
import type { ChatFrame, PeerSession } from './peer-session';
import { groupOfferFrame, type GroupFileOffer, type GroupOfferFrame } from './files/group-file';

/** A message handed to a carrier and not acknowledged by then is handed on again. */
export const resendAfterMs = 15_000;
/** How often unacknowledged messages are looked at. */
const resendCheckMs = 5_000;
/** Chain steps a sender's envelopes may make this device compute (each a hash or two): a jump far ahead is refused
 * past this, so a member cannot keep this page hashing. Honest envelopes step one at a time. */
const chainStepBudget: BucketLimits = { perSecond: 10_000, burst: 20_000 };
/** New chains a peer may hand over: each is a vault write. A session's first handoffs are a few per conversation. */
const chainFrameBudget: BucketLimits = { perSecond: 4, burst: 64 };
/** Items a peer may ask this device to carry: its own envelopes and acks for a member it cannot reach. */
const forwardBudget: BucketLimits = { perSecond: 200, burst: 1_000 };
/** `sync` frames a peer may send (each makes this device look through what it holds): a few per shared group. An honest
 * member sends one per shared group as its session opens; whatever it sends, each held envelope is handed to it at most
 * once per session (a repeated sync costs a look, not the whole answer again). */
const syncBudget: BucketLimits = { perSecond: 2, burst: 64 };
/** Held envelopes a peer may bring (each a signature check): a catch-up of a few thousand passes at once. */
const heldBudget: BucketLimits = { perSecond: 500, burst: 5_000 };
/** Held envelopes kept back per session until its `synced` (to store them in clock order); past it they go on. */
const maxCatchUpBuffer = 5_000;
/** Most received messages of one conversation stored in one write. A batch is sealed in one task (~0.3 ms a message
 * in a flood), so this bounds the page's longest task; a flood of 3,000 had one of 776 ms (bench/RESULTS.md, issue 17,
 * third pass). */
export const maxIncomingBatch = 64;
/** Longest a member's messages are kept back waiting for its `synced`. */
const maxCatchUpWaitMs = 10_000;
/** Fellow members an item is handed through at once when none is known to reach its member (Delivery.carry). */
const maxMemberProbes = 2;
/** Items remembered as handed through one fellow member's session (marks): past this, the oldest are forgotten, and
 * such an item may go through that member once more (the target drops a copy it has). Bounds a long session. */
export const maxTriedThroughMarks = 4096;
/** A member is said to be reached through another for this long after its latest item came that way. */
export const reachedViaMs = 10 * 60_000;
const groupMessageIdDomain = 'tincan/group-message/v1';

export type AppendOutcome = { readonly index: number } | { readonly duplicate: true };

/** What delivery needs from the conversation log (store/conversation-log.ts). */
export interface LogPort {
  append(
    conversationId: string,
    messages: readonly StoredMessage[],
    options?: { readonly outboxFor?: readonly string[]; readonly envelopes?: ReadonlyMap<string, Readonly<Record<string, string | number>>> },
  ): Promise<readonly AppendOutcome[]>;
  setStates(conversationId: string, updates: readonly { readonly id: string; readonly state: MessageState }[]): void;
  usageBytes(conversationId: string): number;
  /** Each conversation's last message (its clock reading: where the clock resumes after a crash). */
  summaries(): readonly { readonly lastMessage?: { readonly meta?: { readonly [key: string]: unknown } } }[];
  /** Unacknowledged outgoing messages a mailbox holds (stored `held`): read once when delivery opens. */
  heldOutgoing(): Promise<readonly { readonly conversationId: string; readonly id: string }[]>;
}

export interface OutboxEntryView {
  readonly conversationId: string;
  readonly messageId: string;
  readonly text: string;
  readonly sentAt: number;
  /** The sealed envelope (absent in entries written before envelopes: sealed when first resent). */
  readonly envelope?: unknown;
}

/** What delivery needs from the outbox (store/outbox.ts). */
export interface OutboxPort {
  pending(peerId: string): readonly OutboxEntryView[];
  acknowledge(peerId: string, messageIds: readonly string[]): readonly { readonly conversationId: string; readonly messageId: string }[];
  /** Members still waiting for the message (0: every member has it). */
  waitingMembers(conversationId: string, messageId: string): number;
}

export type StateUpdate = { id: string; state: ChatMessage['state']; index?: number; delivery?: DeliveryCount };

export interface DeliveryEvents {
  /** A message to show: our own at once, an incoming one once stored. */
  added: { conversationId: string; message: ChatMessage };
  /** Messages moved on: sent, delivered (to some or all members), refused. */
  states: { conversationId: string; updates: readonly StateUpdate[] };
  /** `from`: the member typing (its contact id). */
  typing: { conversationId: string; active: boolean; from?: string };
  /** The peer's device refused messages (no room): say so where they wait. */
  refused: { conversationId: string; reason: 'quota' };
  /** This device refused a contact's messages: its conversation is over quota. */
  'quota-reached': { conversationId: string };
  /** The peer announced a renewed DTLS certificate. */
  certificate: { contactId: string; fingerprint: string };
  /** The peer told its mailbox's code (docs/mailbox.md): messages for it may be left there while it is away; no code:
   * forget the one it told (its owner turned "Let <name> use my mailbox" off). */
  mailbox: { contactId: string; code?: string };
  /** A storage failure to tell the person about. */
  error: { code: ErrorCode; conversationId?: string };
  /** Whether a member is reached through another member (`reachedVia`) changed. */
  reach: { contactId: string };
  /** A member offered a file to a group (chat/files/group-file.ts), stored here as new: each member pulls it. `from`:
   * the sender's contact id; `fromKey`: its identity key. */
  'group-file': { conversationId: string; from: string; fromKey: string; offer: GroupOfferFrame };
}

export interface DeliveryOptions {
  identity: Identity;
  log: LogPort;
  outbox: OutboxPort;
  directory: ConversationDirectory;
  chains: Promise<ChainKeeper>;
  /** Numbering, clock and what is held for away members (group-sync.ts). */
  sync: Promise<GroupSync>;
  /** The pinned identity key (base64url) of a contact. */
  keyOfContact(contactId: string): string | undefined;
  /** The contact whose current identity key is `keyId` (base64url), if any. */
  contactOfKey(keyId: string): string | undefined;
  now?: () => number;
  randomId?: () => string;
  /** Storage one conversation may use before its new incoming messages are refused. */
  quotaBytes?: (conversationId: string) => number;
}

interface Outgoing {
  readonly conversationId: string;
  readonly envelope: EnvelopeFrame;
  readonly members: readonly string[];
  /** The outbox entries are written (acks can be resolved by the outbox). */
  stored: boolean;
  /** Members whose ack arrived before the write finished. */
  readonly ackedEarly: Set<string>;
  /** When it was last handed on to each member not known to have it. */
  readonly handedAt: Map<string, number>;
  /** A mailbox holds it (markHeld, or stored `held` before a reload): shown and stored as held until acknowledged,
   * also when the write finishes after the mailbox answered and when another carrier hands it on again. */
  isHeld?: boolean;
}

interface Incoming {
  readonly sender: string;
  readonly message: StoredMessage;
  readonly envelope: Envelope;
  /** Number, place (bounded clock reading) and, in a group, message key: what is held for away members. */
  readonly seq?: number;
  readonly order?: number;
  readonly key?: Uint8Array;
  /** The member who brought it, when not its sender's own session (also told by ack). */
  readonly via?: PeerSession;
  /** `via` brought it live (not in its session's opening catch-up): once stored as new, the sender is reached
   * through that member (`reachedVia`). */
  readonly live?: boolean;
  /** A group's file offer (group-file.ts), checked. */
  readonly file?: GroupOfferFrame;
}

export function randomMessageId(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(12)));
}

export class Delivery extends Emitter<DeliveryEvents> {
  private readonly now: () => number;
  private readonly randomId: () => string;
  private readonly quotaBytes: (conversationId: string) => number;
  private sodium?: Sodium;
  private chains?: ChainKeeper;
  private sync?: GroupSync;
  /** Resolves once libsodium and the chains are loaded: sessions are opened and messages sealed after it. */
  readonly ready: Promise<void>;
  /** Outgoing messages some member has not acknowledged to this page (written or still being written). */
  private readonly outgoing = new Map<string, Outgoing>();
  /** Messages stored as `held` when delivery opened (conversation, NUL, id), until their entries are rebuilt. */
  private heldAtOpen?: Set<string>;
  /** Incoming messages waiting for the write in flight, per conversation (local id). */
  private readonly incoming = new Map<string, Incoming[]>();
  private readonly writing = new Set<string>();
  private readonly carriers = new Set<Carrier>();
  private readonly sessions = new Set<PeerSession>();
  private readonly stepBudgets = new Map<string, TokenBucket>();
  private readonly chainBudgets = new WeakMap<PeerSession, TokenBucket>();
  private readonly forwardBudgets = new WeakMap<PeerSession, TokenBucket>();
  private readonly syncBudgets = new WeakMap<PeerSession, TokenBucket>();
  private readonly heldBudgets = new WeakMap<PeerSession, TokenBucket>();
  /** Held envelopes (heldKeyOf) handed to each session's member: none goes twice on one session. */
  private readonly handedHeld = new WeakMap<PeerSession, Set<string>>();
  /** Held envelopes a member sent, kept until its `synced` for the conversation (then stored in clock order). */
  private readonly catchUp = new WeakMap<PeerSession, Map<string, Incoming[]>>();
  /** The members of each conversation as last seen, to tell who a membership change removed. */
  private readonly membersOf = new Map<string, readonly string[]>();
  private resendTimer?: ReturnType<typeof setInterval>;
  private disposed = false;
  /** What failed a check: counted, never acted on. */
  readonly ignored = { unknownAcks: 0, wrongConversation: 0, forged: 0, unreadable: 0, unroutable: 0 };
  /** Items this device carried for other members. */
  forwarded = 0;
  /** Carriers through a fellow group member to members with no session here (startSync): it may not reach them. */
  private readonly throughMembers = new Set<Carrier>();
  /** What each of them was handed already (member and item): an item goes through a fellow member once. */
  private readonly triedThrough = new WeakMap<Carrier, Set<string>>();
  /** Members whose items came live through another member's session: whose, and when the latest came. */
  private readonly reachedThrough = new Map<string, { readonly via: string; readonly at: number; readonly timer: ReturnType<typeof setTimeout> }>();

  constructor(private readonly options: DeliveryOptions) {
    super();
    this.now = options.now ?? Date.now;
    this.randomId = options.randomId ?? randomMessageId;
    this.quotaBytes = options.quotaBytes ?? (() => defaultConversationQuotaBytes);
    // A held mark that cannot be read only shows "Sent" again: delivery goes on without it.
    const held = options.log.heldOutgoing().catch(() => []);
    this.ready = Promise.all([getSodium(), options.chains, options.sync, held]).then(([sodium, chains, sync, marks]) => {
      this.sodium = sodium;
      this.chains = chains;
      this.sync = sync;
      // The clock record is written in batches: a crash just after a message was stored may have lost the reading,
      // which the conversation's last message still holds.
      for (const { lastMessage } of options.log.summaries()) sync.resumeClock(lastMessage?.meta?.order);
      this.heldAtOpen = new Set(marks.map(({ conversationId, id }) => heldKey(conversationId, id)));
    });
    this.ready.catch(() => undefined);
    // A group's membership changed: a new chain, handed only to who is in it now (a removed member cannot open
    // what is sent from here on).
    options.directory.on('changed', (conversation) => {
      const before = this.membersOf.get(conversation.id);
      this.membersOf.set(conversation.id, conversation.members);
      if (conversation.kind !== 'group' || !this.chains || this.disposed) return;
      // Not when a group is first seen (loaded at unlock, or just joined): the chain that was live resumes if its
      // members are still these (ChainKeeper.current), and a first message starts one.
      const changed = before && (before.length !== conversation.members.length || before.some((m) => !conversation.members.includes(m)));
      if (changed) this.startChain(conversation).catch(() => undefined);
      this.sync?.membersChanged(conversation.wireId, conversation.members);
      if (before) this.forgetRemoved(conversation, before.filter((m) => !conversation.members.includes(m)));
    });
  }

  /** An open session: it carries to its peer, its frames come here, and its peer gets every chain it needs and
   * everything it has not acknowledged, then a new chain for each conversation they share. */
  attach(session: PeerSession): void {
    const contactId = session.contactId;
    if (this.sessions.has(session) || session.state !== 'open' || !contactId || !this.chains) return;
    this.sessions.add(session);
    const carrier = new SessionCarrier(session);
    this.carriers.add(carrier);
    session.on('frame', (frame) => this.receive(session, frame));
    session.on('closed', () => {
      this.sessions.delete(session);
      this.carriers.delete(carrier);
      if (!this.sessions.size) this.stopResendTimer();
    });
    const shared = this.options.directory.ofMember(contactId);
    for (const conversation of shared) this.handChains(session, conversation);
    // The new chains go out before the resends: a long outbox could take the peer's budget and lose them.
    const started = shared.map((conversation) => this.startChain(conversation));
    this.resendTo(contactId);
    // Entries written before envelopes are sealed with the new chain once it is on disk (the current one goes on
    // sealing if it cannot be written).
    void Promise.all(started).then(
      () => this.resendTo(contactId, { unsealedOnly: true }),
      () => undefined,
    );
    // Another member's carrier may ride on this session.
    for (const other of this.carriers) if (other.via.kind === 'member' && other.via.contactId === contactId) this.resendVia(other);
    this.startSync(session, shared);
    this.resendTimer ??= setInterval(() => this.resendStale(), resendCheckMs);
  }

  /** Whether a common group member may hold this device's envelopes for `contactId` while it is away. */
  heldViaMembers(contactId: string): boolean {
    return this.sync?.heldViaMembers(contactId) ?? false;
  }

  async setHeldViaMembers(contactId: string, on: boolean): Promise<void> {
    await this.ready;
    await this.sync!.setHeldViaMembers(contactId, on);
    // Members connected now may take what waits for the contact.
    if (on) for (const carrier of this.carriers) if (carrier.via.kind === 'member') this.resendVia(carrier);
  }

  /** What this device holds for other members (envelopes, their bytes, acks waiting for their senders). */
  heldUsage(): { envelopes: number; bytes: number; acks: number } {
    return this.sync?.usage() ?? { envelopes: 0, bytes: 0, acks: 0 };
  }

  /**
   * A member's session opened: what we stored per sender goes to it for each group we share (it answers with what it
   * holds above), it gets the two-person envelopes and acks held for it, and it may hold ours for contacts who
   * opted in (two-person envelopes for members of a group it shares with us).
   */
  private startSync(session: PeerSession, shared: readonly Conversation[]): void {
    const sync = this.sync!;
    const member = session.contactId!;
    // Until the member's `synced`, what it sends of each group is kept back, to be stored in clock order with what it
    // held for us (its own resends come first on the session, others' held envelopes after).
    const buffers = new Map<string, Incoming[]>();
    this.catchUp.set(session, buffers);
    const endAll = () => {
      clearTimeout(timer);
      for (const wireId of [...buffers.keys()]) {
        const conversation = this.options.directory.byWireId(wireId);
        if (conversation) this.endCatchUp(session, conversation);
      }
    };
    // A member that never says `synced` (an older version, a hostile one) holds back only its own, and not for long.
    const timer = setTimeout(endAll, maxCatchUpWaitMs);
    session.on('closed', endAll);
    for (const conversation of shared) {
      if (conversation.kind !== 'group') continue;
      buffers.set(conversation.wireId, []);
      session.send({ type: 'sync', conversation: conversation.wireId, seen: sync.seenIn(conversation.wireId) });
    }
    const { envelopes, acks } = sync.carriedFor(member);
    for (const envelope of envelopes) session.send({ type: 'carried', item: { type: 'envelope', ...envelope } });
    for (const ack of acks) session.send({ type: 'carried', item: { type: 'ack', ...ack } });
    const directory = this.options.directory;
    const holds = (target: string) => {
      if (!sync.heldViaMembers(target) || !directory.get(target)) return undefined;
      const common = directory.ofMember(target).some((c) => c.kind === 'group' && c.members.includes(member));
      return common ? this.options.keyOfContact(target) : undefined;
    };
    // Only the two-person conversation with the target: a group's envelopes are held by its members anyway.
    const takes = (target: string, item: CarriedItem) => item.conversation === directory.get(target)?.wireId;
    const sessionOf = (id: string) => (id === member && session.state === 'open' ? session : undefined);
    const carrier = new MemberCarrier(member, sessionOf, holds, takes);
    session.on('closed', this.addCarrier(carrier));
    // Fellow members of a group shared with this member, when they have no session of their own here (two NATs that
    // cannot be traversed): this member carries the group's envelopes and acks to them live (docs/groups.md, "Through
    // a member"). An envelope goes with its message key: they cannot be handed our chain, which travels on direct
    // sessions only, and the carrier, a member too, could read it anyway.
    const sharedGroup = (target: string, wireId: string) => {
      const c = directory.byWireId(wireId);
      return c?.kind === 'group' && c.members.includes(target) && c.members.includes(member);
    };
    const fellow = (target: string) =>
      target !== member && directory.ofMember(target).some((c) => c.kind === 'group' && c.members.includes(member)) ? this.options.keyOfContact(target) : undefined;
    const ownKey = toBase64Url(this.options.identity.publicKey);
    // Only to a target and through a member that were both members when the chain started (a member added later
    // gets no key of what was sealed before it joined).
    const keyFor = (target: string, item: CarriedItem) => {
      if (item.type !== 'envelope' || item.from !== ownKey) return undefined;
      const key = this.chains?.ownMessageKey(item.conversation, item.chain, item.n, [member, target]);
      if (!key) return undefined;
      const text = keyText(key);
      this.sodium!.memzero(key);
      return text;
    };
    const groupCarrier = new MemberCarrier(member, sessionOf, fellow, (target, item) => sharedGroup(target, item.conversation), keyFor);
    this.throughMembers.add(groupCarrier);
    const removeGroupCarrier = this.addCarrier(groupCarrier);
    session.on('closed', () => {
      removeGroupCarrier();
      this.throughMembers.delete(groupCarrier);
    });
  }

  /** Another way of reaching members (a member carrying for others): what waits for them goes out through it. */
  addCarrier(carrier: Carrier): () => void {
    this.carriers.add(carrier);
    // Before delivery is ready the held marks are not known yet: what waits goes out once they are.
    if (this.heldAtOpen) this.resendVia(carrier);
    else void this.ready.then(() => this.carriers.has(carrier) && this.resendVia(carrier), () => undefined);
    this.resendTimer ??= setInterval(() => this.resendStale(), resendCheckMs);
    return () => this.carriers.delete(carrier);
  }

  /** An envelope or ack a carrier without a session brought (a relay): checked as any carried item. */
  receiveCarried(item: CarriedItem): void {
    void this.ready.then(() => {
      if (this.disposed) return;
      if (item.type === 'envelope') this.receiveEnvelope(item);
      else this.receiveAck(item);
    });
  }

  /** A mailbox holds these envelopes for `member`: not handed on again before another carrier comes up (the mailbox
   * keeps them; the member's ack may take days), and in a 1:1 conversation shown as held until the member's ack. A
   * group's message keeps "Delivered to k of n": a mailbox holds it for one member, not for the group. */
  markHeld(member: string, ids: readonly string[]): void {
    const held: Outgoing[] = [];
    for (const id of ids) {
      const entry = this.outgoing.get(id);
      if (!entry || !entry.members.includes(member) || !entry.handedAt.has(member)) continue;
      entry.handedAt.set(member, Number.POSITIVE_INFINITY);
      if (this.options.directory.get(entry.conversationId)?.kind === 'group') continue;
      entry.isHeld = true;
      held.push(entry);
    }
    this.reportHandedOn(held);
  }

  /** Sends a text in a conversation: sealed, shown at once, handed on at once, on disk in the same moment. `file`: a
   * group's file offer (group-file.ts), whose text is the file's name. */
  async send(conversationId: string, text: string, file?: GroupFileOffer): Promise<ChatMessage> {
    if (text.length > maxMessageChars) throw new TincanError('MESSAGE_TOO_LONG', `${text.length} > ${maxMessageChars}`);
    const sentAt = this.now();
    const { frame, hlc } = await this.sealStamped(conversationId, text, sentAt, file);
    const { type: _type, ...sealed } = frame;
    // Who is in it now, after the seal (a member removed meanwhile gets no entry it could never acknowledge).
    const conversation = this.options.directory.get(conversationId);
    if (!conversation) throw new TincanError('NO_CONVERSATION', conversationId);
    const id = sealed.id;
    const entry: Outgoing = {
      conversationId,
      envelope: { type: 'envelope', ...sealed },
      members: conversation.members,
      stored: false,
      ackedEarly: new Set(),
      handedAt: new Map(),
    };
    this.outgoing.set(id, entry);
    const handed = conversation.members.filter((member) => this.handOn(member, entry));
    const shown: ChatMessage = {
      id, direction: 'out', text, sentAt, state: handed.length ? 'sent' : 'waiting', ...countOf(conversation, 0), order: hlc, ...(file ? { groupFileId: file.fileId } : {}),
    };
    this.emit('added', { conversationId, message: shown });
    const record: StoredMessage = { id, direction: 'out', text, sentAt, state: 'waiting', meta: { order: hlc, ...(file ? { fileId: file.fileId } : {}) } };
    let outcome: AppendOutcome | undefined;
    try {
      [outcome] = await this.options.log.append(conversationId, [record], { outboxFor: conversation.members, envelopes: new Map([[id, { ...sealed }]]) });
    } catch (error) {
      this.outgoing.delete(id);
      throw error;
    }
    entry.stored = true;
    const index = outcome && 'index' in outcome ? outcome.index : undefined;
    if (handed.length || entry.isHeld) this.options.log.setStates(conversationId, [{ id, state: entry.isHeld ? 'held' : 'sent' }]);
    // A member whose carrier came up while the write was in flight got the outbox without this message.
    for (const member of conversation.members) if (!entry.handedAt.has(member) && !entry.ackedEarly.has(member)) this.handOn(member, entry);
    for (const member of entry.ackedEarly) this.acknowledge(member, conversation, [id]);
    if (index !== undefined && this.outgoing.has(id)) this.emit('states', { conversationId, updates: [{ id, state: entry.isHeld ? 'held' : shown.state, index }] });
    else if (index !== undefined) this.emit('states', { conversationId, updates: [{ id, state: 'delivered', index }] });
    return { ...shown, ...(index !== undefined ? { index } : {}) };
  }

  /** Seals a text as this device's next message in the conversation (its current chain), for any carrier. */
  async seal(conversationId: string, text: string, sentAt: number): Promise<EnvelopeFrame> {
    return (await this.sealStamped(conversationId, text, sentAt)).frame;
  }

  /** `seal`, and the clock reading sealed in it (where the message sorts). */
  private async sealStamped(conversationId: string, text: string, sentAt: number, file?: GroupFileOffer): Promise<{ frame: EnvelopeFrame; hlc: number }> {
    if (!this.chains) await this.ready;
    const conversation = this.options.directory.get(conversationId);
    if (!conversation) throw new TincanError('NO_CONVERSATION', conversationId);
    const stamp = await this.sync!.stamp(conversation.wireId);
    const header = { conversation: conversation.wireId, id: this.randomId() };
    for (;;) {
      // Its members as they are now: one may have been removed while this waited (review: a chain could start with them).
      const now = this.options.directory.get(conversationId);
      if (!now) throw new TincanError('NO_CONVERSATION', conversationId);
      const chain = await (this.chains!.current(now.wireId, now.members) ?? this.startChain(now));
      // Checked and sealed in one step: messages that waited for the same reservation may have used it up, and the
      // chain must still be the current one (a membership change while this waited retires it).
      if (chain.canSeal && this.chains!.current(now.wireId, this.options.directory.get(conversationId)?.members ?? []) === chain) {
        return { frame: { type: 'envelope', ...sealEnvelope(this.sodium!, this.options.identity, chain, header, { text, sentAt, ...stamp, ...(file ? { file } : {}) }) }, hlc: stamp.hlc };
      }
    }
  }

  /** Typing in a conversation: told to each member on its own live session (never carried). */
  setTyping(conversationId: string, active: boolean): void {
    const conversation = this.options.directory.get(conversationId);
    if (!conversation) return;
    for (const session of this.sessions) {
      if (session.state === 'open' && conversation.members.includes(session.contactId!)) session.send({ type: 'typing', conversation: conversation.wireId, active });
    }
  }

  /**
   * What was said with one contact now belongs to another ("Bob on a new device": the store moved the messages
   * and outbox entries already): acks from the new key resolve them from now on.
   */
  reassign(fromContactId: string, toContactId: string): void {
    for (const [id, entry] of this.outgoing) {
      if (!entry.members.includes(fromContactId) && entry.conversationId !== fromContactId) continue;
      const members = entry.members.map((m) => (m === fromContactId ? toContactId : m));
      this.outgoing.set(id, { ...entry, conversationId: entry.conversationId === fromContactId ? toContactId : entry.conversationId, members });
    }
  }

  /** Writes what the chains keep and what is held for others (lock). */
  async flush(): Promise<void> {
    await Promise.all([this.chains?.flush(), this.sync?.flush()]);
  }

  /** Stops timers; sessions are closed by their owner. */
  dispose(): void {
    this.disposed = true;
    this.stopResendTimer();
    for (const { timer } of this.reachedThrough.values()) clearTimeout(timer);
    this.reachedThrough.clear();
    this.chains?.dispose();
    void this.sync?.flush();
    this.sessions.clear();
    this.carriers.clear();
    this.outgoing.clear();
    this.incoming.clear();
    this.removeAllListeners();
  }

  // ------------------------------------------------------------------------------------------------------------
  // Receiving

  private receive(session: PeerSession, frame: ChatFrame): void {
    const contactId = session.contactId!;
    switch (frame.type) {
      case 'cert':
        return this.emit('certificate', { contactId, fingerprint: frame.fingerprint });
      case 'mailbox':
        return this.emit('mailbox', frame.code === undefined ? { contactId } : { contactId, code: frame.code });
      case 'envelope':
        return this.receiveEnvelope(frame, session);
      case 'ack':
        return this.receiveAck(frame, session);
      case 'carried':
        return frame.item.type === 'envelope' ? this.receiveEnvelope(frame.item, undefined, session) : this.receiveAck(frame.item, undefined, session);
      case 'forward':
        return this.forward(session, frame.to, frame.item, frame.key);
      case 'held':
        return this.receiveHeld(session, frame.item, frame.key);
      case 'group':
      case 'intro':
        return; // group/groups.ts takes these
      case 'relays':
        return; // the relay carrier's (messenger.ts)
    }
    const conversation = this.options.directory.forMember(frame.conversation, contactId);
    if (!conversation) {
      // Another conversation (a group this device is not in yet, or a confused peer): not this peer's to name.
      this.ignored.wrongConversation++;
      return;
    }
    switch (frame.type) {
      case 'chain':
        // Only on the member's own session: the chain is its own (frames.ts).
        if (!this.budgetOf(this.chainBudgets, session, chainFrameBudget).take()) return void this.ignored.unreadable++;
        return this.chains?.accept(toBase64Url(session.peer!.identityKey), frame);
      case 'typing':
        return this.emit('typing', { conversationId: conversation.id, active: frame.active, from: contactId });
      case 'refused':
        return this.handleRefused(contactId, conversation, frame.ids);
      case 'sync':
        if (conversation.kind !== 'group') return void this.ignored.wrongConversation++;
        if (this.budgetOf(this.syncBudgets, session, syncBudget).take()) return this.answerSync(session, conversation, frame.seen);
        this.ignored.unroutable++;
        return void session.send({ type: 'synced', conversation: conversation.wireId });
      case 'synced':
        return this.endCatchUp(session, conversation);
    }
  }

  /**
   * A member says what it stored per sender: it gets what we hold for it, those above that first, in clock order, then
   * `synced`. Only what this session has not handed it yet: a flood of syncs (64 pass the budget at once) cannot make
   * this device seal and send everything it holds 64 times; what it lost on the way comes at its next session.
   */
  private answerSync(session: PeerSession, conversation: Conversation, seen: Readonly<Record<string, number>>): void {
    let handed = this.handedHeld.get(session);
    if (!handed) this.handedHeld.set(session, (handed = new Set()));
    for (const held of this.sync!.answer(conversation.wireId, session.contactId!, seen, handed)) {
      if (!held.key) continue;
      session.send({ type: 'held', item: { type: 'envelope', ...held.envelope }, key: held.key });
      handed.add(heldKeyOf(held.envelope));
    }
    session.send({ type: 'synced', conversation: conversation.wireId });
  }

  /** A group envelope a fellow member held for us, with its key: checked like any carried envelope (its sender's
   * signature; the key must open it), then kept back until the member's `synced`. */
  private receiveHeld(session: PeerSession, envelope: EnvelopeFrame, key: string): void {
    if (!this.options.directory.forMember(envelope.conversation, session.contactId!)) return void this.ignored.wrongConversation++;
    if (!this.budgetOf(this.heldBudgets, session, heldBudget).take()) return void this.ignored.unroutable++;
    this.receiveEnvelope(envelope, undefined, session, fromBase64Url(key));
  }

  /** The catch-up from a member is over (its `synced`, its session closed, or too much kept back): what was kept
   * back is stored in clock order. */
  private endCatchUp(session: PeerSession, conversation: Conversation): void {
    const buffered = this.catchUp.get(session)?.get(conversation.wireId);
    if (!buffered) return;
    this.catchUp.get(session)!.delete(conversation.wireId);
    if (buffered.length) this.queueIncoming(conversation, buffered.sort((a, b) => (a.order ?? 0) - (b.order ?? 0)));
  }

  /**
   * `direct`: the session it came on, which must be its sender's own; absent when a carrier brought it (`via`: the
   * member who did). `key`: its message key, from a member who held it for us (group-sync.ts).
   */
  private receiveEnvelope(envelope: EnvelopeFrame, direct?: PeerSession, via?: PeerSession, key?: Uint8Array): void {
    const sodium = this.sodium!;
    const sender = this.options.contactOfKey(envelope.from);
    const conversation = sender ? this.options.directory.forMember(envelope.conversation, sender) : undefined;
    if (!sender || !conversation) return void this.ignored.wrongConversation++;
    // On the sender's own session the session proved who sent it (the signed Hello, then frames sealed for this
    // session only): its signature is checked when a carrier brings it, where nothing else proves the sender, and
    // for a group's envelopes in any case, since this device holds them for other members, who will check it.
    if (direct && direct.contactId !== sender) return void this.ignored.forged++;
    if ((!direct || conversation.kind === 'group') && !verifyEnvelope(sodium, envelope)) return void this.ignored.forged++;
    let opened: OpenedEnvelope;
    let messageKey = key;
    if (key) {
      opened = openEnvelopeWithKey(sodium, key, envelope);
    } else {
      const chain = this.chains!.incoming(envelope.conversation, envelope.from, envelope.chain);
      // No chain yet: its sender hands it over their next direct session and sends the envelope again after it.
      if (!chain) return void this.ignored.unreadable++;
      const steps = envelope.n + 1 - chain.position;
      if (steps > 0 && !this.stepBudgetOf(envelope.from).take(steps)) return void this.ignored.unreadable++;
      opened = openEnvelope(chain, envelope);
      // In a group, the key is held with the envelope for members who are away (until they have it).
      if (opened.ok && conversation.kind === 'group') messageKey = chain.keyOf(envelope.n);
    }
    if (!opened.ok) {
      // Its key is gone: it was stored before. Acknowledged again, so its sender stops sending it, and to the member
      // who brought it, who may be holding it for this device.
      if (opened.reason === 'consumed') return this.sendAcks(sender, conversation, [envelope.id], via);
      if (opened.reason === 'lost') return void this.ignored.unreadable++;
      return void this.ignored.forged++;
    }
    const { text, sentAt, seq, hlc } = opened.body;
    // Not stored, so not acknowledged (and its key kept): the sender's message shows as waiting, never "Delivered".
    if (!text || text.length > maxMessageChars) return void this.ignored.forged++;
    // A file offer that is not a well-formed one (or not in a group) is kept as the text it carries, without a file.
    const file = opened.body.file && conversation.kind === 'group' ? groupOfferFrame(conversation.wireId, text, opened.body.file) : undefined;
    const receivedAt = this.now();
    // In a group every member picks its own ids: each is kept under (sender, id), so a member who reuses another
    // member's id cannot make this device take the real message for a duplicate.
    const id = conversation.kind === 'group' ? groupMessageId(sodium, envelope.from, envelope.id) : envelope.id;
    const order = this.sync!.observe(hlc);
    const message: StoredMessage = {
      id,
      direction: 'in',
      text,
      sentAt: plausibleSentAt(sentAt, receivedAt),
      receivedAt,
      state: 'delivered',
      ...(order !== undefined || file ? { meta: { ...(order !== undefined ? { order } : {}), ...(file ? { fileId: file.fileId } : {}) } } : {}),
      ...(conversation.kind === 'group' ? { from: envelope.from } : {}),
    };
    const item: Incoming = {
      sender,
      message,
      envelope,
      ...(seq !== undefined ? { seq } : {}),
      ...(order !== undefined ? { order } : {}),
      ...(messageKey ? { key: messageKey } : {}),
      ...(via ? { via } : {}),
      ...(via && !this.catchUp.get(via)?.size ? { live: true } : {}),
      ...(file ? { file } : {}),
    };
    const buffered = this.catchUp.get((direct ?? via)!)?.get(conversation.wireId);
    if (!buffered) return this.queueIncoming(conversation, [item]);
    buffered.push(item);
    if (buffered.length >= maxCatchUpBuffer) this.endCatchUp((direct ?? via)!, conversation);
  }

  private queueIncoming(conversation: Conversation, items: readonly Incoming[]): void {
    const queue = this.incoming.get(conversation.id) ?? [];
    queue.push(...items);
    this.incoming.set(conversation.id, queue);
    if (!this.writing.has(conversation.id)) void this.writeIncoming(conversation);
  }

  /** Writes what is queued for the conversation, up to maxIncomingBatch messages a transaction, then shows and
   * acknowledges it; repeats while more is queued or arrived during the write (a burst becomes a few large writes, not
   * one per message). */
  private async writeIncoming(conversation: Conversation): Promise<void> {
    this.writing.add(conversation.id);
    try {
      for (;;) {
        const queue = this.incoming.get(conversation.id);
        if (!queue?.length) return;
        const batch = queue.splice(0, maxIncomingBatch);
        if (queue.length === 0) this.incoming.delete(conversation.id);
        await this.storeBatch(conversation, batch);
      }
    } finally {
      this.writing.delete(conversation.id);
    }
  }

  private async storeBatch(conversation: Conversation, batch: Incoming[]): Promise<void> {
    // The same id twice in one burst (a replayed or twice-carried envelope): stored once, acknowledged once.
    const unique = new Map<string, Incoming>();
    for (const item of batch) if (!unique.has(item.message.id)) unique.set(item.message.id, item);
    const items = [...unique.values()];
    const conversationId = conversation.id;
    const bytes = items.reduce((sum, item) => sum + item.message.text.length * 2 + 200, 0);
    if (this.options.log.usageBytes(conversationId) + bytes > this.quotaBytes(conversationId)) {
      this.refuse(conversation, items);
      return;
    }
    let outcomes: readonly AppendOutcome[];
    try {
      outcomes = await this.options.log.append(conversationId, items.map((item) => item.message));
    } catch (error) {
      if (isTincanError(error, 'STORAGE_QUOTA')) {
        this.refuse(conversation, items);
      } else {
        // Not acknowledged: the sender keeps them and sends them again (their keys stay until then).
        this.emit('error', { code: isTincanError(error) ? error.code : 'STORAGE_UNAVAILABLE', conversationId });
      }
      return;
    }
    if (this.disposed) return;
    this.chains!.consumed(batch.map(({ envelope: e }) => ({ conversation: e.conversation, from: e.from, chain: e.chain, n: e.n })));
    items.forEach((item, i) => {
      const outcome = outcomes[i];
      if (!isNew(outcome)) return;
      this.emit('added', { conversationId, message: { ...item.message, index: outcome.index, ...(item.order !== undefined ? { order: item.order } : {}), ...(item.file ? { groupFileId: item.file.fileId } : {}) } });
      if (item.file) this.emit('group-file', { conversationId, from: item.sender, fromKey: item.envelope.from, offer: item.file });
    });
    // Only what was new here is held for others: a duplicate was held when it first came, and holding it again
    // would send copies round the members for ever (each sync hands them on, each member would hold them again).
    this.holdForOthers(conversation, items.filter((_, i) => isNew(outcomes[i])));
    // Only what was new (a replay of an old message through a member says nothing of where its sender is now).
    items.forEach((item, i) => item.live && item.via && isNew(outcomes[i]) && this.noteReached(item.sender, item.via));
    for (const [sender, ids] of bySender(items)) this.sendAcks(sender, conversation, ids, items.find((item) => item.sender === sender && item.via)?.via);
  }

  /** Stored in a group: the numbers seen move on, and each envelope is held for the members who may not have it. */
  private holdForOthers(conversation: Conversation, items: readonly Incoming[]): void {
    if (conversation.kind !== 'group') return;
    const byVia = new Map<PeerSession | undefined, StoredItem[]>();
    for (const { sender, envelope, seq, order, key, via } of items) {
      const { type: _type, ...sealed } = envelope as EnvelopeFrame;
      const stored: StoredItem = { sender, envelope: sealed, ...(seq !== undefined ? { seq } : {}), ...(order !== undefined ? { order } : {}), ...(key ? { key: keyText(key) } : {}) };
      byVia.set(via, [...(byVia.get(via) ?? []), stored]);
    }
    for (const [via, stored] of byVia) this.sync!.stored(conversation.wireId, conversation.kind, conversation.members, stored, via?.contactId);
  }

  private budgetOf(budgets: WeakMap<PeerSession, TokenBucket>, session: PeerSession, limits: BucketLimits): TokenBucket {
    let bucket = budgets.get(session);
    if (!bucket) budgets.set(session, (bucket = new TokenBucket(limits, this.now)));
    return bucket;
  }

  private stepBudgetOf(sender: string): TokenBucket {
    let bucket = this.stepBudgets.get(sender);
    if (!bucket) this.stepBudgets.set(sender, (bucket = new TokenBucket(chainStepBudget, this.now)));
    return bucket;
  }

  /** No room: the senders are told on their own sessions (a refusal is not carried: it is only advice). */
  private refuse(conversation: Conversation, items: readonly Incoming[]): void {
    this.emit('quota-reached', { conversationId: conversation.id });
    for (const [sender, ids] of bySender(items)) {
      const session = this.liveSessionFor(sender);
      for (let i = 0; session && i < ids.length; i += maxAckIds) {
        session.send({ type: 'refused', conversation: conversation.wireId, ids: ids.slice(i, i + maxAckIds), reason: 'quota' });
      }
    }
  }

  /**
   * Signed acks back to the sender, by whichever carrier reaches it (none: it sends again, and is acked then), and to
   * the member who brought the envelopes (`via`), who lets go of what it held and passes the ack on.
   */
  private sendAcks(sender: string, conversation: Conversation, ids: readonly string[], via?: PeerSession): void {
    const toVia = via && via.contactId !== sender && via.state === 'open' ? via : undefined;
    const of = this.options.keyOfContact(sender);
    if (!of) return;
    for (let i = 0; i < ids.length; i += maxAckIds) {
      const ack = signAck(this.sodium!, this.options.identity, conversation.wireId, of, ids.slice(i, i + maxAckIds));
      this.carry(sender, { type: 'ack', ...ack });
      toVia?.send({ type: 'ack', ...ack });
    }
  }

  /**
   * Another member asks this device to carry an item to `to`: on our live session with it, if we have one. A group
   * envelope with its message key (`key`) goes as `held`, only when the asker, the target and this device are all
   * members of that group (the key opens nothing else; the target checks that it opens the envelope); the target
   * away, it is dropped: this device holds its own copy of the group's message for it anyway.
   */
  private forward(from: PeerSession, to: string, item: CarriedItem, key?: string): void {
    // Only what the asking peer signed itself, within its budget: no one relays others' items (or replays them)
    // through this device.
    const signer = item.type === 'envelope' ? item.from : item.by;
    if (signer !== toBase64Url(from.peer!.identityKey) || !this.budgetOf(this.forwardBudgets, from, forwardBudget).take()) {
      return void this.ignored.unroutable++;
    }
    const target = this.options.contactOfKey(to);
    const session = target && target !== from.contactId ? this.liveSessionFor(target) : undefined;
    if (key !== undefined) {
      const group = this.options.directory.byWireId(item.conversation);
      const fellows = group?.kind === 'group' && !!target && group.members.includes(target) && group.members.includes(from.contactId!);
      if (!fellows || item.type !== 'envelope') return void this.ignored.unroutable++;
      if (session && session.send({ type: 'held', item, key })) return void this.forwarded++;
      return void this.ignored.unroutable++;
    }
    if (session && session.send({ type: 'carried', item })) return void this.forwarded++;
    if (!target || target === from.contactId || !this.mayHold(from.contactId!, target, item)) return void this.ignored.unroutable++;
    // The target is away: held for it, sealed, if it and the asker are in a group with this device.
    if (item.type === 'envelope') this.sync!.holdForContact(from.contactId!, target, item);
    else this.sync!.holdAck(target, item);
    this.forwarded++;
  }

  /** Whether this device holds `item` from `asker` for `target`: both in a group with it, the item signed by the
   * asker, and not of a conversation this device is in (its members hold those already). */
  private mayHold(asker: string, target: string, item: CarriedItem): boolean {
    const common = this.options.directory.ofMember(asker).some((c) => c.kind === 'group' && c.members.includes(target));
    if (!common || this.options.directory.byWireId(item.conversation)) return false;
    return item.type === 'envelope' ? verifyEnvelope(this.sodium!, item) : verifyAck(this.sodium!, item);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Acknowledgements

  /** `direct`: the session it came on, which proves its signer when it is the signer's own (as for envelopes);
   * `via`: another member's session that carried it. */
  private receiveAck(ack: AckFrame, direct?: PeerSession, via?: PeerSession): void {
    const member = this.options.contactOfKey(ack.by);
    if (!member) return void this.ignored.wrongConversation++;
    if (direct ? direct.contactId !== member : !verifyAck(this.sodium!, ack)) return void this.ignored.forged++;
    const passedOn = this.passOnAck(member, ack);
    const conversation = this.options.directory.forMember(ack.conversation, member);
    if (!conversation) return void (passedOn || this.ignored.wrongConversation++);
    // Only an ack of this device's own messages: in a group another member may have used the same ids.
    if (ack.of !== toBase64Url(this.options.identity.publicKey)) return void (passedOn || this.ignored.unknownAcks++);
    // Only an ack that acknowledged something here (a replayed one says nothing of where its signer is now).
    if (this.acknowledge(member, conversation, ack.ids) && via && !this.catchUp.get(via)?.size) this.noteReached(member, via);
  }

  /**
   * What this device held for the ack's signer goes; the ack is passed on to (or held for) the senders of what was
   * held (its signature, or its signer's own session, was checked). True when it released something.
   */
  private passOnAck(signer: string, ack: AckFrame): boolean {
    const senders = this.sync!.acknowledged(signer, ack);
    const { type: _type, ...signed } = ack;
    for (const sender of senders) this.passOn(sender, signed);
    return senders.length > 0;
  }

  private passOn(sender: string, ack: SignedAck): void {
    const session = this.liveSessionFor(sender);
    if (!session || !session.send({ type: 'carried', item: { type: 'ack', ...ack } })) this.sync!.holdAck(sender, ack);
  }

  /** True when it acknowledged something not acknowledged before. */
  private acknowledge(member: string, conversation: Conversation, ids: readonly string[]): boolean {
    const known: string[] = [];
    const early: StateUpdate[] = [];
    for (const id of ids) {
      const entry = this.outgoing.get(id);
      // Not a message of this conversation to this member: not theirs to acknowledge.
      if (entry && (entry.conversationId !== conversation.id || !entry.members.includes(member))) continue;
      if (entry && !entry.stored) {
        entry.ackedEarly.add(member);
        entry.handedAt.delete(member);
        early.push({ id, state: entry.ackedEarly.size === entry.members.length ? 'delivered' : 'sent', ...countOf(conversation, entry.ackedEarly.size) });
        continue;
      }
      known.push(id);
    }
    const found = known.length ? this.options.outbox.acknowledge(member, known) : [];
    this.ignored.unknownAcks += known.length - found.length;
    const updates: StateUpdate[] = [...early];
    for (const { conversationId, messageId } of found) {
      const waiting = this.options.outbox.waitingMembers(conversationId, messageId);
      const entry = this.outgoing.get(messageId);
      entry?.handedAt.delete(member);
      if (waiting === 0) this.outgoing.delete(messageId);
      const acknowledged = conversation.members.length - waiting;
      updates.push({ id: messageId, state: waiting === 0 ? 'delivered' : 'sent', ...countOf(conversation, acknowledged) });
    }
    if (updates.length) this.emit('states', { conversationId: conversation.id, updates });
    return updates.length > 0;
  }

  /** Members removed from a group will never acknowledge what waits for them there: it stops waiting (and the
   * messages count only the members who remain). */
  private forgetRemoved(conversation: Conversation, removed: readonly string[]): void {
    for (const member of removed) {
      const ids = this.options.outbox.pending(member).filter((p) => p.conversationId === conversation.id).map((p) => p.messageId);
      for (const entry of this.outgoing.values()) if (entry.conversationId === conversation.id && !entry.stored && entry.members.includes(member)) ids.push(entry.envelope.id);
      if (ids.length) this.acknowledge(member, conversation, ids);
    }
    for (const [id, entry] of this.outgoing) {
      // One still being written keeps its members: the removed one counts as having it (acknowledged early above).
      if (!entry.stored || entry.conversationId !== conversation.id || !entry.members.some((m) => removed.includes(m))) continue;
      this.outgoing.set(id, { ...entry, members: entry.members.filter((m) => !removed.includes(m)) });
    }
  }

  private handleRefused(member: string, conversation: Conversation, ids: readonly string[]): void {
    const updates = ids.filter((id) => this.outgoing.get(id)?.members.includes(member)).map((id) => ({ id, state: 'refused' as const }));
    for (const { id } of updates) {
      // Not handed on again to that member before a carrier comes up again: it said it has no room.
      this.outgoing.get(id)!.handedAt.set(member, Number.POSITIVE_INFINITY);
    }
    if (updates.length) {
      this.emit('states', { conversationId: conversation.id, updates });
      this.emit('refused', { conversationId: conversation.id, reason: 'quota' });
    }
  }

  // ------------------------------------------------------------------------------------------------------------
  // Chains, handing on and resending

  /** The member gets every chain of ours it may need for the conversation, before any envelope (same session), each
   * from the first envelope still waiting for it (so a chain it dropped never restarts at key 0 there). */
  private handChains(session: PeerSession, conversation: Conversation): void {
    const member = session.contactId!;
    const lowest = new Map<string, number>();
    const note = (e: Partial<Envelope> | undefined) => {
      if (e?.conversation === conversation.wireId && typeof e.chain === 'string' && typeof e.n === 'number') lowest.set(e.chain, Math.min(lowest.get(e.chain) ?? e.n, e.n));
    };
    for (const pending of this.options.outbox.pending(member)) if (pending.conversationId === conversation.id) note(pending.envelope as Partial<Envelope> | undefined);
    // Sealed a moment ago, its outbox entry still being written.
    for (const entry of this.outgoing.values()) if (!entry.stored && entry.conversationId === conversation.id && entry.members.includes(member)) note(entry.envelope);
    for (const handoff of this.chains!.handoffs(conversation.wireId, (chainId) => lowest.get(chainId))) session.send({ type: 'chain', ...handoff });
  }

  /**
   * A new chain for a conversation (a member just connected directly, or there is none): handed at once to every
   * member connected now, so on each session a chain always goes out before anything sealed with it.
   */
  private startChain(conversation: Conversation): Promise<OutgoingChain> {
    const chains = this.chains!;
    const { chain, written } = chains.rotate(conversation.wireId, conversation.members);
    const handoff = { type: 'chain', ...handoffOf(conversation.wireId, chain) } as const;
    for (const member of conversation.members) this.liveSessionFor(member)?.send(handoff);
    return written.then((live) => {
      // Older chains stay only while something sealed under them still waits.
      const stillUsed = new Set<string>();
      // Written or still being written: an envelope sealed a moment ago is not in the outbox yet.
      for (const entry of this.outgoing.values()) if (entry.conversationId === conversation.id) stillUsed.add(entry.envelope.chain);
      for (const member of conversation.members) {
        for (const pending of this.options.outbox.pending(member)) {
          const chainId = (pending.envelope as Partial<Envelope> | undefined)?.chain;
          if (pending.conversationId === conversation.id && typeof chainId === 'string') stillUsed.add(chainId);
        }
      }
      if (!this.disposed) chains.prune(conversation.wireId, stillUsed);
      return live;
    });
  }

  private handOn(member: string, entry: Outgoing): boolean {
    if (!this.carry(member, entry.envelope)) return false;
    entry.handedAt.set(member, this.now());
    return true;
  }

  /**
   * Hands `item` to the member's own live session; else through the fellow member its items come through now
   * (`reachedVia`), once per item; else to the other carriers that reach it, in turn until one takes it (a mailbox, a
   * relay, a member holding for it: a carrier may reach a member and still not take every item, carrier.ts `takes`),
   * and besides through up to maxMemberProbes fellow members not tried yet for this item. Whether a fellow member is
   * linked to the member is not known here: one that is not drops the item (it holds its own copy of the group's
   * message for the member anyway), and each tries an item once per session, so a member away for days costs no
   * resends through members, and a resend goes through the next ones.
   */
  private carry(member: string, item: CarriedItem): boolean {
    const via = this.reachedVia(member);
    const mark = `${member}\u0000${item.type === 'envelope' ? item.id : `ack:${item.conversation}:${item.ids.join(',')}`}`;
    let known: Carrier | undefined;
    const others: Carrier[] = [];
    const untried: Carrier[] = [];
    for (const carrier of this.carriers) {
      if (!carrier.reaches(member)) continue;
      if (carrier.via.kind === 'session') {
        if (carrier.carry(member, item)) return true;
      } else if (!this.throughMembers.has(carrier)) {
        others.push(carrier);
      } else if (!this.triedThrough.get(carrier)?.has(mark)) {
        if (carrier.via.contactId === via) known = carrier;
        else untried.push(carrier);
      }
    }
    const through = (carrier: Carrier): boolean => {
      if (!carrier.carry(member, item)) return false;
      let tried = this.triedThrough.get(carrier);
      if (!tried) this.triedThrough.set(carrier, (tried = new Set()));
      tried.add(mark);
      // A Set iterates in insertion order: the first is the oldest.
      if (tried.size > maxTriedThroughMarks) tried.delete(tried.values().next().value!);
      return true;
    };
    if (known && through(known)) return true;
    const byOthers = others.some((carrier) => carrier.carry(member, item));
    let probed = 0;
    for (const carrier of untried) if (probed < maxMemberProbes && through(carrier)) probed++;
    return byOthers || probed > 0;
  }

  /**
   * The member (contact id) whose session carries `member`'s messages to this device while `member` has no session
   * of its own here (two NATs between them: docs/groups.md, "Through a member"): an item of `member`'s came on it live
   * (not in the catch-up of a session's opening) within reachedViaMs, and that session is still open.
   */
  reachedVia(member: string): string | undefined {
    const seen = this.reachedThrough.get(member);
    if (!seen || this.liveSessionFor(member) || !this.liveSessionFor(seen.via) || this.now() - seen.at > reachedViaMs) return undefined;
    return seen.via;
  }

  private noteReached(member: string, via: PeerSession): void {
    const carrier = via.contactId;
    if (!carrier || member === carrier || this.liveSessionFor(member) || via.state !== 'open') return;
    const before = this.reachedVia(member);
    const previous = this.reachedThrough.get(member);
    if (previous) clearTimeout(previous.timer);
    // Said again when it lapses, so the member list stops saying it.
    const timer = setTimeout(() => {
      this.reachedThrough.delete(member);
      if (!this.disposed) this.emit('reach', { contactId: member });
    }, reachedViaMs + 1);
    this.reachedThrough.set(member, { via: carrier, at: this.now(), timer });
    if (before !== carrier) this.emit('reach', { contactId: member });
  }

  /** Every unacknowledged envelope for a member, oldest first, by its best carrier. */
  private resendTo(member: string, { unsealedOnly = false } = {}): void {
    if (this.disposed) return;
    const handed: Outgoing[] = [];
    for (const pending of this.options.outbox.pending(member)) {
      if (unsealedOnly && this.outgoing.has(pending.messageId)) continue;
      const entry = this.outgoingOf(pending);
      if (entry && this.handOn(member, entry)) handed.push(entry);
    }
    this.reportHandedOn(handed);
  }

  private resendVia(carrier: Carrier): void {
    const members = new Set<string>();
    for (const conversation of this.options.directory.all()) {
      for (const m of conversation.members) if (carrier.reaches(m) && !this.liveSessionFor(m)) members.add(m);
    }
    for (const member of members) this.resendTo(member);
  }

  /** The in-memory entry of a pending outbox entry, rebuilt from it after a reload. */
  private outgoingOf(pending: OutboxEntryView): Outgoing | undefined {
    const existing = this.outgoing.get(pending.messageId);
    if (existing) return existing;
    const conversation = this.options.directory.get(pending.conversationId);
    if (!conversation) return undefined;
    const envelope = asEnvelope(pending.envelope, conversation.wireId, pending.messageId) ?? this.sealLegacy(conversation, pending);
    if (!envelope) return undefined;
    const entry: Outgoing = { conversationId: conversation.id, envelope: { type: 'envelope', ...envelope }, members: conversation.members, stored: true, ackedEarly: new Set(), handedAt: new Map() };
    // Held by a mailbox before the reload: still is (the mailbox keeps it until the member takes it), so it says so.
    if (this.heldAtOpen?.delete(heldKey(conversation.id, pending.messageId)) && conversation.kind !== 'group') entry.isHeld = true;
    this.outgoing.set(pending.messageId, entry);
    return entry;
  }

  /** An entry written before envelopes: sealed now with the live chain, if there is one (kept in memory only). */
  private sealLegacy(conversation: Conversation, pending: OutboxEntryView): Envelope | undefined {
    const chain = this.chains!.current(conversation.wireId, conversation.members);
    if (!chain || chain instanceof Promise || !chain.canSeal) return undefined; // no live chain yet: the next resend seals it
    return sealEnvelope(this.sodium!, this.options.identity, chain, { conversation: conversation.wireId, id: pending.messageId }, { text: pending.text, sentAt: pending.sentAt });
  }

  private resendStale(): void {
    const now = this.now();
    const handed: Outgoing[] = [];
    // A member that has not acknowledged may have lost the chain's frame: on its own session, its chains go again
    // first (once per pass; it keeps what it has already).
    const chainsAgain = new Set<string>();
    for (const entry of this.outgoing.values()) {
      if (!entry.stored) continue;
      for (const member of entry.members) {
        const at = entry.handedAt.get(member);
        if (at === undefined || now - at < resendAfterMs) continue;
        const session = this.liveSessionFor(member);
        const conversation = this.options.directory.get(entry.conversationId);
        if (session && conversation && !chainsAgain.has(`${member}\u0000${conversation.id}`)) {
          chainsAgain.add(`${member}\u0000${conversation.id}`);
          this.handChains(session, conversation);
        }
        if (this.handOn(member, entry)) handed.push(entry);
      }
    }
    this.reportHandedOn(handed);
  }

  /** Handed on, or taken by a mailbox: "Sent", or "Held" where a mailbox holds it (handing it on elsewhere does not
   * undo that), shown now and stored with the next flush (one still being written is stored so by `send`). */
  private reportHandedOn(entries: readonly Outgoing[]): void {
    const byConversation = new Map<string, { entry: Outgoing; update: { id: string; state: 'sent' | 'held' } }[]>();
    for (const entry of entries) {
      const update = { id: entry.envelope.id, state: entry.isHeld ? 'held' : 'sent' } as const;
      byConversation.set(entry.conversationId, [...(byConversation.get(entry.conversationId) ?? []), { entry, update }]);
    }
    for (const [conversationId, items] of byConversation) {
      const stored = items.filter(({ entry }) => entry.stored).map(({ update }) => update);
      if (stored.length) this.options.log.setStates(conversationId, stored);
      this.emit('states', { conversationId, updates: items.map(({ update }) => update) });
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

/** "Delivered to k of n", for conversations of more than two people (a 1:1 reads as before). */
function countOf(conversation: Conversation, acknowledged: number): { delivery?: DeliveryCount } {
  return conversation.members.length > 1 ? { delivery: { acknowledged, members: conversation.members.length } } : {};
}

function heldKey(conversationId: string, id: string): string {
  return `${conversationId}\u0000${id}`;
}

function isNew(outcome: AppendOutcome | undefined): outcome is { readonly index: number } {
  return outcome !== undefined && 'index' in outcome;
}

function bySender(items: readonly Incoming[]): Map<string, string[]> {
  const ids = new Map<string, string[]>();
  for (const item of items) ids.set(item.sender, [...(ids.get(item.sender) ?? []), item.envelope.id]);
  return ids;
}

/** The id a group message is kept under on this device: its sender's id, scoped to its sender (16 base64url). */
function groupMessageId(sodium: Sodium, from: string, id: string): string {
  return toBase64Url(sodium.crypto_generichash(12, new TextEncoder().encode(`${groupMessageIdDomain}\u0000${from}\u0000${id}`), null));
}

/** An outbox entry's stored envelope, if it is one for this conversation and message (records are untrusted). */
function asEnvelope(value: unknown, conversation: string, id: string): Envelope | undefined {
  const e = value as Partial<Record<keyof Envelope, unknown>> | undefined;
  if (!e || typeof e !== 'object') return undefined;
  const { from, chain, n, box, sig } = e;
  if (e.conversation !== conversation || e.id !== id) return undefined;
  if (typeof from !== 'string' || typeof chain !== 'string' || typeof box !== 'string' || typeof sig !== 'string') return undefined;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return undefined;
  return { conversation, id, from, chain, n, box, sig };
}
