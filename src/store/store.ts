// The encrypted store: profile, contacts and conversation history, sealed record by record under the vault's
// master key, in one IndexedDB database per store name (record keys and shapes: records.ts).
//
// Invariants
// - Locked means no master key in memory; everything but state / changePassphrase / forgetDevice / importBackup
//   then throws VAULT_LOCKED. The wrapped key is written last when a vault is made or imported, so its presence is
//   what "a profile exists on this device" means; a crash before it leaves an empty store, not a half one.
// - History is an append-only log per conversation, cut into chunks of chunkSize messages (100 by default).
//   Message i lives in chunk floor(i / chunkSize). Appending one message is one write of the tail chunk and then
//   one of the head. The chunks are the truth and the head a summary: if a crash lands between the two writes,
//   the next access re-reads the tail chunk and corrects the count (reconcile). A new conversation's head is
//   written before its first chunk, so no chunk is ever written without a head naming its epoch.
// - Opening the newest n messages reads the head (cached) and the newest ceil(n / chunkSize) + 1 chunks at most:
//   cost does not grow with the length of the conversation. Measured (test/unit/store/perf-measure.ts, on a
//   loaded 2-core machine): newest 50 of 10,000 messages in 2-3 ms cold after a reopen, about 1 ms warm, in
//   Chromium 156; 3 ms cold in Firefox 153. Appending one message: about 2 ms. updateMessageState on the oldest
//   message scans every chunk: 70-170 ms for 10,000 messages (acks concern recent messages, found in the tail).
// - A record that fails to open (tampered, swapped, truncated) or parses to the wrong shape is skipped and listed in
//   the result's `skipped`; the rest still loads. A damaged tail chunk is abandoned (the next message starts a new
//   chunk). A damaged head is rebuilt from the conversation's chunks. Only a damaged profile stops unlocking.
// - All operations on one store run one at a time, in call order (a promise queue): two appends can never read the
//   same tail. One tab should own a store; two tabs appending to the same store would overwrite each other's tail.
import { TincanError, isTincanError } from '../errors';
import { fromBase64Url, toBase64Url } from '../crypto/bytes';
import { normalizeDisplayName } from '../crypto/handshake';
import { createIdentity, deserializeIdentity, identityKeyId, serializeIdentity, type Identity } from '../crypto/identity';
import { getSodium, type Sodium } from '../crypto/sodium';
import {
  createVaultKey,
  defaultKdfLimits,
  openRecordSync,
  rewrapMasterKey,
  sealRecordSync,
  unwrapMasterKey,
  type JsonValue,
  type KdfLimits,
} from '../crypto/vault';
import { decodeBackup, encodeBackup, type BackupRecord } from './backup';
import { openRecordBackend, type RecordBackend } from './record-backend';
import {
  chunkRecordKey,
  contactKeyPrefix,
  contactRecordKey,
  conversationKeyPrefix,
  conversationPrefix,
  defaultChunkSize,
  headRecordKey,
  isContact,
  isConversationHead,
  isLogChunk,
  isProfileRecord,
  isSettingsRecord,
  messageStateOrder,
  parseConversationKey,
  profileRecordKey,
  settingsRecordKey,
  recordFormatVersion,
  wrappedKeyRecordKey,
  type Contact,
  type ConversationHead,
  type LoggedMessage,
  type MessageState,
  type ProfileRecord,
  type StoredIceServer,
  type StoredMessage,
} from './records';
import { formatTranscript, type TranscriptFormat } from './transcript';

export type StoreState = 'empty' | 'locked' | 'unlocked';

export interface StoreOptions {
  /** IndexedDB database name; a different name is a different, independent store. */
  readonly name: string;
  /** Clock in ms since the Unix epoch (tests pass their own). */
  readonly now?: () => number;
  /** Messages per chunk for conversations created by this instance (existing ones keep theirs). */
  readonly chunkSize?: number;
  /** Argon2id limits for new vaults and passphrase changes (tests pass cheap ones; the app keeps the default). */
  readonly kdfLimits?: KdfLimits;
}

export interface Profile {
  readonly name: string;
  readonly identity: Identity;
  readonly createdAt: number;
}

export type SkipReason = 'tampered' | 'malformed' | 'missing';

/** A record left out of a result because it could not be read; indexes given for history chunks. */
export interface SkippedRecord {
  readonly key: string;
  readonly reason: SkipReason;
  readonly firstIndex?: number;
  readonly lastIndex?: number;
}

