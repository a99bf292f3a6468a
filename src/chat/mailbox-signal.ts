// What two pages say to each other through a mailbox both visit (docs/mailbox.md §6): a one-code reconnect code
// (chat/pairing.ts), sealed with crypto_box from the sender's identity key to the recipient's (both Ed25519 keys,
// turned into X25519 ones), so the mailbox that forwards it cannot read it nor make one. The sealed text names both
// keys, so a mailbox cannot hand a page its own signal back as someone else's.
//
// payload = base64url( nonce (24 bytes) || crypto_box_easy(version 1 || from key (32) || to key (32) || code UTF-8) )
import { bytesEqual, concatBytes, fromBase64Url, toBase64Url } from '../crypto/bytes';
import type { Identity } from '../crypto/identity';
import type { Sodium } from '../crypto/sodium';
import { maxSignalPayloadChars } from './mailbox-protocol';

const signalVersion = 1;
const keyBytes = 32;
/** The longest code a signal carries: its payload stays below maxSignalPayloadChars. */
export const maxSignalCodeChars = 1_200;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function boxKeys(sodium: Sodium, own: Identity, other: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array } {
  return { publicKey: sodium.crypto_sign_ed25519_pk_to_curve25519(other), secretKey: sodium.crypto_sign_ed25519_sk_to_curve25519(own.secretKey) };
}

/** `code` sealed from `identity` to the identity key `to`; undefined when the code is longer than a signal carries. */
export function sealSignal(sodium: Sodium, identity: Identity, to: Uint8Array, code: string): string | undefined {
  if (code.length > maxSignalCodeChars) return undefined;
  const { publicKey, secretKey } = boxKeys(sodium, identity, to);
  try {
    const nonce = sodium.randombytes_buf(sodium.crypto_box_NONCEBYTES);
    const plain = concatBytes(new Uint8Array([signalVersion]), identity.publicKey, to, encoder.encode(code));
    return toBase64Url(concatBytes(nonce, sodium.crypto_box_easy(plain, nonce, publicKey, secretKey)));
  } finally {
    sodium.memzero(secretKey);
  }
}

/** The code a signal from the identity key `from` carries, or undefined for anything else (untrusted input). */
export function openSignal(sodium: Sodium, identity: Identity, from: Uint8Array, payload: string): string | undefined {
  if (payload.length > maxSignalPayloadChars || from.length !== keyBytes) return undefined;
  let secretKey: Uint8Array | undefined;
  try {
    const bytes = fromBase64Url(payload);
    const nonceBytes = sodium.crypto_box_NONCEBYTES;
    if (bytes.length < nonceBytes + sodium.crypto_box_MACBYTES + 1 + 2 * keyBytes) return undefined;
    const keys = boxKeys(sodium, identity, from);
    secretKey = keys.secretKey;
    const plain = sodium.crypto_box_open_easy(bytes.subarray(nonceBytes), bytes.subarray(0, nonceBytes), keys.publicKey, secretKey);
    if (plain[0] !== signalVersion) return undefined;
    if (!bytesEqual(plain.subarray(1, 1 + keyBytes), from) || !bytesEqual(plain.subarray(1 + keyBytes, 1 + 2 * keyBytes), identity.publicKey)) return undefined;
    return decoder.decode(plain.subarray(1 + 2 * keyBytes));
  } catch {
    return undefined; // not base64url, not sealed between these two keys, or not UTF-8
  } finally {
    if (secretKey) sodium.memzero(secretKey);
  }
}
