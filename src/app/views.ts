// What the state shows, made from what chat/ and store/ hold: pure functions, no I/O and no clock, so the app
// facade only gathers the facts and a Node test can check every field. Each returns a new immutable value that
// shares nothing mutable with the store or the wire.
import { callRecordOf, maxGroupCallMembers } from '../chat/call-record';
import { isHlc } from '../chat/hybrid-clock';
import type { ChatMessage } from '../chat/chat-message';
import type { GroupMemberView, GroupView } from '../chat/group/groups';
import type { PeerStatus } from '../chat/messenger';
import type { Exchange } from '../chat/pairing';
import type { TransferProgress, TransferView } from '../chat/files/transfer-events';
import { linkForCode } from '../invite/code-link';
import type { ConversationSummary } from '../store/conversation-log';
import type { Contact, LogEntry } from '../store/records';
import type { ConversationView, ExchangeView, FileTransferView, GroupMemberInfo } from './app-state';

/** What the conversation list is made of, for every contact at once (read from memory, never from storage). */
export interface ConversationFacts {
  /** Every contact, moved ones included (they are left out of the list but may be named as a look-alike). */
  readonly contacts: readonly Contact[];
  summary(contactId: string): ConversationSummary | undefined;
  /** The last status the messenger gave for this contact. */
  status(contactId: string): PeerStatus | undefined;
  isOnline(contactId: string): boolean;
  /** The member (contact id) that carries this contact's messages here while the two cannot link. */
  reachedVia?(contactId: string): string | undefined;
  /** The contact said it is typing and has not stopped or timed out. */
  isTyping(contactId: string): boolean;
  /** Messages written to this contact that it has not acknowledged yet. */
  waiting(contactId: string): number;
  /** Contacts whose records were restored from an older copy (shown unverified until the person decides). */
  readonly restored: ReadonlySet<string>;
  /** Words for a live connection's path (net/ice-servers.ts), once loaded. */
  describePath?(local: string, remote: string): string | undefined;
  /** This device's links can make a one-code invite. */
  readonly supportsOneCodeReconnect: boolean;
  /** The groups this device is in or was in (chat/group/groups.ts). */
  readonly groups?: readonly GroupView[];
  /** The name of the member typing in a group, if one is. */
  typingIn?(groupId: string): string | undefined;
  /** "Use relays with …" for this contact (relay-carrier.ts), when there is a relay carrier. */
  relays?(contactId: string): { readonly available: boolean; readonly use: boolean };
}

/** The conversation list, newest activity first, and the unread total over it. */
export function conversationViews(facts: ConversationFacts): { conversations: ConversationView[]; unreadTotal: number } {
  const contacts = facts.contacts.filter((c) => !c.movedTo);
  const byId = new Map(contacts.map((c) => [c.id, c]));
  const views = contacts.map((c) => conversationView(c, facts, (id) => byId.get(id)));
  for (const group of facts.groups ?? []) views.push(groupConversationView(group, facts));
  views.sort(byLastActivity);
  return { conversations: views, unreadTotal: views.reduce((sum, v) => sum + v.unread, 0) };
}

/** One contact's entry in the list; `listed` finds another listed contact (a look-alike is named only if listed). */
export function conversationView(c: Contact, facts: ConversationFacts, listed: (contactId: string) => Contact | undefined): ConversationView {
  const summary = facts.summary(c.id);
  const status = facts.status(c.id);
  const online = facts.isOnline(c.id);
  const restored = facts.restored.has(c.id);
  const lookalike = c.lookalikeOf ? listed(c.lookalikeOf) : undefined;
  const dropped = status?.counters ? Object.values(status.counters.dropped).reduce((a, b) => a + b, 0) + status.counters.rejected : 0;
  return {
    id: c.id,
    name: c.displayName,
    verified: c.verified && !restored,
    ...(lookalike ? { lookalikeOf: { id: lookalike.id, name: lookalike.displayName } } : {}),
    ...(c.keyChange ? { keyChangedAt: c.keyChange.changedAt } : {}),
    ...(restored ? { restoredOlder: true } : {}),
    unread: summary?.unread ?? 0,
    ...(summary?.lastMessage ? { lastText: summary.lastMessage.text, lastAt: summary.lastMessage.sentAt } : { lastAt: c.lastSeen }),
    lastSeen: c.lastSeen,
    connection: online ? 'online' : status?.viaRelay ? 'relay' : 'offline',
    ...(online && status?.path ? { path: facts.describePath?.(status.path.local, status.path.remote) } : {}),
    typing: online && facts.isTyping(c.id),
    ...(!online && status?.closedByPeer ? { closedByPeer: true } : {}),
    ...(!online && status?.pageClosed ? { pageClosed: true } : {}),
    ...(!online && status?.endCode ? { endCode: status.endCode } : {}),
    waiting: facts.waiting(c.id),
    oneCodeReconnect: !!c.dtlsFingerprint && facts.supportsOneCodeReconnect,
    dropped,
    relaysAvailable: facts.relays?.(c.id).available ?? false,
    useRelays: facts.relays?.(c.id).use ?? false,
    mailboxShared: c.mailboxShared !== false,
  } satisfies ConversationView;
}