export interface LoadedMessages {
  /** Oldest first. */
  readonly messages: readonly LoggedMessage[];
  readonly skipped: readonly SkippedRecord[];
  /** Index of the first position this page covers: pass it to loadOlder for the page before. */
  readonly firstIndex: number;
  /** Messages ever appended to the conversation. */
  readonly count: number;
  readonly hasOlder: boolean;
}

export interface ConversationSummary {
  readonly id: string;
  readonly count: number;
  readonly unread: number;
  readonly lastMessage?: StoredMessage;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface AppendResult {
  /** Index given to each message, in order; -1 for a duplicate (an id already in the newest chunk). */
  readonly indexes: readonly number[];
  readonly appended: number;
}

export interface ObservedPeer {
  readonly contact: Contact;
  readonly isNew: boolean;
}

export interface ImportResult {
  readonly profile: Profile;
  /** Records in the file that did not open; they were not imported. */
  readonly skipped: readonly SkippedRecord[];
}

interface LogState {
  head: ConversationHead;
  /** The chunk the next message goes into, with the messages already in it: tail.index*chunkSize + length = count. */
  tail: { readonly index: number; readonly messages: readonly StoredMessage[] };
  /** Set when the head record was damaged and rebuilt from the chunks (reported by loads until rewritten). */
  headNotice?: SkippedRecord;
}

type ChunkRead =
  | { readonly ok: true; readonly messages: readonly StoredMessage[] }
  | { readonly ok: false; readonly reason: SkipReason };

const epochBytes = 9;

function skipReasonOf(thrown: unknown): SkipReason {
  if (isTincanError(thrown, 'RECORD_TAMPERED')) return 'tampered';
  throw thrown;
}

export async function openStore(options: StoreOptions): Promise<TincanStore> {
  const [sodium, backend] = await Promise.all([getSodium(), openRecordBackend(options.name)]);
  return new TincanStore(sodium, backend, options);
}

export class TincanStore {
  readonly name: string;
  private readonly now: () => number;
  private readonly chunkSize: number;
  private readonly kdfLimits: KdfLimits;
  private masterKey: Uint8Array | undefined;
  private profile: Profile | undefined;
  private readonly logs = new Map<string, LogState>();
  private queue: Promise<unknown> = Promise.resolve();

  /** Use openStore. */
  constructor(
    private readonly sodium: Sodium,
    private readonly backend: RecordBackend,
    options: StoreOptions,
  ) {
    this.name = options.name;
    this.now = options.now ?? (() => Date.now());
    this.chunkSize = options.chunkSize ?? defaultChunkSize;
    this.kdfLimits = options.kdfLimits ?? defaultKdfLimits;
    if (!Number.isSafeInteger(this.chunkSize) || this.chunkSize < 1) throw new RangeError('chunkSize must be ≥ 1');
  }

  // -------------------------------------------------------------------------------------------------------------
  // Vault and profile

  state(): Promise<StoreState> {
    return this.exclusive(async () => {
      if (this.masterKey) return 'unlocked';
      return (await this.backend.get(wrappedKeyRecordKey)) instanceof Uint8Array ? 'locked' : 'empty';
    });
  }

  /** Makes the vault, identity and profile on an empty store, and leaves it unlocked. */
  createProfile(name: string, passphrase: string): Promise<Profile> {
    return this.exclusive(async () => {
      if ((await this.backend.get(wrappedKeyRecordKey)) instanceof Uint8Array) {
        // No dedicated code: the UI reads state() first; reaching this is a bug, never a user's doing.
        throw new TincanError('VAULT_LOCKED', 'a profile already exists on this device');
      }
      const { masterKey, wrappedKey } = await createVaultKey(passphrase, this.kdfLimits);
      const identity = await createIdentity();
      const record: ProfileRecord = {
        v: recordFormatVersion,
        name: normalizeDisplayName(name),
        identity: toBase64Url(await serializeIdentity(identity)),
        createdAt: this.now(),
      };
      await this.backend.set(profileRecordKey, this.seal(masterKey, profileRecordKey, record));
      await this.backend.set(wrappedKeyRecordKey, wrappedKey);
      this.masterKey = masterKey;
      this.profile = { name: record.name, identity, createdAt: record.createdAt };
      return this.profile;
    });
  }

