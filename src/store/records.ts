// What the store keeps, record by record: the storage keys, the JSON shapes sealed under them, and the checks a
// record must pass after opening. Everything read from storage is untrusted: an authentic record from a buggy or
// newer version is still refused (skipped and reported), never handed on.
//
// Storage keys (every value a Uint8Array; all but the wrapped key sealed under the master key, crypto/vault.ts, with
// the storage key as associated data, so a record copied or swapped under another key does not open)
//   vault/wrapped-key                   the master key wrapped by the passphrase (crypto/vault.ts), NOT sealed
//   vault/manifest                      ManifestRecord: rollback counter and the stamp of every head and contact
//   profile                             ProfileRecord
//   settings                            SettingsRecord (ICE servers)
//   contact/<contact id>                ContactRecord; the id is the base64url identity key first seen
//   conv/<cid>/head                     HeadRecord: summary (count, unread, last message, usage), flushed late
//   conv/<cid>/m/<index: 10 digits>     MessageRecord: message <index> of the conversation (0 = first)
//   conv/<cid>/i/<id hash: 22 chars>    IdIndexRecord: where the message with that id is (duplicates, acks)
//   out/<peer>/<seq: 12 digits>         OutboxRecord: an outgoing message the peer has not acknowledged yet
// <cid> and <peer> are encodeURIComponent(id), so they never contain '/'. Indexes and sequence numbers are
// zero-padded decimal, so keys sort in numeric order. The id hash is BLAKE2b-128 of (cid, 0x00, message id) keyed
// with a key derived from the master key (conversation-log.ts): message ids never appear in storage keys.
// Keys of the chunked log before this layout (conv/<cid>/head without a stamp, conv/<cid>/<epoch>/<n>) are read
// once, migrated and removed (legacy-log.ts, conversation-log.ts).
import type { JsonValue } from '../crypto/vault';

export const recordFormatVersion = 1;
export const wrappedKeyRecordKey = 'vault/wrapped-key';
export const manifestRecordKey = 'vault/manifest';
export const profileRecordKey = 'profile';
export const settingsRecordKey = 'settings';
export const contactKeyPrefix = 'contact/';
export const conversationKeyPrefix = 'conv/';
export const outboxKeyPrefix = 'out/';
/** Sealed records of other parts of the app, one collection per name (sealed-collection.ts): `x/<name>/<id>`. */
export const collectionKeyPrefix = 'x/';

export const messageIndexDigits = 10;
export const outboxSeqDigits = 12;
/** The largest index a message can have (10 decimal digits). */
export const maxMessageIndex = 10 ** messageIndexDigits - 1;
export const maxOutboxSeq = 10 ** outboxSeqDigits - 1;

/** Longest message text a record may hold (the wire allows far less; bigger is a bug or damage). */
export const maxStoredTextChars = 256 * 1024;
/** Longest display name a contact record may hold (crypto/handshake.ts normalises to 64 characters). */
export const maxStoredNameChars = 256;
/** The range of a JavaScript Date: any time in it formats without throwing (transcripts, the chat view). */
export const maxTimeMs = 8.64e15;

const fixed = (value: number, digits: number): string => String(value).padStart(digits, '0');

export const contactRecordKey = (contactId: string): string => `${contactKeyPrefix}${contactId}`;

export const conversationPrefix = (conversationId: string): string =>
  `${conversationKeyPrefix}${encodeURIComponent(conversationId)}/`;

export const headRecordKey = (conversationId: string): string => `${conversationPrefix(conversationId)}head`;

export const messagePrefix = (conversationId: string): string => `${conversationPrefix(conversationId)}m/`;

export const messageRecordKey = (conversationId: string, index: number): string =>
  `${messagePrefix(conversationId)}${fixed(index, messageIndexDigits)}`;

export const idIndexRecordKey = (conversationId: string, idHash: string): string =>
  `${conversationPrefix(conversationId)}i/${idHash}`;

export const collectionPrefix = (name: string): string => `${collectionKeyPrefix}${encodeURIComponent(name)}/`;

export const collectionRecordKey = (name: string, id: string): string => `${collectionPrefix(name)}${encodeURIComponent(id)}`;

/** A collection record whose id starts with this stays on the device that wrote it: it is never put in a backup, nor
 * taken from one (chat/chain-keeper.ts's device mark: a chain resumed on two devices would seal twice with one key). */
