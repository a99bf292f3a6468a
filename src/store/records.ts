// What the store keeps, record by record: the storage keys, the JSON shapes sealed under them, and the checks a
// record must pass after opening (an authentic record from a buggy or newer version is still refused, not trusted).
//
// Storage keys (one IndexedDB database per store name, object store "records"; every value a Uint8Array)
//   vault/wrapped-key                    the master key wrapped by the passphrase (crypto/vault.ts), NOT sealed
//   profile                              sealed ProfileRecord
//   settings                             sealed SettingsRecord (ICE servers)
//   contact/<identity key id>            sealed Contact; the id is the base64url identity key first seen
//   conv/<conversation id>/head          sealed ConversationHead (count, unread, last message, epoch)
//   conv/<conversation id>/<epoch>/<n>   sealed LogChunk n: messages n*chunkSize .. n*chunkSize+chunkSize-1
// <conversation id> is encodeURIComponent(id), so it never contains '/'. The epoch is random per conversation
// life: deleting a conversation removes its head first, which orphans its chunks for good (a new conversation
// with the same id gets a new epoch, so old chunks can never reappear); orphans are swept on unlock.
// Every sealed record carries its storage key as associated data (crypto/vault.ts), so records cannot be swapped.
import type { JsonValue } from '../crypto/vault';

export const recordFormatVersion = 1;
export const wrappedKeyRecordKey = 'vault/wrapped-key';
export const profileRecordKey = 'profile';
export const settingsRecordKey = 'settings';
export const contactKeyPrefix = 'contact/';
export const conversationKeyPrefix = 'conv/';
export const defaultChunkSize = 100;

export const contactRecordKey = (contactId: string): string => `${contactKeyPrefix}${contactId}`;

export const conversationPrefix = (conversationId: string): string =>
  `${conversationKeyPrefix}${encodeURIComponent(conversationId)}/`;

export const headRecordKey = (conversationId: string): string => `${conversationPrefix(conversationId)}head`;

export const chunkRecordKey = (conversationId: string, epoch: string, chunkIndex: number): string =>
  `${conversationPrefix(conversationId)}${epoch}/${chunkIndex}`;

/** Splits a storage key under conv/ into its parts; undefined for anything else. */
export function parseConversationKey(
  key: string,
): { conversationId: string; kind: 'head' } | { conversationId: string; kind: 'chunk'; epoch: string; chunkIndex: number } | undefined {
  const match = /^conv\/([^/]+)\/(?:(head)|([A-Za-z0-9_-]+)\/(\d+))$/.exec(key);
  if (!match) return undefined;
  let conversationId: string;
  try {
    conversationId = decodeURIComponent(match[1]!);
  } catch {
    return undefined;
  }
  if (match[2]) return { conversationId, kind: 'head' };
  return { conversationId, kind: 'chunk', epoch: match[3]!, chunkIndex: Number(match[4]) };
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
  /** Safety number compared and confirmed for pinnedKey. Cleared by a key change. */
  readonly verified: boolean;
  /** ms since the Unix epoch. */
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly keyChange?: KeyChange;
}

export type MessageDirection = 'in' | 'out';
export type MessageState = 'waiting' | 'sent' | 'delivered';

/** Forward order of states; an update never moves a message backwards (a late "sent" after "delivered"). */
export const messageStateOrder: readonly MessageState[] = ['waiting', 'sent', 'delivered'];

export interface StoredMessage {
  /** Unique within the conversation (the sender's id: delivery is idempotent by id). */
  readonly id: string;
  readonly direction: MessageDirection;
  readonly text: string;
  /** ms since the Unix epoch, on the sender's clock. */
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
}

export interface ConversationHead {
  readonly v: number;
  /** Random per conversation life; part of every chunk key. */
  readonly epoch: string;
  readonly chunkSize: number;
  /** Messages ever appended = index the next message gets (lost chunks included). */
  readonly count: number;
  readonly unread: number;
  readonly lastMessage?: StoredMessage;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface LogChunk {
  readonly v: number;
  /** Index of messages[0] = chunkIndex * chunkSize. */
  readonly first: number;
  readonly messages: readonly StoredMessage[];
}

// ---------------------------------------------------------------------------------------------------------------
// Checks after opening

type Loose = { readonly [key: string]: unknown };

const isObject = (value: unknown): value is Loose =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

export function isStoredMessage(value: unknown): value is StoredMessage {
  return (
    isObject(value) &&
    typeof value.id === 'string' &&
    (value.direction === 'in' || value.direction === 'out') &&
    typeof value.text === 'string' &&
    isTime(value.sentAt) &&
    messageStateOrder.includes(value.state as MessageState) &&
    (value.receivedAt === undefined || isTime(value.receivedAt)) &&
    (value.from === undefined || typeof value.from === 'string') &&
    (value.meta === undefined || isObject(value.meta))
  );
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
        (s.username === undefined || typeof s.username === 'string') &&
        (s.credential === undefined || typeof s.credential === 'string'),
    )
  );
}

export function isProfileRecord(value: unknown): value is ProfileRecord {
  return (
    isObject(value) &&
    value.v === recordFormatVersion &&
    typeof value.name === 'string' &&
    typeof value.identity === 'string' &&
    isTime(value.createdAt)
  );
}

export function isContact(value: unknown): value is Contact {
  const change = isObject(value) ? value.keyChange : undefined;
  return (
    isObject(value) &&
    typeof value.id === 'string' &&
    typeof value.pinnedKey === 'string' &&
    typeof value.displayName === 'string' &&
    typeof value.verified === 'boolean' &&
    isTime(value.firstSeen) &&
    isTime(value.lastSeen) &&
    (change === undefined ||
      (isObject(change) &&
        typeof change.previousKey === 'string' &&
        isTime(change.changedAt) &&
        typeof change.acknowledged === 'boolean'))
  );
}

export function isConversationHead(value: unknown): value is ConversationHead {
  return (
    isObject(value) &&
    value.v === recordFormatVersion &&
    typeof value.epoch === 'string' &&
    /^[A-Za-z0-9_-]+$/.test(value.epoch) &&
    isCount(value.chunkSize) &&
    (value.chunkSize as number) > 0 &&
    isCount(value.count) &&
    isCount(value.unread) &&
    (value.lastMessage === undefined || isStoredMessage(value.lastMessage)) &&
    isTime(value.createdAt) &&
    isTime(value.updatedAt)
  );
}

export function isLogChunk(value: unknown, chunkIndex: number, chunkSize: number): value is LogChunk {
  return (
    isObject(value) &&
    value.v === recordFormatVersion &&
    value.first === chunkIndex * chunkSize &&
    Array.isArray(value.messages) &&
    value.messages.length <= chunkSize &&
    value.messages.every(isStoredMessage)
  );
}