  /**
   * Opens the vault. Wrong passphrase -> WRONG_PASSPHRASE with nothing changed; no profile on this device ->
   * VAULT_LOCKED; a damaged profile record -> RECORD_TAMPERED.
   */
  unlock(passphrase: string): Promise<Profile> {
    return this.exclusive(async () => {
      const wrappedKey = await this.backend.get(wrappedKeyRecordKey);
      if (!(wrappedKey instanceof Uint8Array)) throw new TincanError('VAULT_LOCKED', 'no profile on this device');
      const masterKey = await unwrapMasterKey(wrappedKey, passphrase);
      const profile = await this.readProfile(masterKey);
      this.masterKey = masterKey;
      this.profile = profile;
      await this.sweepOrphans();
      return profile;
    });
  }

  /** Forgets the master key and every decrypted cache (after any operation already under way). */
  lock(): Promise<void> {
    return this.exclusive(async () => this.lockNow());
  }

  /** Re-wraps the master key under a new passphrase (and the current KDF limits). No record is re-encrypted. */
  changePassphrase(oldPassphrase: string, newPassphrase: string): Promise<void> {
    return this.exclusive(async () => {
      const wrappedKey = await this.backend.get(wrappedKeyRecordKey);
      if (!(wrappedKey instanceof Uint8Array)) throw new TincanError('VAULT_LOCKED', 'no profile on this device');
      const rewrapped = await rewrapMasterKey(wrappedKey, oldPassphrase, newPassphrase, this.kdfLimits);
      await this.backend.set(wrappedKeyRecordKey, rewrapped);
    });
  }

  /** Removes every record of this store, the wrapped key included. Works locked (a forgotten passphrase). */
  forgetDevice(): Promise<void> {
    return this.exclusive(async () => {
      this.lockNow();
      // The wrapped key first: if clearing is interrupted, what is left can no longer be opened by anyone.
      await this.backend.remove(wrappedKeyRecordKey);
      await this.backend.clear();
    });
  }

  getProfile(): Profile {
    this.requireKey();
    return this.profile!;
  }