export const deviceOnlyIdPrefix = '~';

/** Whether a stored key is a device-only collection record (`x/<collection>/~…`). */
export const isDeviceOnlyKey = (key: string): boolean => {
  if (!key.startsWith(collectionKeyPrefix)) return false;
  const idStart = key.indexOf('/', collectionKeyPrefix.length) + 1;
  return idStart > 0 && key.startsWith(encodeURIComponent(deviceOnlyIdPrefix), idStart);
};

export const outboxPeerPrefix = (peerId: string): string => `${outboxKeyPrefix}${encodeURIComponent(peerId)}/`;

export const outboxRecordKey = (peerId: string, seq: number): string => `${outboxPeerPrefix(peerId)}${fixed(seq, outboxSeqDigits)}`;

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The conversation id of a head key (conv/<cid>/head); undefined for any other key. */
export function parseHeadKey(key: string): string | undefined {
  const match = /^conv\/([^/]+)\/head$/.exec(key);
  return match ? decodeSegment(match[1]!) : undefined;
}

/** The conversation id of any key under conv/ (head, message, id index, old chunks); undefined otherwise. */
export function parseConversationId(key: string): string | undefined {
  const match = /^conv\/([^/]+)\//.exec(key);
  return match ? decodeSegment(match[1]!) : undefined;
}

/** The index in a message key (conv/<cid>/m/<index>); undefined for anything else. */
export function parseMessageIndex(key: string): number | undefined {
  const match = /\/m\/(\d{10})$/.exec(key);
  return match ? Number(match[1]) : undefined;
}

/** Peer and sequence number of an outbox key (out/<peer>/<seq>); undefined for anything else. */
export function parseOutboxKey(key: string): { peerId: string; seq: number } | undefined {
  const match = /^out\/([^/]+)\/(\d{12})$/.exec(key);
  if (!match) return undefined;
  const peerId = decodeSegment(match[1]!);
  return peerId === undefined ? undefined : { peerId, seq: Number(match[2]) };
}

