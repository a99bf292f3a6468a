// Tincan's first history format (a head with an epoch, chunks of messages), read once so that conversation-log.ts
// can move it into one record per message. Nothing here writes the old format.
//
// The old layout (src/store/store.ts and records.ts at commit aa02e20), sealed like every record here
// (crypto/vault.ts: the storage key as associated data) under the same master key:
//   conv/<cid>/head            { v: 1, epoch, chunkSize, count, unread, lastMessage?, createdAt, updatedAt }
//   conv/<cid>/<epoch>/<n>     { v: 1, first: n * chunkSize, messages: StoredMessage[] }   (n: unpadded decimal)
// <cid> is the contact id, which stays the conversation id of a two-person conversation. The epoch is 12 base64url
// characters (9 random bytes); the middle segment of a message key (conv/<cid>/m/<index>) or an id key
// (conv/<cid>/i/<hash>) is one character, so the three kinds of key never look alike.
//
// The old store's rules, which decide what is read:
// - Message i lives in chunk floor(i / chunkSize), and every chunk but the newest is full. A damaged chunk was
//   skipped and counted as chunkSize messages (the next message started the following chunk); a chunk written
//   after the head's count (a crash between the two writes) still holds messages: the chunks are the truth.
// - Chunks of an epoch other than the head's are what a deleted earlier conversation with the same id left behind
//   (the old store swept them at unlock): never shown, removed with the rest.
// - A lost or damaged head is rebuilt from the epoch with the most chunks (issue 8: chunks are never erased because
//   a head is missing). Its other epochs are kept as they are, since nothing says which life they belong to.
// - The old checks were looser than records.ts (any finite time, any id string). A message whose sentAt a Date
//   cannot hold (issue 8's 1e16) takes its receivedAt; an id that is not base64url gets a stable one derived from
//   it (BLAKE2b-96), so a second migration of the same message finds it; anything else that fails
//   isStoredMessage is an unreadable message, counted where it was.
import { toBase64Url, utf8 } from '../crypto/bytes';
import type { RecordBackend } from './record-backend';
import { conversationPrefix, isIdString, isStoredMessage, isTime, maxStoredTextChars, type StoredMessage } from './records';
import type { OpenVault, SkippedRecord } from './sealed-records';

/** The chunk size of the old store (used when no head says otherwise and no chunk tells it). */
export const legacyChunkSize = 100;
/** The old store's chunk size was an option (100 by default): a head claiming more is not one it wrote. */
const maxLegacyChunkSize = 100_000;
/** Chunks past the last stored one that a head may count as lost (a bound on what a damaged count costs). */
const maxMissingTailChunks = 1000;
/** Bytes of the hash that stands in for an old id that is not base64url (16 base64url characters). */
const replacementIdBytes = 12;

/** What migration needs from an old head. */
export interface LegacyHead {
  readonly epoch: string;
  readonly chunkSize: number;
  readonly count: number;
  readonly unread: number;
  readonly createdAt?: number;
  readonly updatedAt?: number;
}

/** One position of the old log: a message to keep, or `unreadable` positions whose messages are lost. */
export type LegacyItem = { readonly message: StoredMessage; readonly unreadable?: undefined } | { readonly unreadable: number };

export interface LegacyHistory {
  /** In the old order. */
  readonly items: readonly LegacyItem[];
  /** Chunks that did not open, had the wrong shape, or were missing inside the head's count. */
  readonly damaged: readonly SkippedRecord[];
  /** Every old record of the conversation to remove once migrated: the chunks read and those left over. */
  readonly oldKeys: readonly string[];
  readonly unread: number;
  readonly createdAt?: number;
  readonly updatedAt?: number;
}

type Loose = { readonly [key: string]: unknown };
const isObject = (value: unknown): value is Loose => typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const epochPattern = /^[A-Za-z0-9_-]{2,64}$/;

/** Conversation, epoch and chunk number of an old chunk key; undefined for any other key. */
export function parseLegacyChunkKey(key: string): { conversationId: string; epoch: string; chunkIndex: number } | undefined {
  const match = /^conv\/([^/]+)\/([A-Za-z0-9_-]{2,64})\/(\d{1,9})$/.exec(key);
  if (!match) return undefined;
  try {
    return { conversationId: decodeURIComponent(match[1]!), epoch: match[2]!, chunkIndex: Number(match[3]) };
  } catch {
    return undefined;
  }
}

export function legacyChunkKey(conversationId: string, epoch: string, chunkIndex: number): string {
  return `${conversationPrefix(conversationId)}${epoch}/${chunkIndex}`;
}

/** An opened head of the old format (records.ts heads carry a stamp; old ones never do). */
export function isLegacyHead(value: unknown): value is LegacyHead {
  return (
    isObject(value) &&
    value.v === 1 &&
    value.stamp === undefined &&
    typeof value.epoch === 'string' &&
    epochPattern.test(value.epoch) &&
    isCount(value.chunkSize) &&
    value.chunkSize > 0 &&
    value.chunkSize <= maxLegacyChunkSize &&
    isCount(value.count) &&
    isCount(value.unread)
  );
}

interface LegacyChunk {
  readonly first: number;
  readonly messages: readonly unknown[];
}