  renameProfile(name: string): Promise<Profile> {
    return this.exclusive(async () => {
      const masterKey = this.requireKey();
      const current = this.profile!;
      const record: ProfileRecord = {
        v: recordFormatVersion,
        name: normalizeDisplayName(name),
        identity: toBase64Url(await serializeIdentity(current.identity)),
        createdAt: current.createdAt,
      };
      await this.backend.set(profileRecordKey, this.seal(masterKey, profileRecordKey, record));
      this.profile = { ...current, name: record.name };
      return this.profile;
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Contacts

  getContact(contactId: string): Promise<Contact | undefined> {
    return this.exclusive(() => this.readContact(contactId));
  }

  listContacts(): Promise<{ contacts: Contact[]; skipped: SkippedRecord[] }> {
    return this.exclusive(async () => {
      const masterKey = this.requireKey();
      const contacts: Contact[] = [];
      const skipped: SkippedRecord[] = [];
      for (const key of await this.backend.keys()) {
        if (!key.startsWith(contactKeyPrefix)) continue;
        const read = await this.readSealed(masterKey, key, isContact);
        if (read.ok) contacts.push(read.value);
        else if (read.reason !== 'missing') skipped.push({ key, reason: read.reason });
      }
      contacts.sort((a, b) => b.lastSeen - a.lastSeen);
      return { contacts, skipped };
    });
  }

  /**
   * Records that a peer presented `identityKey` under `displayName` (after a verified Hello): a new contact pinned
   * to that key, or the known contact whose pinned key it is, with its name and lastSeen refreshed.
   */
  observePeer(identityKey: Uint8Array, displayName: string): Promise<ObservedPeer> {
    return this.exclusive(async () => {
      const keyId = identityKeyId(identityKey);
      const now = this.now();
      const known = (await this.readContact(keyId)) ?? (await this.findContactByPinnedKey(keyId));
      const contact: Contact = known
        ? { ...known, displayName: normalizeDisplayName(displayName), lastSeen: now }
        : {
            id: keyId,
            pinnedKey: keyId,
            displayName: normalizeDisplayName(displayName),
            verified: false,
            firstSeen: now,
            lastSeen: now,
          };
      await this.writeContact(contact);
      return { contact, isNew: !known };
    });
  }

  /** 'match' when `identityKey` is the contact's pinned key, 'changed' when not, 'unknown' for no such contact. */
  checkContactKey(contactId: string, identityKey: Uint8Array): Promise<'match' | 'changed' | 'unknown'> {
    return this.exclusive(async () => {
      const contact = await this.readContact(contactId);
      if (!contact) return 'unknown';
      return contact.pinnedKey === identityKeyId(identityKey) ? 'match' : 'changed';
    });
  }

  /** Pins a new key for a known contact: verified is cleared and an unacknowledged key change recorded. */
  recordKeyChange(contactId: string, newIdentityKey: Uint8Array): Promise<Contact> {
    return this.updateContact(contactId, (contact) => ({
      ...contact,
      pinnedKey: identityKeyId(newIdentityKey),
      verified: false,
      keyChange: { previousKey: contact.pinnedKey, changedAt: this.now(), acknowledged: false },
    }));
  }

  acknowledgeKeyChange(contactId: string): Promise<Contact> {
    return this.updateContact(contactId, (contact) =>
      contact.keyChange ? { ...contact, keyChange: { ...contact.keyChange, acknowledged: true } } : contact,
    );
  }

  setVerified(contactId: string, verified: boolean): Promise<Contact> {
    return this.updateContact(contactId, (contact) => ({ ...contact, verified }));
  }

  deleteContact(contactId: string): Promise<void> {
    return this.exclusive(async () => {
      this.requireKey();
      await this.backend.remove(contactRecordKey(contactId));
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Settings

  /** The saved ICE servers, or undefined when none were ever saved (or the record is unreadable). */
  getIceServers(): Promise<readonly StoredIceServer[] | undefined> {
    return this.exclusive(async () => {
      const read = await this.readSealed(this.requireKey(), settingsRecordKey, isSettingsRecord);
      return read.ok ? read.value.iceServers : undefined;
    });
  }

  saveIceServers(iceServers: readonly StoredIceServer[]): Promise<void> {
    return this.exclusive(async () => {
      const record = { v: recordFormatVersion, iceServers };
      await this.backend.set(settingsRecordKey, this.seal(this.requireKey(), settingsRecordKey, record));
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Conversations

  /** Appends one message (a duplicate id in the newest chunk is ignored). One chunk write plus one head write. */
  async appendMessage(conversationId: string, message: StoredMessage): Promise<{ index: number; duplicate: boolean }> {
    const { indexes } = await this.appendMessages(conversationId, [message]);
    const index = indexes[0] ?? -1;
    return { index, duplicate: index === -1 };
  }

  /** Appends several messages with one write per touched chunk and one head write (imports, relayed backlogs). */
  appendMessages(conversationId: string, messages: readonly StoredMessage[]): Promise<AppendResult> {
    return this.exclusive(async () => {
      const masterKey = this.requireKey();
      const log = await this.loadLog(masterKey, conversationId, true);
      if (!log) throw new Error('unreachable: loadLog creates');
      const size = log.head.chunkSize;
      let tail = { index: log.tail.index, messages: [...log.tail.messages] };
      const writes: { index: number; messages: StoredMessage[] }[] = [];
      const indexes: number[] = [];
      let incoming = 0;
      let last: StoredMessage | undefined;
      for (const message of messages) {
        if (tail.messages.some((m) => m.id === message.id)) {
          indexes.push(-1);
          continue;
        }
        if (tail.messages.length >= size) {
          writes.push(tail);
          tail = { index: tail.index + 1, messages: [] };
        }
        indexes.push(tail.index * size + tail.messages.length);
        tail.messages.push(message);
        if (message.direction === 'in') incoming++;
        last = message;
      }
      if (!last) return { indexes, appended: 0 };
      writes.push(tail);
      for (const chunk of writes) {
        const key = chunkRecordKey(conversationId, log.head.epoch, chunk.index);
        await this.backend.set(key, this.seal(masterKey, key, { v: recordFormatVersion, first: chunk.index * size, messages: chunk.messages }));
      }
      const head: ConversationHead = {
        ...log.head,
        count: tail.index * size + tail.messages.length,
        unread: log.head.unread + incoming,
        lastMessage: last,
        updatedAt: this.now(),
      };
      await this.writeHead(masterKey, conversationId, head);
      this.logs.set(conversationId, { head, tail });
      return { indexes, appended: indexes.filter((i) => i >= 0).length };
    });
  }

  /**
   * Moves a message to `state` (never backwards: waiting -> sent -> delivered). Searches from the newest chunk
   * back. Returns false when no readable chunk holds the id.
   */
  updateMessageState(conversationId: string, messageId: string, state: MessageState): Promise<boolean> {
    return this.exclusive(async () => {
      const masterKey = this.requireKey();
      const log = await this.loadLog(masterKey, conversationId, false);
      if (!log) return false;
      const advance = (message: StoredMessage): StoredMessage =>
        messageStateOrder.indexOf(state) > messageStateOrder.indexOf(message.state) ? { ...message, state } : message;
      for (let index = log.tail.index; index >= 0; index--) {
        const inTail = index === log.tail.index;
        const read = inTail ? ({ ok: true, messages: log.tail.messages } as const) : await this.readChunk(masterKey, conversationId, log.head, index);
        if (!read.ok) continue;
        const position = read.messages.findIndex((m) => m.id === messageId);
        if (position === -1) continue;
        const updated = advance(read.messages[position]!);
        if (updated === read.messages[position]) return true;
        const messages = read.messages.map((m, i) => (i === position ? updated : m));
        const key = chunkRecordKey(conversationId, log.head.epoch, index);
        await this.backend.set(key, this.seal(masterKey, key, { v: recordFormatVersion, first: index * log.head.chunkSize, messages }));
        if (inTail) log.tail = { index, messages };
        if (log.head.lastMessage?.id === messageId) {
          log.head = { ...log.head, lastMessage: updated };
          await this.writeHead(masterKey, conversationId, log.head);
          log.headNotice = undefined;
        }
        return true;
      }
      return false;
    });
  }

  /** The newest `n` messages, oldest first. */
  loadNewest(conversationId: string, n: number): Promise<LoadedMessages> {
    return this.loadOlder(conversationId, Number.MAX_SAFE_INTEGER, n);
  }

  /** Up to `n` messages with index < beforeIndex, oldest first (page back with the result's firstIndex). */
  loadOlder(conversationId: string, beforeIndex: number, n: number): Promise<LoadedMessages> {
    return this.exclusive(async () => {
      const masterKey = this.requireKey();
      const log = await this.loadLog(masterKey, conversationId, false);
      if (!log) return { messages: [], skipped: [], firstIndex: 0, count: 0, hasOlder: false };
      return this.readRange(masterKey, conversationId, log, beforeIndex, n);
    });
  }

  listConversations(): Promise<{ conversations: ConversationSummary[]; skipped: SkippedRecord[] }> {
    return this.exclusive(async () => {
      const masterKey = this.requireKey();
      const conversations: ConversationSummary[] = [];
      const skipped: SkippedRecord[] = [];
      const ids = new Set<string>();
      for (const key of await this.backend.keys()) {
        const parsed = parseConversationKey(key);
        if (parsed) ids.add(parsed.conversationId);
      }
      for (const id of ids) {
        const log = await this.loadLog(masterKey, id, false);
        if (!log) continue;
        if (log.headNotice) skipped.push(log.headNotice);
        const { head } = log;
        conversations.push({
          id,
          count: head.count,
          unread: head.unread,
          ...(head.lastMessage ? { lastMessage: head.lastMessage } : {}),
          createdAt: head.createdAt,
          updatedAt: head.updatedAt,
        });
      }
      conversations.sort((a, b) => b.updatedAt - a.updatedAt);
      return { conversations, skipped };
    });
  }

  markRead(conversationId: string): Promise<void> {
    return this.exclusive(async () => {
      const masterKey = this.requireKey();
      const log = await this.loadLog(masterKey, conversationId, false);
      if (!log || log.head.unread === 0) return;
      log.head = { ...log.head, unread: 0 };
      await this.writeHead(masterKey, conversationId, log.head);
      log.headNotice = undefined;
    });
  }

  /** Removes the conversation: its head first (it vanishes at once), then its chunks. */
  deleteConversation(conversationId: string): Promise<void> {
    return this.exclusive(async () => {
      this.requireKey();
      this.logs.delete(conversationId);
      await this.backend.remove(headRecordKey(conversationId));
      const prefix = conversationPrefix(conversationId);
      for (const key of await this.backend.keys()) if (key.startsWith(prefix)) await this.backend.remove(key);
    });
  }

  exportTranscript(conversationId: string, format: TranscriptFormat): Promise<string> {
    return this.exclusive(async () => {
      const masterKey = this.requireKey();
      const log = await this.loadLog(masterKey, conversationId, false);
      const page = log
        ? await this.readRange(masterKey, conversationId, log, log.head.count, log.head.count)
        : { messages: [], skipped: [] };
      const peer = await this.readContact(conversationId);
      const names = new Map<string, string>();
      for (const message of page.messages) {
        if (message.from && !names.has(message.from)) {
          names.set(message.from, (await this.readContact(message.from))?.displayName ?? 'Unknown');
        }
      }
      const peerName = peer?.displayName ?? 'Peer';
      let unreadableMessages = 0;
      for (const skip of page.skipped) {
        if (skip.firstIndex !== undefined && skip.lastIndex !== undefined) unreadableMessages += skip.lastIndex - skip.firstIndex + 1;
      }
      return formatTranscript(
        {
          title: `Tincan conversation with ${peerName}`,
          ownName: this.profile!.name,
          nameOf: (message) => (message.from ? (names.get(message.from) ?? 'Unknown') : peerName),
          messages: page.messages,
          unreadableMessages,
          exportedAt: this.now(),
        },
        format,
      );
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Backup

  /** Every record as stored (still sealed; the master key still wrapped by the passphrase), as one file. */
  exportBackup(): Promise<Uint8Array> {
    return this.exclusive(async () => {
      this.requireKey();
      const records: BackupRecord[] = [];
      for (const key of (await this.backend.keys()).sort()) {
        const value = await this.backend.get(key);
        if (value instanceof Uint8Array) records.push({ key, value });
      }
      return encodeBackup(records);
    });
  }

  /**
   * Replaces this store's contents with a backup and unlocks it. Every check happens before anything is written:
   * a damaged or foreign file -> BACKUP_INVALID, wrong passphrase -> WRONG_PASSPHRASE, and in both cases this
   * store is unchanged. Records in the file that do not open are left out and listed. Writing then removes the
   * current wrapped key first and writes the imported one last, so a write failure (STORAGE_QUOTA) midway leaves
   * an empty store, never a mixture: import the file again.
   */
  importBackup(file: Uint8Array, passphrase: string): Promise<ImportResult> {
    return this.exclusive(async () => {
      const records = await decodeBackup(file);
      const wrapped = records.find((r) => r.key === wrappedKeyRecordKey);
      if (!wrapped) throw new TincanError('BACKUP_INVALID', 'no vault key in the file');
      let masterKey: Uint8Array;
      try {
        masterKey = await unwrapMasterKey(wrapped.value, passphrase);
      } catch (thrown) {
        if (isTincanError(thrown, 'RECORD_TAMPERED')) throw new TincanError('BACKUP_INVALID', thrown.message);
        throw thrown;
      }
      const good: BackupRecord[] = [];
      const skipped: SkippedRecord[] = [];
      let profile: Profile | undefined;
      for (const record of records) {
        if (record.key === wrappedKeyRecordKey) continue;
        try {
          openRecordSync(this.sodium, masterKey, record.key, record.value);
          good.push(record);
        } catch (thrown) {
          skipped.push({ key: record.key, reason: skipReasonOf(thrown) });
        }
      }
      const profileRecord = records.find((r) => r.key === profileRecordKey);
      try {
        if (!profileRecord) throw new TincanError('BACKUP_INVALID', 'no profile in the file');
        profile = await this.readProfile(masterKey, profileRecord.value);
      } catch (thrown) {
        this.sodium.memzero(masterKey);
        if (isTincanError(thrown, 'RECORD_TAMPERED')) throw new TincanError('BACKUP_INVALID', thrown.message);
        throw thrown;
      }
      this.lockNow();
      await this.backend.remove(wrappedKeyRecordKey);
      await this.backend.clear();
      for (const record of good) await this.backend.set(record.key, record.value);
      await this.backend.set(wrappedKeyRecordKey, wrapped.value);
      this.masterKey = masterKey;
      this.profile = profile;
      return { profile, skipped };
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Internals

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Only inside exclusive(): zeroing the key under an operation in flight would seal records with zeros. */
  private lockNow(): void {
    if (this.masterKey) this.sodium.memzero(this.masterKey);
    this.masterKey = undefined;
    this.profile = undefined;
    this.logs.clear();
  }

  private requireKey(): Uint8Array {
    if (!this.masterKey) throw new TincanError('VAULT_LOCKED');
    return this.masterKey;
  }

  private seal(masterKey: Uint8Array, key: string, value: unknown): Uint8Array {
    return sealRecordSync(this.sodium, masterKey, key, value as JsonValue);
  }

  private async readSealed<T>(
    masterKey: Uint8Array,
    key: string,
    check: (value: unknown) => value is T,
    stored?: unknown,
  ): Promise<{ ok: true; value: T } | { ok: false; reason: SkipReason }> {
    const envelope = stored ?? (await this.backend.get(key));
    if (envelope === null || envelope === undefined) return { ok: false, reason: 'missing' };
    let value: unknown;
    try {
      value = openRecordSync(this.sodium, masterKey, key, envelope);
    } catch (thrown) {
      return { ok: false, reason: skipReasonOf(thrown) };
    }
    return check(value) ? { ok: true, value } : { ok: false, reason: 'malformed' };
  }

  private async readProfile(masterKey: Uint8Array, stored?: Uint8Array): Promise<Profile> {
    const read = await this.readSealed(masterKey, profileRecordKey, isProfileRecord, stored);
    if (!read.ok) throw new TincanError('RECORD_TAMPERED', `profile: ${read.reason}`);
    let identityBytes: Uint8Array;
    try {
      identityBytes = fromBase64Url(read.value.identity);
    } catch {
      throw new TincanError('RECORD_TAMPERED', 'profile: identity is not base64url');
    }
    const identity = await deserializeIdentity(identityBytes);
    return { name: read.value.name, identity, createdAt: read.value.createdAt };
  }

  private async readContact(contactId: string): Promise<Contact | undefined> {
    const masterKey = this.requireKey();
    const read = await this.readSealed(masterKey, contactRecordKey(contactId), isContact);
    return read.ok ? read.value : undefined;
  }

  private async findContactByPinnedKey(keyId: string): Promise<Contact | undefined> {
    const masterKey = this.requireKey();
    for (const key of await this.backend.keys()) {
      if (!key.startsWith(contactKeyPrefix)) continue;
      const read = await this.readSealed(masterKey, key, isContact);
      if (read.ok && read.value.pinnedKey === keyId) return read.value;
    }
    return undefined;
  }

  private async writeContact(contact: Contact): Promise<void> {
    const key = contactRecordKey(contact.id);
    await this.backend.set(key, this.seal(this.requireKey(), key, contact));
  }

  private updateContact(contactId: string, change: (contact: Contact) => Contact): Promise<Contact> {
    return this.exclusive(async () => {
      const contact = await this.readContact(contactId);
      if (!contact) throw new TincanError('RECORD_TAMPERED', `no readable contact ${contactId}`);
      const updated = change(contact);
      await this.writeContact(updated);
      return updated;
    });
  }

  private async writeHead(masterKey: Uint8Array, conversationId: string, head: ConversationHead): Promise<void> {
    const key = headRecordKey(conversationId);
    await this.backend.set(key, this.seal(masterKey, key, head));
  }

  private async readChunk(
    masterKey: Uint8Array,
    conversationId: string,
    head: Pick<ConversationHead, 'epoch' | 'chunkSize'>,
    index: number,
  ): Promise<ChunkRead> {
    const read = await this.readSealed(masterKey, chunkRecordKey(conversationId, head.epoch, index), (value): value is {
      messages: StoredMessage[];
    } => isLogChunk(value, index, head.chunkSize));
    return read.ok ? { ok: true, messages: read.value.messages } : read;
  }

  /** The conversation's head and tail, reconciled with the chunks (see the header); cached while unlocked. */
  private async loadLog(masterKey: Uint8Array, conversationId: string, create: boolean): Promise<LogState | undefined> {
    const cached = this.logs.get(conversationId);
    if (cached) return cached;
    const headKey = headRecordKey(conversationId);
    const read = await this.readSealed(masterKey, headKey, isConversationHead);
    let head: ConversationHead;
    let headNotice: SkippedRecord | undefined;
    if (read.ok) {
      head = read.value;
    } else if (read.reason === 'missing') {
      if (!create) return undefined;
      const now = this.now();
      head = {
        v: recordFormatVersion,
        epoch: toBase64Url(this.sodium.randombytes_buf(epochBytes)),
        chunkSize: this.chunkSize,
        count: 0,
        unread: 0,
        createdAt: now,
        updatedAt: now,
      };
      await this.writeHead(masterKey, conversationId, head);
    } else {
      headNotice = { key: headKey, reason: read.reason };
      head = await this.rebuildHead(masterKey, conversationId);
    }
    const log = await this.reconcile(masterKey, conversationId, head);
    if (headNotice) log.headNotice = headNotice;
    this.logs.set(conversationId, log);
    return log;
  }

  /** A head for a conversation whose head record is damaged: epoch and chunk size recovered from its chunks. */
  private async rebuildHead(masterKey: Uint8Array, conversationId: string): Promise<ConversationHead> {
    const byEpoch = new Map<string, number[]>();
    for (const key of await this.backend.keys()) {
      const parsed = parseConversationKey(key);
      if (parsed?.kind !== 'chunk' || parsed.conversationId !== conversationId) continue;
      byEpoch.set(parsed.epoch, [...(byEpoch.get(parsed.epoch) ?? []), parsed.chunkIndex]);
    }
    const now = this.now();
    const [epoch, indexes] = [...byEpoch].sort((a, b) => b[1].length - a[1].length)[0] ?? [
      toBase64Url(this.sodium.randombytes_buf(epochBytes)),
      [],
    ];
    // Chunk n starts at message n * chunkSize; any readable chunk past the first tells the size.
    let chunkSize = Math.max(this.chunkSize, defaultChunkSize);
    const last = Math.max(0, ...indexes);
    for (const index of indexes.filter((i) => i > 0)) {
      const value = await this.backend.get(chunkRecordKey(conversationId, epoch, index));
      try {
        const opened = openRecordSync(this.sodium, masterKey, chunkRecordKey(conversationId, epoch, index), value);
        const first = (opened as { first?: unknown }).first;
        if (Number.isSafeInteger(first) && (first as number) % index === 0) {
          chunkSize = (first as number) / index;
          break;
        }
      } catch {
        // unreadable: try the next one
      }
    }
    return { v: recordFormatVersion, epoch, chunkSize, count: last * chunkSize, unread: 0, createdAt: now, updatedAt: now };
  }

  /** Finds the true tail from head.count: the chunks are the truth (a crash may have cut off a head write). */
  private async reconcile(masterKey: Uint8Array, conversationId: string, head: ConversationHead): Promise<LogState> {
    const size = head.chunkSize;
    let index = Math.floor(head.count / size);
    for (;;) {
      const read = await this.readChunk(masterKey, conversationId, head, index);
      if (read.ok && read.messages.length < size) {
        return this.logState(head, index, read.messages);
      }
      if (read.ok || read.reason !== 'missing') {
        // Full, or damaged (abandoned: the next message starts the following chunk). A crash may have left a
        // written chunk after it.
        index++;
        continue;
      }
      // Missing: the normal end when the head says no message is here; otherwise those messages are lost.
      return this.logState(head, head.count > index * size ? index + 1 : index, []);
    }
  }

  private logState(head: ConversationHead, tailIndex: number, tailMessages: readonly StoredMessage[]): LogState {
    const count = tailIndex * head.chunkSize + tailMessages.length;
    const lastMessage = tailMessages.at(-1) ?? head.lastMessage;
    const reconciled =
      count === head.count ? head : { ...head, count, ...(lastMessage ? { lastMessage } : {}) };
    return { head: reconciled, tail: { index: tailIndex, messages: tailMessages } };
  }

  private async readRange(
    masterKey: Uint8Array,
    conversationId: string,
    log: LogState,
    beforeIndex: number,
    n: number,
  ): Promise<LoadedMessages> {
    const { head, tail } = log;
    const size = head.chunkSize;
    const end = Math.max(0, Math.min(beforeIndex, head.count));
    const start = Math.max(0, end - Math.max(0, Math.floor(n)));
    const messages: LoggedMessage[] = [];
    const skipped: SkippedRecord[] = log.headNotice ? [log.headNotice] : [];
    if (end > start) {
      for (let index = Math.floor(start / size); index <= Math.floor((end - 1) / size); index++) {
        const first = index * size;
        const read =
          index === tail.index ? ({ ok: true, messages: tail.messages } as const) : await this.readChunk(masterKey, conversationId, head, index);
        if (!read.ok) {
          skipped.push({
            key: chunkRecordKey(conversationId, head.epoch, index),
            reason: read.reason,
            firstIndex: Math.max(start, first),
            lastIndex: Math.min(end, first + size) - 1,
          });
          continue;
        }
        read.messages.forEach((message, offset) => {
          const position = first + offset;
          if (position >= start && position < end) messages.push({ ...message, index: position });
        });
      }
    }
    return { messages, skipped, firstIndex: start, count: head.count, hasOlder: start > 0 };
  }

  /** Removes chunks no head points to (left by a deleteConversation that was interrupted). */
  private async sweepOrphans(): Promise<void> {
    const masterKey = this.requireKey();
    const keys = await this.backend.keys();
    const epochs = new Map<string, string | null>();
    for (const key of keys) {
      const parsed = parseConversationKey(key);
      if (parsed?.kind !== 'head') continue;
      const read = await this.readSealed(masterKey, key, isConversationHead);
      // A damaged head keeps all its chunks: they are what rebuildHead works from.
      epochs.set(parsed.conversationId, read.ok ? read.value.epoch : null);
    }
    for (const key of keys) {
      if (!key.startsWith(conversationKeyPrefix)) continue;
      const parsed = parseConversationKey(key);
      if (parsed?.kind !== 'chunk') continue;
      const epoch = epochs.get(parsed.conversationId);
      if (epoch === undefined || (epoch !== null && epoch !== parsed.epoch)) await this.backend.remove(key);
    }
  }
}