/** The contact id of a contact key; undefined for anything else. */
export function parseContactKey(key: string): string | undefined {
  return key.startsWith(contactKeyPrefix) && key.length > contactKeyPrefix.length ? key.slice(contactKeyPrefix.length) : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Shapes

export interface ProfileRecord {
  readonly v: number;
  readonly name: string;
  /** crypto/identity.ts serializeIdentity, base64url. */
  readonly identity: string;
  readonly createdAt: number;
}

export interface KeyChange {
  /** base64url of the key that was pinned before. */
  readonly previousKey: string;
  readonly changedAt: number;
  /** The user has seen the warning; until then chat/ must not send silently. */
  readonly acknowledged: boolean;
}

export interface Contact {
  /** Record id: base64url of the identity key this contact was first seen with. Never changes. */
  readonly id: string;
  /** base64url of the identity key currently trusted for this contact (= id until a key change is accepted). */
  readonly pinnedKey: string;
  readonly displayName: string;
  /** Safety number compared and confirmed for pinnedKey. Cleared by a key change (and after a rollback). */
  readonly verified: boolean;
  /** ms since the Unix epoch. */
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly keyChange?: KeyChange;
  /** The peer's persistent DTLS certificate fingerprint (SHA-256), base64url: pinned for one-code reconnects. */
  readonly dtlsFingerprint?: string;
  /** Id of a known contact whose name this one's equals or looks like (impostor warning). */
  readonly lookalikeOf?: string;
  /** "This is Bob on a new device" (chat/contact-trust.ts): set on the contact made for the new key, naming the
   * earlier contact that took the key over and keeps the conversation. Such a contact is no longer listed. */
  readonly movedTo?: string;
  /** The reverse link, for an importer or a later merge that needs it (not set by the current app). */
  readonly movedFrom?: string;
  /** The person said this look-alike is someone else than that contact: no warning for that pair again. */
  readonly distinctFrom?: string;
  /** Storage this contact's conversation may use, in bytes (chat/ applies it; undefined = the default). */
  readonly quotaBytes?: number;
  /** "Let <name> use my mailbox" (docs/mailbox.md §5): false = this contact is not told the own mailbox's code, and
   * the mailbox does not serve its key. Undefined = the default (on). */
  readonly mailboxShared?: boolean;
}

/** A contact as stored: with the rollback stamp of its last write (rollback.ts). */
export interface ContactRecord extends Contact {
  readonly stamp: number;
}

export type MessageDirection = 'in' | 'out';
/** An outgoing message: not handed on yet, handed to a carrier, held by a mailbox for the recipient (docs/mailbox.md:
 * it stays there until the recipient takes it, whatever else carries it), stored by the recipient (its signed ack).
 * An incoming one is `delivered`. */
export type MessageState = 'waiting' | 'sent' | 'held' | 'delivered';

/** Forward order of states; an update never moves a message backwards (a late "sent" after "delivered" or "held"). */
export const messageStateOrder: readonly MessageState[] = ['waiting', 'sent', 'held', 'delivered'];

/** The later of two states in messageStateOrder. */
export function laterState(a: MessageState, b: MessageState): MessageState {
  return messageStateOrder.indexOf(b) > messageStateOrder.indexOf(a) ? b : a;
}

export interface StoredMessage {
  /** Unique within the conversation (the sender's id: delivery is idempotent by id). */
  readonly id: string;
  readonly direction: MessageDirection;
  readonly text: string;
  /** ms since the Unix epoch, on the sender's clock (within ±maxTimeMs). */
  readonly sentAt: number;
  readonly state: MessageState;
  /** ms since the Unix epoch on this device, for incoming messages. */
  readonly receivedAt?: number;
  /** Sender's identity key id, for conversations with more than one peer. */
  readonly from?: string;
  /** Room for later features (reactions, attachments, edits) without a format change. */
  readonly meta?: { readonly [key: string]: JsonValue | undefined };
}

/** A message with its position in the conversation's log (0 = first ever). */
export interface LoggedMessage extends StoredMessage {
  readonly index: number;
  readonly unreadable?: undefined;
}

/** A position whose record could not be read: shown as "one message could not be read", never thrown. */
export interface UnreadableMessage {
  readonly index: number;
  readonly unreadable: true;
  readonly reason: 'tampered' | 'malformed' | 'missing';
}

export type LogEntry = LoggedMessage | UnreadableMessage;

/** conv/<cid>/m/<index>: one message; its index is in the key (bound by the AEAD), not in the record. */
export interface MessageRecord extends StoredMessage {
  readonly v: number;
}

/** conv/<cid>/i/<id hash>: where the message with that id sits. */
export interface IdIndexRecord {
  readonly v: number;
  readonly index: number;
}

/** conv/<cid>/head: the conversation's summary. The message records are the truth; this is derived from them. */
export interface HeadRecord {
  readonly v: number;
  /** Messages ever appended = the index the next message gets. */
  readonly count: number;
  readonly unread: number;
  /** Sealed bytes of this conversation's message and id-index records (for per-contact quotas). */
  readonly usageBytes: number;
  readonly lastMessage?: LoggedMessage;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Rollback stamp of this write (rollback.ts). */
  readonly stamp: number;
}

/** out/<peer>/<seq>: what a resend needs, until the peer acknowledges the message as stored. */
export interface OutboxRecord {
  readonly v: number;
  readonly conversationId: string;
  readonly messageId: string;
  /** The message's index in its conversation (so an ack marks it delivered without a lookup). */
  readonly index: number;
  readonly text: string;
  readonly sentAt: number;
  readonly meta?: { readonly [key: string]: JsonValue | undefined };
  /** The message sealed end to end as it travels (chat/delivery.ts checks it when read back). */
  readonly envelope?: OutboxEnvelope;
}

/** An envelope as the outbox keeps it: its wire fields (crypto/envelope.ts), opaque to the store. */
export type OutboxEnvelope = { readonly [key: string]: string | number };

/** vault/manifest: the rollback counter and the stamp each head and contact record must carry (rollback.ts). */
export interface ManifestRecord {
  readonly v: number;
  readonly counter: number;
  readonly stamps: { readonly [key: string]: number };
  /** Set when the whole vault was found older than the witness, until the person accepts it. */
  readonly restoredFrom?: { readonly witnessCounter: number; readonly manifestCounter: number; readonly detectedAt: number };
  /** Conversations still in the chunked format (found once by a full listing; kept until removed). */
  readonly legacy?: readonly string[];
}

/** One ICE server as RTCIceServer has it, with a single URL (entries are validated by net/ice-servers.ts). */
export interface StoredIceServer {
  readonly urls: string;
  readonly username?: string;
  readonly credential?: string;
}

export interface SettingsRecord {
  readonly v: number;
  readonly iceServers: readonly StoredIceServer[];
}

// ---------------------------------------------------------------------------------------------------------------
// Checks after opening

type Loose = { readonly [key: string]: unknown };

const isObject = (value: unknown): value is Loose =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

/** A time that formats: finite and within a JavaScript Date's range. */
export const isTime = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= maxTimeMs;
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isOptional = (value: unknown, check: (value: unknown) => boolean): boolean => value === undefined || check(value);

const base64UrlId = /^[A-Za-z0-9_-]{1,64}$/;
/** Message ids and key ids: base64url, 1..64 characters (the wire's ids are 16, identity keys 43). */
export const isIdString = (value: unknown): value is string => typeof value === 'string' && base64UrlId.test(value);
const isKeyId = (value: unknown): value is string => typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
const isText = (value: unknown): value is string => typeof value === 'string' && value.length <= maxStoredTextChars;
const isIndex = (value: unknown): value is number => isCount(value) && (value as number) <= maxMessageIndex;

function isStoredMessageFields(value: Loose): boolean {
  return (
    isIdString(value.id) &&
    (value.direction === 'in' || value.direction === 'out') &&
    isText(value.text) &&
    isTime(value.sentAt) &&
    messageStateOrder.includes(value.state as MessageState) &&
    isOptional(value.receivedAt, isTime) &&
    isOptional(value.from, isIdString) &&
    isOptional(value.meta, isObject)
  );
}

export function isStoredMessage(value: unknown): value is StoredMessage {
  return isObject(value) && isStoredMessageFields(value);
}

export function isMessageRecord(value: unknown): value is MessageRecord {
  return isObject(value) && value.v === recordFormatVersion && isStoredMessageFields(value);
}

export function isIdIndexRecord(value: unknown): value is IdIndexRecord {
  return isObject(value) && value.v === recordFormatVersion && isIndex(value.index);
}

function isLoggedMessage(value: unknown): value is LoggedMessage {
  return isObject(value) && isStoredMessageFields(value) && isIndex(value.index) && value.unreadable === undefined;
}

export function isHeadRecord(value: unknown): value is HeadRecord {
  return (
    isObject(value) &&
    value.v === recordFormatVersion &&
    isCount(value.count) &&
    (value.count as number) <= maxMessageIndex + 1 &&
    isCount(value.unread) &&
    (value.unread as number) <= (value.count as number) &&
    isCount(value.usageBytes) &&
    isOptional(value.lastMessage, isLoggedMessage) &&
    (value.lastMessage === undefined || (value.lastMessage as LoggedMessage).index < (value.count as number)) &&
    isTime(value.createdAt) &&
    isTime(value.updatedAt) &&
    isCount(value.stamp)
  );
}

export function isOutboxRecord(value: unknown): value is OutboxRecord {
  return (
    isObject(value) &&
    value.v === recordFormatVersion &&
    typeof value.conversationId === 'string' &&
    value.conversationId.length > 0 &&
    isIdString(value.messageId) &&
    isIndex(value.index) &&
    isText(value.text) &&
    isTime(value.sentAt) &&
    isOptional(value.meta, isObject) &&
    isOptional(value.envelope, isFlatRecord)
  );
}

function isFlatRecord(value: unknown): boolean {
  return isObject(value) && Object.values(value).every((v) => typeof v === 'string' || typeof v === 'number');
}

export function isManifestRecord(value: unknown): value is ManifestRecord {
  if (!isObject(value) || value.v !== recordFormatVersion || !isCount(value.counter) || !isObject(value.stamps)) return false;
  const counter = value.counter as number;
  const restored = value.restoredFrom;
  return (
    Object.values(value.stamps).every((stamp) => isCount(stamp) && (stamp as number) <= counter) &&
    isOptional(
      restored,
      (r) => isObject(r) && isCount(r.witnessCounter) && isCount(r.manifestCounter) && isTime(r.detectedAt),
    ) &&
    isOptional(value.legacy, (l) => Array.isArray(l) && l.length <= 100_000 && l.every((id) => typeof id === 'string'))
  );
}

export function isSettingsRecord(value: unknown): value is SettingsRecord {
  return (
    isObject(value) &&
    value.v === recordFormatVersion &&
    Array.isArray(value.iceServers) &&
    value.iceServers.length <= 16 &&
    value.iceServers.every(
      (s: unknown) =>
        isObject(s) &&
        typeof s.urls === 'string' &&
        isOptional(s.username, (u) => typeof u === 'string') &&
        isOptional(s.credential, (c) => typeof c === 'string'),
    )
  );
}

export function isProfileRecord(value: unknown): value is ProfileRecord {
  return (
    isObject(value) &&
    value.v === recordFormatVersion &&
    typeof value.name === 'string' &&
    value.name.length <= maxStoredNameChars &&
    typeof value.identity === 'string' &&
    isTime(value.createdAt)
  );
}

function isKeyChange(value: unknown): value is KeyChange {
  return isObject(value) && isKeyId(value.previousKey) && isTime(value.changedAt) && typeof value.acknowledged === 'boolean';
}

/** The fields of a Contact (without its stamp). */
export function isContact(value: unknown): value is Contact {
  return (
    isObject(value) &&
    isKeyId(value.id) &&
    isKeyId(value.pinnedKey) &&
    typeof value.displayName === 'string' &&
    value.displayName.length <= maxStoredNameChars &&
    typeof value.verified === 'boolean' &&
    isTime(value.firstSeen) &&
    isTime(value.lastSeen) &&
    isOptional(value.keyChange, isKeyChange) &&
    isOptional(value.dtlsFingerprint, (f) => typeof f === 'string' && /^[A-Za-z0-9_-]{43}$/.test(f)) &&
    isOptional(value.lookalikeOf, isKeyId) &&
    isOptional(value.movedTo, isKeyId) &&
    isOptional(value.movedFrom, isKeyId) &&
    isOptional(value.distinctFrom, isKeyId) &&
    isOptional(value.quotaBytes, isCount) &&
    isOptional(value.mailboxShared, (v) => typeof v === 'boolean')
  );
}

/** A stored contact: a Contact plus its stamp (a record written before stamps existed has none: stamp 0). */
export function isContactRecord(value: unknown): value is Contact & { readonly stamp?: number } {
  return isContact(value) && isOptional((value as unknown as Loose).stamp, isCount);
}

/** The Contact fields of a record (drops the stamp and anything unknown), as a fresh frozen object. */
export function contactFields(record: Contact): Contact {
  const contact: Contact = {
    id: record.id,
    pinnedKey: record.pinnedKey,
    displayName: record.displayName,
    verified: record.verified,
    firstSeen: record.firstSeen,
    lastSeen: record.lastSeen,
    ...(record.keyChange ? { keyChange: Object.freeze({ ...record.keyChange }) } : {}),
    ...(record.dtlsFingerprint !== undefined ? { dtlsFingerprint: record.dtlsFingerprint } : {}),
    ...(record.lookalikeOf !== undefined ? { lookalikeOf: record.lookalikeOf } : {}),
    ...(record.movedTo !== undefined ? { movedTo: record.movedTo } : {}),
    ...(record.movedFrom !== undefined ? { movedFrom: record.movedFrom } : {}),
    ...(record.distinctFrom !== undefined ? { distinctFrom: record.distinctFrom } : {}),
    ...(record.quotaBytes !== undefined ? { quotaBytes: record.quotaBytes } : {}),
    ...(record.mailboxShared !== undefined ? { mailboxShared: record.mailboxShared } : {}),
  };
  return Object.freeze(contact);
}

/** The StoredMessage fields of a value that passed isStoredMessage: a fresh frozen copy with only known fields. */
export function messageFields(message: StoredMessage): StoredMessage {
  return Object.freeze({
    id: message.id,
    direction: message.direction,
    text: message.text,
    sentAt: message.sentAt,
    state: message.state,
    ...(message.receivedAt !== undefined ? { receivedAt: message.receivedAt } : {}),
    ...(message.from !== undefined ? { from: message.from } : {}),
    ...(message.meta !== undefined ? { meta: deepFreeze(structuredJson(message.meta)) } : {}),
  });
}

/** A logged message: the stored fields plus the index, frozen. */
export function loggedMessage(message: StoredMessage, index: number): LoggedMessage {
  return Object.freeze({ ...messageFields(message), index });
}

function structuredJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
