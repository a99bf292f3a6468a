// A vault of Tincan's first version, written as its store.ts (commit aa02e20) wrote one: a version-1 wrapped key,
// the profile, contacts without stamps, no manifest, and each conversation as a head with an epoch plus chunks of
// chunkSize messages, every record sealed with the same envelope (crypto/vault.ts sealRecord, the storage key as
// associated data). Shared by the Node and browser migration tests (no DOM, no Node APIs).
import { concatBytes, toBase64Url, utf8 } from '../../../src/crypto/bytes';
import { createIdentity, serializeIdentity } from '../../../src/crypto/identity';
import { getSodium } from '../../../src/crypto/sodium';
import { sealRecord, type JsonValue, type KdfLimits } from '../../../src/crypto/vault';
import type { RecordBackend, RecordWrite } from '../../../src/store/record-backend';

export interface OldMessage {
  readonly id: string;
  readonly direction: 'in' | 'out';
  readonly text: string;
  readonly sentAt: number;
  readonly state: 'waiting' | 'sent' | 'delivered';
  readonly receivedAt?: number;
}

export interface OldConversation {
  /** The contact id (the old app's conversation id). */
  readonly id: string;
  readonly messages: readonly OldMessage[];
  readonly chunkSize?: number;
  readonly unread?: number;
  /** What the head counts (default: every message; less = a crash between the chunk write and the head write). */
  readonly headCount?: number;
  readonly epoch?: string;
}

export interface OldVault {
  readonly passphrase: string;
  readonly kdf: KdfLimits;
  readonly contacts: readonly string[];
  readonly conversations: readonly OldConversation[];
}

/** A version-1 wrap as Tincan made it before the integrity hash (same layout, version byte 1, 98 bytes). */
export async function makeV1Wrap(masterKey: Uint8Array, passphrase: string, limits: KdfLimits): Promise<Uint8Array> {
  const sodium = await getSodium();
  const header = new Uint8Array(50);
  const headerView = new DataView(header.buffer);
  header[0] = 1;
  header[1] = 1;
  headerView.setUint32(2, limits.opsLimit);
  headerView.setUint32(6, limits.memLimitBytes / 1024);
  header.set(sodium.randombytes_buf(16), 10);
  header.set(sodium.randombytes_buf(24), 26);
  const kek = sodium.crypto_pwhash(32, utf8(passphrase), header.subarray(10, 26), limits.opsLimit, limits.memLimitBytes, sodium.crypto_pwhash_ALG_ARGON2ID13);
  const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(masterKey, concatBytes(utf8('tincan/vault-wrap/v1'), header), null, header.subarray(26, 50), kek);
  return concatBytes(header, sealed);
}

/** The old keys: conv/<encodeURIComponent(cid)>/head and conv/<cid>/<epoch>/<n> (n unpadded). */
export const oldHeadKey = (conversationId: string): string => `conv/${encodeURIComponent(conversationId)}/head`;
export const oldChunkKey = (conversationId: string, epoch: string, n: number): string => `conv/${encodeURIComponent(conversationId)}/${epoch}/${n}`;

/** A random epoch as the old store made them: base64url of 9 random bytes. */
export async function oldEpoch(): Promise<string> {
  return toBase64Url((await getSodium()).randombytes_buf(9));
}

/** Writes the old vault into an empty backend; returns the master key (to seal odd records in tests). */
export async function writeOldVault(backend: RecordBackend, vault: OldVault): Promise<{ masterKey: Uint8Array; epochs: Map<string, string> }> {
  const sodium = await getSodium();
  const masterKey = sodium.randombytes_buf(32);
  const writes: RecordWrite[] = [];
  const seal = async (key: string, value: unknown) => writes.push({ key, value: await sealRecord(masterKey, key, value as JsonValue) });
  const identity = await createIdentity();
  await seal('profile', { v: 1, name: 'Ada', identity: toBase64Url(await serializeIdentity(identity)), createdAt: Date.UTC(2024, 0, 1) });
  for (const id of vault.contacts) {
    await seal(`contact/${id}`, { id, pinnedKey: id, displayName: `Peer ${id.slice(0, 3)}`, verified: true, firstSeen: 1, lastSeen: 2 });
  }
  const epochs = new Map<string, string>();
  for (const conversation of vault.conversations) {
    const epoch = conversation.epoch ?? (await oldEpoch());
    epochs.set(conversation.id, epoch);
    const size = conversation.chunkSize ?? 100;
    const messages = conversation.messages;
    await seal(oldHeadKey(conversation.id), {
      v: 1,
      epoch,
      chunkSize: size,
      count: conversation.headCount ?? messages.length,
      unread: conversation.unread ?? 0,
      ...(messages.length > 0 ? { lastMessage: messages[messages.length - 1] } : {}),
      createdAt: Date.UTC(2024, 0, 2),
      updatedAt: Date.UTC(2024, 0, 3),
    });
    for (let n = 0; n * size < messages.length; n++) {
      await seal(oldChunkKey(conversation.id, epoch, n), { v: 1, first: n * size, messages: messages.slice(n * size, (n + 1) * size) });
    }
  }
  writes.push({ key: 'vault/wrapped-key', value: await makeV1Wrap(masterKey, vault.passphrase, vault.kdf) });
  await backend.write(writes);
  return { masterKey, epochs };
}