/** A group's entry in the list: its name, unread count, last message, whether any member is connected. */
export function groupConversationView(group: GroupView, facts: ConversationFacts): ConversationView {
  const summary = facts.summary(group.id);
  const members = group.members.map((m) => groupMemberInfo(m, facts, group.members));
  const online = members.some((m) => m.online);
  const typingName = group.isMember ? facts.typingIn?.(group.id) : undefined;
  return {
    id: group.id,
    name: group.name,
    verified: false,
    relaysAvailable: false,
    useRelays: false,
    mailboxShared: false,
    unread: summary?.unread ?? 0,
    ...(summary?.lastMessage ? { lastText: summary.lastMessage.text, lastAt: summary.lastMessage.sentAt } : {}),
    lastSeen: 0,
    connection: online ? 'online' : 'offline',
    typing: !!typingName,
    waiting: 0,
    oneCodeReconnect: false,
    dropped: 0,
    group: {
      members,
      isMember: group.isMember,
      isFull: group.isFull,
      tooBigToCall: group.members.length > maxGroupCallMembers,
      ...(typingName ? { typingName } : {}),
    },
  };
}

/**
 * One member as the group's list shows it. Trust is found by key, never by name: the member's verified mark is that
 * of the contact whose current key is the member's (the messenger's contactOfKey gave `contactId`; checked again here),
 * and a key change is that contact's (moved to this key) or another contact's (this is the key it left).
 */
function groupMemberInfo(m: GroupMemberView, facts: ConversationFacts, members: readonly GroupMemberView[]): GroupMemberInfo {
  const online = !m.isSelf && facts.isOnline(m.contactId);
  const carrier = m.isSelf || online ? undefined : facts.reachedVia?.(m.contactId);
  const via = carrier === undefined ? undefined : members.find((other) => !other.isSelf && other.contactId === carrier)?.name;
  const holder = m.isSelf ? undefined : facts.contacts.find((c) => c.id === m.contactId && c.pinnedKey === m.key && !c.movedTo);
  const leftBy = m.isSelf ? undefined : facts.contacts.find((c) => !c.movedTo && c.pinnedKey !== m.key && c.keyChange?.previousKey === m.key);
  return {
    key: m.key,
    name: m.name,
    isSelf: m.isSelf,
    online,
    ...(via !== undefined ? { via } : {}),
    canRemove: m.canRemove,
    addedByName: m.addedByName,
    verified: !!holder?.verified && !facts.restored.has(holder.id),
    ...(holder?.keyChange ? { keyChangedAt: holder.keyChange.changedAt } : {}),
    ...(leftBy?.keyChange ? { replacedKeyOf: { name: leftBy.displayName, changedAt: leftBy.keyChange.changedAt } } : {}),
    nameHadOtherKey: m.nameHadOtherKey,
  };
}

/**
 * The list with one entry made again (an event of one conversation): undefined when it says the same, so the state
 * is left alone; the other entries keep their objects, and the list re-sorts only when the last activity moved.
 */
export function withConversationView(
  shown: readonly ConversationView[],
  unreadTotal: number,
  view: ConversationView,
): { conversations: ConversationView[]; unreadTotal: number } | undefined {
  const at = shown.findIndex((v) => v.id === view.id);
  const before = shown[at];
  if (!before || isSameView(before, view)) return undefined;
  const views = [...shown];
  views[at] = view;
  if (view.lastAt !== before.lastAt) views.sort(byLastActivity);
  return { conversations: views, unreadTotal: unreadTotal - before.unread + view.unread };
}