const isLegacyChunk = (value: unknown): value is LegacyChunk =>
  isObject(value) && value.v === 1 && isCount(value.first) && Array.isArray(value.messages);

/**
 * Reads a conversation of the old format: its head (undefined when lost or damaged) and chunks. Undefined when it
 * has neither a head nor a chunk. Never throws for anything storage holds.
 */
export async function readLegacyHistory(
  backend: RecordBackend,
  vault: OpenVault,
  conversationId: string,
  head: LegacyHead | undefined,
): Promise<LegacyHistory | undefined> {
  const byEpoch = new Map<string, Map<number, string>>();
  for (const key of await backend.keys(conversationPrefix(conversationId))) {
    const parsed = parseLegacyChunkKey(key);
    if (!parsed || parsed.conversationId !== conversationId) continue;
    let chunks = byEpoch.get(parsed.epoch);
    if (!chunks) byEpoch.set(parsed.epoch, (chunks = new Map()));
    chunks.set(parsed.chunkIndex, key);
  }
  const epoch = head?.epoch ?? mostChunks(byEpoch);
  if (epoch === undefined) return undefined;
  const listed = byEpoch.get(epoch) ?? new Map<number, string>();
  const count = head?.count ?? 0;
  let size = head?.chunkSize ?? legacyChunkSize;
  const highestListed = Math.max(-1, ...listed.keys());
  // Chunks the head counts but storage lacks are lost messages; a head that counts absurdly many is held to a bound.
  const lastIndex = Math.max(highestListed, Math.min(Math.ceil(count / size) - 1, highestListed + maxMissingTailChunks));
  const keys = Array.from({ length: lastIndex + 1 }, (_, n) => legacyChunkKey(conversationId, epoch, n));
  const stored = keys.length > 0 ? await backend.getMany(keys) : [];
  const opened = keys.map((key, n) => vault.open(key, stored[n], isLegacyChunk));
  if (!head) size = inferChunkSize(opened) ?? size;

  const items: LegacyItem[] = [];
  const damaged: SkippedRecord[] = [];
  opened.forEach((chunk, n) => {
    if (chunk.ok && chunk.value.first === n * size && chunk.value.messages.length <= size) {
      for (const value of chunk.value.messages) {
        const message = legacyMessage(vault, value);
        items.push(message ? { message } : { unreadable: 1 });
      }
      return;
    }
    // Every chunk but the newest was full; the newest held what the head counts in it (at least one message).
    const held = n < lastIndex ? size : Math.min(size, Math.max(1, count - n * size));
    damaged.push({ key: keys[n]!, reason: chunk.ok ? 'malformed' : chunk.reason });
    items.push({ unreadable: held });
  });
  // The head's epoch: every other epoch is a deleted conversation's leftovers. A rebuilt head: only its epoch goes.
  const oldKeys = head ? [...byEpoch.values()].flatMap((chunks) => [...chunks.values()]) : [...listed.values()];
  return {
    items,
    damaged,
    oldKeys,
    unread: head?.unread ?? 0,
    ...(head && isTime(head.createdAt) ? { createdAt: head.createdAt } : {}),
    ...(head && isTime(head.updatedAt) ? { updatedAt: head.updatedAt } : {}),
  };
}

/** The epoch with the most chunks (the old store's choice when rebuilding a head); ties go to the first in order. */
function mostChunks(byEpoch: ReadonlyMap<string, ReadonlyMap<number, string>>): string | undefined {
  let best: string | undefined;
  for (const [epoch, chunks] of [...byEpoch].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (best === undefined || chunks.size > byEpoch.get(best)!.size) best = epoch;
  }
  return best;
}

/** chunk n starts at message n * size: any readable chunk past the first tells the size. */
function inferChunkSize(opened: readonly ({ ok: true; value: LegacyChunk } | { ok: false })[]): number | undefined {
  for (const [n, chunk] of opened.entries()) {
    if (n > 0 && chunk.ok && chunk.value.first > 0 && chunk.value.first % n === 0) return chunk.value.first / n;
  }
  return undefined;
}

/** A message of the old format as records.ts wants it (see the header), or undefined when it cannot be one. */
export function legacyMessage(vault: OpenVault, value: unknown): StoredMessage | undefined {
  if (!isObject(value) || typeof value.id !== 'string' || value.id.length === 0) return undefined;
  const receivedAt = isTime(value.receivedAt) ? value.receivedAt : undefined;
  const sentAt = isTime(value.sentAt) ? value.sentAt : receivedAt;
  if (sentAt === undefined || typeof value.text !== 'string' || value.text.length > maxStoredTextChars) return undefined;
  const id = isIdString(value.id) ? value.id : toBase64Url(vault.sodium.crypto_generichash(replacementIdBytes, utf8(value.id), null));
  const message = {
    id,
    direction: value.direction,
    text: value.text,
    sentAt,
    state: value.state,
    ...(receivedAt !== undefined ? { receivedAt } : {}),
    ...(isIdString(value.from) ? { from: value.from } : {}),
    ...(isObject(value.meta) ? { meta: value.meta } : {}),
  };
  return isStoredMessage(message) ? message : undefined;
}
