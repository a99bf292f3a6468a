// Conversation ids on the wire (frames.ts). Two people derive the same id for their conversation from their
// identity keys alone, so nothing has to be agreed or stored first:
//   dm:<base64url(BLAKE2b-128("tincan/dm/v1" || 0x00 || min(keyA, keyB) || max(keyA, keyB)))>
// with the two 32-byte Ed25519 identity keys ordered bytewise. A group gets a random 128-bit id (`g:`) later.
// On this device a two-person conversation is stored under the contact's id (store/); the wire id is only compared.
import { concatBytes, toBase64Url, utf8 } from '../crypto/bytes';
import { getSodium } from '../crypto/sodium';

const dmDomain = utf8('tincan/dm/v1');
const conversationIdBytes = 16;

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** The wire id of the conversation between the holders of these two identity keys (order does not matter). */
export async function dmConversationId(ownKey: Uint8Array, peerKey: Uint8Array): Promise<string> {
  const sodium = await getSodium();
  const [low, high] = compareBytes(ownKey, peerKey) <= 0 ? [ownKey, peerKey] : [peerKey, ownKey];
  const digest = sodium.crypto_generichash(conversationIdBytes, concatBytes(dmDomain, new Uint8Array([0]), low, high), null);
  return `dm:${toBase64Url(digest)}`;
}
