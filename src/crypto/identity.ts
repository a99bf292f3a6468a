// A person's long-term identity: one Ed25519 signing key pair (crypto_sign), made once per profile and kept in the
// sealed profile record. The public key is the identity: contacts are keyed by it and safety numbers derive from it.
//
// Serialized form (identityBytes = 65 bytes), for sealing inside the profile record:
//   offset  size  field
//   0       1     version (identityFormatVersion = 1)
//   1       32    Ed25519 seed (the secret from which libsodium expands the 64-byte secret key)
//   33      32    Ed25519 public key (redundant; checked against the seed on load)
// Only the seed is secret; storing the public key too lets a corrupted record be detected rather than silently
// yielding a different identity.
import { TincanError } from '../errors';
import { bytesEqual, concatBytes, toBase64Url } from './bytes';
import { getSodium } from './sodium';

export const identityFormatVersion = 1;
export const identityPublicKeyBytes = 32;
export const identitySeedBytes = 32;
export const identitySignatureBytes = 64;
export const identityBytes = 1 + identitySeedBytes + identityPublicKeyBytes;

export interface Identity {
  /** Ed25519 public key, 32 bytes. */
  readonly publicKey: Uint8Array;
  /** libsodium Ed25519 secret key, 64 bytes (seed || public key). */
  readonly secretKey: Uint8Array;
}

export async function createIdentity(): Promise<Identity> {
  const sodium = await getSodium();
  const { publicKey, privateKey } = sodium.crypto_sign_keypair();
  return { publicKey, secretKey: privateKey };
}

export async function serializeIdentity(identity: Identity): Promise<Uint8Array> {
  const sodium = await getSodium();
  const seed = sodium.crypto_sign_ed25519_sk_to_seed(identity.secretKey);
  try {
    return concatBytes(new Uint8Array([identityFormatVersion]), seed, identity.publicKey);
  } finally {
    sodium.memzero(seed);
  }
}

/** Rebuilds an identity from serializeIdentity's bytes; anything inconsistent -> RECORD_TAMPERED. */
export async function deserializeIdentity(bytes: Uint8Array): Promise<Identity> {
  if (bytes.length !== identityBytes || bytes[0] !== identityFormatVersion) {
    throw new TincanError('RECORD_TAMPERED', 'not a Tincan identity');
  }
  const sodium = await getSodium();
  const { publicKey, privateKey } = sodium.crypto_sign_seed_keypair(bytes.subarray(1, 1 + identitySeedBytes));
  if (!bytesEqual(publicKey, bytes.subarray(1 + identitySeedBytes))) {
    throw new TincanError('RECORD_TAMPERED', 'identity public key does not match its seed');
  }
  return { publicKey, secretKey: privateKey };
}

/** Text id of an identity public key: base64url without padding (43 characters). Used as the contact id. */
export function identityKeyId(publicKey: Uint8Array): string {
  if (publicKey.length !== identityPublicKeyBytes) throw new TypeError('identity public keys are 32 bytes');
  return toBase64Url(publicKey);
}
