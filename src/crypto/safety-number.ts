// Safety numbers: what two people compare (aloud, or by scanning a QR in person) to be sure no one sits between
// them. Derived only from the two identity keys, the same way Signal derives its numeric fingerprints
// (libsignal NumericFingerprintGenerator, version 0):
//
//   h_0     = u16 safetyNumberVersion (0) || identity key (32 bytes) || stable id
//   h_i     = SHA-512(h_{i-1} || identity key)            for i = 1 .. 5200 (safetyNumberIterations)
//   digits  = for each of the first six 5-byte chunks of h_5200 (big-endian 40-bit integer): value mod 100000,
//             zero-padded to 5 digits -> 30 digits per identity
//   number  = the two 30-digit halves, smaller string first (so both sides print the same 60 digits),
//             shown as 12 groups of 5.
// The iterations make finding a second key with the same half cost 5200 SHA-512s per guess. Tincan has no
// account or phone number, so the "stable id" slot holds a fixed domain label (stableIdLabel): the key is the
// identity. Keys are the raw 32-byte Ed25519 keys (Signal prefixes a type byte; no interoperability is intended).
//
// Scannable form (safetyNumberQrBytes = 65 bytes), shown as a QR to scan in person:
//   offset  size  field
//   0       1     version (scannableVersion = 1)
//   1       32    the shower's own fingerprint (first 32 bytes of h_5200 for the shower's identity key)
//   33      32    the fingerprint the shower has for the peer
// A scanner holding the same two keys finds its peer's fingerprint first and its own second.
//
// Cost: both halves (2 x 5200 rounds of libsodium's crypto_hash_sha512) take 10-19 ms in headless Chromium 156 and
// about 40 ms in Firefox 153 here (test/unit/store/perf-measure.ts); SubtleCrypto took about 55 ms for one half,
// because every round is an await.
import { concatBytes, u16, utf8 } from './bytes';
import { identityPublicKeyBytes } from './identity';
import { getSodium } from './sodium';

export const safetyNumberVersion = 0;
export const safetyNumberIterations = 5200;
export const digitsPerIdentity = 30;
export const safetyNumberGroups = 12;
export const digitsPerGroup = 5;
export const scannableVersion = 1;
export const scannableFingerprintBytes = 32;
export const safetyNumberQrBytes = 1 + 2 * scannableFingerprintBytes;

const stableIdLabel = utf8('tincan/safety-number');
const chunkBytes = 5;

async function iteratedHash(identityKey: Uint8Array): Promise<Uint8Array> {
  if (identityKey.length !== identityPublicKeyBytes) throw new TypeError('identity public keys are 32 bytes');
  const sodium = await getSodium();
  // One buffer reused for every round: [previous hash (64) | key (32)] after round 0.
  let hash = sodium.crypto_hash_sha512(concatBytes(u16(safetyNumberVersion), identityKey, stableIdLabel, identityKey));
  const input = new Uint8Array(64 + identityPublicKeyBytes);
  input.set(identityKey, 64);
  for (let i = 1; i < safetyNumberIterations; i++) {
    input.set(hash, 0);
    hash = sodium.crypto_hash_sha512(input);
  }
  return hash;
}

function displayDigits(hash: Uint8Array): string {
  let digits = '';
  for (let offset = 0; offset < digitsPerIdentity / digitsPerGroup * chunkBytes; offset += chunkBytes) {
    let value = 0;
    for (let i = 0; i < chunkBytes; i++) value = value * 256 + hash[offset + i]!; // 40 bits: exact in a double
    digits += String(value % 100000).padStart(digitsPerGroup, '0');
  }
  return digits;
}

export interface SafetyNumber {
  /** The 60 digits, no spaces. */
  readonly digits: string;
  /** 12 groups of 5 digits, in display order. */
  readonly groups: readonly string[];
}

export async function safetyNumber(ownIdentityKey: Uint8Array, peerIdentityKey: Uint8Array): Promise<SafetyNumber> {
  const [own, peer] = await Promise.all([iteratedHash(ownIdentityKey), iteratedHash(peerIdentityKey)]);
  const halves = [displayDigits(own), displayDigits(peer)].sort();
  const digits = halves.join('');
  const groups: string[] = [];
  for (let i = 0; i < digits.length; i += digitsPerGroup) groups.push(digits.slice(i, i + digitsPerGroup));
  return { digits, groups };
}

/** Compares a typed or pasted safety number with the computed one, ignoring spaces, dashes and line breaks. */
export function safetyNumbersMatch(typed: string, expected: SafetyNumber): boolean {
  return typed.replace(/[\s-]/g, '') === expected.digits;
}

/** The bytes for the in-person QR (layout in the header). */
export async function safetyNumberQrPayload(ownIdentityKey: Uint8Array, peerIdentityKey: Uint8Array): Promise<Uint8Array> {
  const [own, peer] = await Promise.all([iteratedHash(ownIdentityKey), iteratedHash(peerIdentityKey)]);
  return concatBytes(
    new Uint8Array([scannableVersion]),
    own.subarray(0, scannableFingerprintBytes),
    peer.subarray(0, scannableFingerprintBytes),
  );
}

export type ScanComparison =
  | { readonly match: true }
  | { readonly match: false; readonly reason: 'not-a-safety-number' | 'newer-version' | 'different-keys' };

/** Checks a scanned QR payload against the two keys this side holds. */
export async function compareScannedSafetyNumber(
  scanned: Uint8Array,
  ownIdentityKey: Uint8Array,
  peerIdentityKey: Uint8Array,
): Promise<ScanComparison> {
  if (scanned.length !== safetyNumberQrBytes || scanned[0] === 0) {
    return { match: false, reason: 'not-a-safety-number' };
  }
  if (scanned[0]! > scannableVersion) return { match: false, reason: 'newer-version' };
  const expected = await safetyNumberQrPayload(peerIdentityKey, ownIdentityKey);
  const sodium = await getSodium();
  return sodium.memcmp(scanned, expected) ? { match: true } : { match: false, reason: 'different-keys' };
}