/** Newest activity first. */
function byLastActivity(a: ConversationView, b: ConversationView): number {
  return (b.lastAt ?? 0) - (a.lastAt ?? 0);
}

/** Two entries of the conversation list say the same (values only: one level deep, lookalikeOf by its fields). */
function isSameView(a: ConversationView, b: ConversationView): boolean {
  const keys = Object.keys(a) as (keyof ConversationView)[];
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) =>
    key === 'lookalikeOf' ? a.lookalikeOf?.id === b.lookalikeOf?.id && a.lookalikeOf?.name === b.lookalikeOf?.name : key === 'group' ? JSON.stringify(a.group) === JSON.stringify(b.group) : a[key] === b[key],
  );
}

/** An invite or answer as the pairing card shows it; `pageUrl` makes its link, `contactName` is the contact's. */
export function exchangeView(exchange: Exchange, pageUrl: string, contactName?: string): ExchangeView {
  return {
    id: exchange.id,
    kind: exchange.kind,
    state: exchange.state,
    ...(exchange.code ? { code: exchange.code, link: linkForCode(pageUrl, exchange.code) } : {}),
    ...(contactName ? { contactName } : {}),
    createdAt: exchange.createdAt,
    ...(exchange.validUntil ? { validUntil: exchange.validUntil } : {}),
    ...(exchange.inviterUnreachable ? { inviterUnreachable: true } : {}),
    ...(exchange.showFallback ? { showFallback: true } : {}),
    ...(exchange.oneCodeUnavailable ? { oneCodeUnavailable: true } : {}),
    ...(exchange.awaitsRelay ? { awaitsRelay: true } : {}),
    ...(exchange.answerByRelay ? { answerByRelay: exchange.answerByRelay } : {}),
  };
}

/** A transfer as the conversation shows it (without speed: progress events add that). */
export function transferView(view: TransferView): FileTransferView {
  return {
    fileId: view.fileId,
    conversationId: view.group ?? view.peerId,
    direction: view.direction,
    name: view.name,
    size: view.size,
    mime: view.mime,
    state: view.state,
    bytes: view.bytes,
    ...(view.code ? { code: view.code } : {}),
    ...(view.finishedRef ? { finishedRef: view.finishedRef } : {}),
    ...(view.sentBytes !== undefined ? { sentBytes: view.sentBytes } : {}),
    ...(view.asPicture ? { asPicture: true as const } : {}),
    ...(view.group !== undefined ? { inGroup: true as const } : {}),
    ...(view.from !== undefined ? { from: view.from } : {}),
    createdAt: view.createdAt,
  };
}

/** The transfer list with one transfer replaced (or added), oldest first. */
export function withTransfer(transfers: readonly FileTransferView[], next: FileTransferView): FileTransferView[] {
  const others = transfers.filter((t) => t.fileId !== next.fileId);
  return [...others, next].sort((a, b) => a.createdAt - b.createdAt);
}

/** A transfer's progress: bytes so far and speed; the time left only while there is an estimate. */
export function withProgress(
  view: FileTransferView,
  progress: Pick<TransferProgress, 'bytes' | 'bytesPerSecond' | 'secondsLeft'>,
): FileTransferView {
  const { secondsLeft: _previous, ...rest } = view;
  return {
    ...rest,
    bytes: progress.bytes,
    bytesPerSecond: progress.bytesPerSecond,
    ...(progress.secondsLeft !== undefined ? { secondsLeft: progress.secondsLeft } : {}),
  };
}

/** A stored log entry as a message on screen; a damaged record becomes an unreadable placeholder. */
export function toChatMessage(entry: LogEntry): ChatMessage {
  if (entry.unreadable) return { id: `unreadable-${entry.index}`, direction: 'in', text: '', sentAt: 0, state: 'delivered', index: entry.index, unreadable: true };
  const call = callRecordOf(entry.meta);
  return {
    id: entry.id,
    direction: entry.direction,
    text: entry.text,
    sentAt: entry.sentAt,
    ...(entry.receivedAt !== undefined ? { receivedAt: entry.receivedAt } : {}),
    state: entry.state,
    index: entry.index,
    ...(call ? { call } : {}),
    ...(entry.from !== undefined ? { from: entry.from } : {}),
    ...(isHlc(entry.meta?.order) ? { order: entry.meta.order } : {}),
    ...(typeof entry.meta?.fileId === 'string' ? { groupFileId: entry.meta.fileId } : {}),
  };
}
