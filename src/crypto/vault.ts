// The vault: a passphrase unlocks a random master key; the master key seals every stored record.
//
// Key hierarchy
//   passphrase --Argon2id(salt, opslimit, memlimit)--> KEK (32 bytes, key-encryption key)
//   KEK --XChaCha20-Poly1305-IETF--> wrapped master key (32 random bytes, never derived from the passphrase)
//   master key --XChaCha20-Poly1305-IETF, AD = record key--> sealed records (sealRecord / openRecord)
// Changing the passphrase re-wraps the master key only: no record is re-encrypted. The KDF limits travel with the
// wrapped key, so a later version can raise them (re-wrap with new limits) and old vaults still open.
//
// Passphrases are Unicode-normalised (NFC) before hashing, so the same words typed on macOS (NFD input) and on a
// phone give the same key.
//
// Argon2id limits. Measured in headless Chromium 156 on the 2-core lab machine (libsodium.js 0.8.4 WebAssembly)
// by test/unit/store/perf-measure.ts (logged by perf.test.ts; printed by bench/vault-bench.mjs). The machine was
// shared with other test runs, so figures are noisy: the quietest run first (its 2 / 64 figure includes the first
// call's memory growth), then the range over five runs at load average 7-13:
//   opslimit 2 / 64 MiB  (libsodium "interactive", same-run baseline)  245 ms  (230-710 ms)   lab.md quiet: 110-160
//   opslimit 3 / 64 MiB  (chosen)                                        300 ms  (290-1380 ms)
//   opslimit 4 / 64 MiB                                                  386 ms  (386-1480 ms)
//   opslimit 3 / 256 MiB (libsodium "moderate")                         1571 ms (1477 ms)       lab.md quiet: 770
// Time grows about linearly with passes x memory, so the chosen limits cost about 1.25-1.5x interactive: about
// 0.2 s on a quiet machine like the one docs/lab.md measured, and 0.6-1 s on a phone (3-5x slower): the price of one
// unlock, paid once per session. 64 MiB stays inside what a mobile tab can reliably allocate, while 256 MiB risks
// an out-of-memory crash on low-end phones, so the extra strength goes into passes, not memory. The limits are
// stored with the wrap, so they can be raised later without breaking existing vaults.
//
// Wrapped-key layout v2 (wrappedKeyBytes = 130 bytes, all integers big-endian)
//   offset  size  field
//   0       1     format version (wrapFormatVersion = 2; version 1 = the same without the integrity hash, 98 bytes)
//   1       1     KDF id (kdfArgon2id13 = 1: libsodium crypto_pwhash ALG_ARGON2ID13)
//   2       4     opslimit (passes)
//   6       4     memlimit in KiB
//   10      16    salt (crypto_pwhash_SALTBYTES, random per wrap)
//   26      24    XChaCha20 nonce (random per wrap)
//   50      48    ciphertext: master key (32) + Poly1305 tag (16)
//   98      32    v2 only: integrity hash = BLAKE2b-256 (unkeyed) of bytes 0..98
// Associated data = "tincan/vault-wrap/v1" || bytes 0..50, so the KDF limits, salt and nonce cannot be altered
// without the wrap failing to open. With AEAD alone a wrong passphrase and a damaged wrap are indistinguishable;
// the v2 hash tells them apart: checked before any key derivation, a wrap whose bytes changed (a flipped bit, a
// truncation) is VAULT_DAMAGED, and only an intact wrap that does not open is WRONG_PASSPHRASE. The hash is not a
// defence against forgery (anyone can recompute it): the AEAD tag is. A v1 wrap still opens (a damaged v1 wrap
// still reads as WRONG_PASSPHRASE); every new wrap and every passphrase change writes v2.
//
// Sealed-record envelope (sealRecord / openRecord)
//   offset  size  field
//   0       1     envelope version (recordEnvelopeVersion = 1)
//   1       1     content type: 0 = raw bytes, 1 = JSON text (UTF-8)
//   2       24    XChaCha20 nonce (random per seal: 192 bits, so random nonces never collide in practice)
//   26      n+16  ciphertext + tag
// Associated data = "tincan/record/v1" || 0x00 || UTF-8(record key) || 0x00 || bytes 0..2. Binding the storage key
// means a record copied or swapped under another key fails to open (RECORD_TAMPERED), as does any bit flip.
import { TincanError } from '../errors';
import { concatBytes, fromUtf8, utf8, view } from './bytes';
import { getSodium } from './sodium';

export const masterKeyBytes = 32;
export const wrapFormatVersion = 2;
export const kdfArgon2id13 = 1;
export const saltBytes = 16;
export const xNonceBytes = 24;
export const aeadTagBytes = 16;
export const wrapIntegrityBytes = 32;
/** Size of a version-1 wrap (no integrity hash): still opened. */
export const wrappedKeyBytesV1 = 2 + 4 + 4 + saltBytes + xNonceBytes + masterKeyBytes + aeadTagBytes;
export const wrappedKeyBytes = wrappedKeyBytesV1 + wrapIntegrityBytes;

const wrapOffsets = {
  version: 0,
  kdf: 1,
  opsLimit: 2,
  memLimitKiB: 6,
  salt: 10,
  nonce: 10 + saltBytes,
  ciphertext: 10 + saltBytes + xNonceBytes,
  integrity: wrappedKeyBytesV1,
} as const;

export interface KdfLimits {
  /** Argon2id passes (libsodium opslimit). */
  readonly opsLimit: number;
  /** Argon2id memory in bytes (libsodium memlimit); stored in KiB, so a multiple of 1024. */
  readonly memLimitBytes: number;
}

const mebibyte = 1024 * 1024;

/** The limits new vaults and passphrase changes use (measured above). */
export const defaultKdfLimits: KdfLimits = { opsLimit: 3, memLimitBytes: 64 * mebibyte };

/**
 * Bounds accepted when reading a wrapped key (a backup file may come from anywhere): below the minimum is not a
 * vault we made; above the maximum would freeze or crash the tab before we could even say "wrong passphrase".
 */
export const minKdfLimits: KdfLimits = { opsLimit: 1, memLimitBytes: 8 * 1024 };
export const maxKdfLimits: KdfLimits = { opsLimit: 16, memLimitBytes: 1024 * mebibyte };

const wrapDomain = utf8('tincan/vault-wrap/v1');
const recordDomain = utf8('tincan/record/v1');

function checkLimits(limits: KdfLimits): void {
  const { opsLimit, memLimitBytes } = limits;
  if (
    !Number.isInteger(opsLimit) ||
    !Number.isInteger(memLimitBytes) ||
    memLimitBytes % 1024 !== 0 ||
    opsLimit < minKdfLimits.opsLimit ||
    opsLimit > maxKdfLimits.opsLimit ||
    memLimitBytes < minKdfLimits.memLimitBytes ||
    memLimitBytes > maxKdfLimits.memLimitBytes
  ) {
    throw new TincanError('RECORD_TAMPERED', `KDF limits out of range: ${opsLimit} passes, ${memLimitBytes} bytes`);
  }
}

/**
 * Argon2id of a (normalised, UTF-8) passphrase: the one step that needs memLimitBytes of memory. WebAssembly memory
 * only grows (WebAssembly.Memory has grow, no shrink), so running it in the page's own libsodium leaves that
 * instance at 64 MiB for the page's life (measured: 4 MiB before, 64 MiB after). A browser therefore runs it in a
 * worker it ends afterwards (platform/kdf-worker.ts; `usePasswordHasher`), which gives the memory back (measured in
 * Chromium 156 after an unlock at the default limits: renderer RSS 259 MB with Argon2id in the page, 198 MB with
 * it in the ended worker); Node and tests use the in-process default. Both compute the same bytes.
 */
export type PasswordHasher = (password: Uint8Array, salt: Uint8Array, limits: KdfLimits) => Promise<Uint8Array>;

export const inProcessPasswordHasher: PasswordHasher = async (password, salt, limits) => {
  const sodium = await getSodium();
  return sodium.crypto_pwhash(masterKeyBytes, password, salt, limits.opsLimit, limits.memLimitBytes, sodium.crypto_pwhash_ALG_ARGON2ID13);
};

let passwordHasher: PasswordHasher = inProcessPasswordHasher;

/** Where Argon2id runs from now on (the browser's platform sets a worker-based one at start). */
export function usePasswordHasher(hasher: PasswordHasher): void {
  passwordHasher = hasher;
}

async function deriveKek(passphrase: string, salt: Uint8Array, limits: KdfLimits): Promise<Uint8Array> {
  const key = await passwordHasher(utf8(passphrase.normalize('NFC')), salt, limits);
  if (key.length !== masterKeyBytes) throw new TincanError('VAULT_DAMAGED', 'the password hasher gave a key of the wrong size');
  return key;
}

async function wrap(masterKey: Uint8Array, passphrase: string, limits: KdfLimits): Promise<Uint8Array> {
  checkLimits(limits);
  const sodium = await getSodium();
  const header = new Uint8Array(wrapOffsets.ciphertext);
  const headerView = view(header);
  header[wrapOffsets.version] = wrapFormatVersion;
  header[wrapOffsets.kdf] = kdfArgon2id13;
  headerView.setUint32(wrapOffsets.opsLimit, limits.opsLimit);
  headerView.setUint32(wrapOffsets.memLimitKiB, limits.memLimitBytes / 1024);
  const salt = sodium.randombytes_buf(saltBytes);
  const nonce = sodium.randombytes_buf(xNonceBytes);
  header.set(salt, wrapOffsets.salt);
  header.set(nonce, wrapOffsets.nonce);
  const kek = await deriveKek(passphrase, salt, limits);
  try {
    const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
      masterKey,
      concatBytes(wrapDomain, header),
      null,
      nonce,
      kek,
    );
    const body = concatBytes(header, sealed);
    return concatBytes(body, sodium.crypto_generichash(wrapIntegrityBytes, body, null));
  } finally {
    sodium.memzero(kek);
  }
}

function damaged(detail: string): TincanError {
  return new TincanError('VAULT_DAMAGED', detail);
}

/**
 * Checks a wrap's shape and (v2) its integrity hash, then returns its KDF limits. Anything off -> VAULT_DAMAGED:
 * the stored bytes are not the wrap this vault wrote (for v1, which has no hash, only the shape is checked).
 */
async function checkWrap(wrappedKey: Uint8Array): Promise<KdfLimits> {
  const version = wrappedKey[wrapOffsets.version];
  const expectedBytes = version === 1 ? wrappedKeyBytesV1 : version === wrapFormatVersion ? wrappedKeyBytes : -1;
  if (wrappedKey.length !== expectedBytes) throw damaged('not a Tincan wrapped key');
  if (version === wrapFormatVersion) {
    const sodium = await getSodium();
    const body = wrappedKey.subarray(0, wrapOffsets.integrity);
    if (!sodium.memcmp(sodium.crypto_generichash(wrapIntegrityBytes, body, null), wrappedKey.subarray(wrapOffsets.integrity))) {
      throw damaged('integrity hash does not match');
    }
  }
  return readKdfLimits(wrappedKey);
}

/** The KDF limits a wrapped key (v1 or v2) was made with (to decide whether to re-wrap with stronger ones). */
export function readKdfLimits(wrappedKey: Uint8Array): KdfLimits {
  const version = wrappedKey[wrapOffsets.version];
  if (
    (version !== 1 && version !== wrapFormatVersion) ||
    wrappedKey.length < wrappedKeyBytesV1 ||
    wrappedKey[wrapOffsets.kdf] !== kdfArgon2id13
  ) {
    throw damaged('not a Tincan wrapped key');
  }
  const wrapView = view(wrappedKey);
  const limits = {
    opsLimit: wrapView.getUint32(wrapOffsets.opsLimit),
    memLimitBytes: wrapView.getUint32(wrapOffsets.memLimitKiB) * 1024,
  };
  try {
    checkLimits(limits);
  } catch (thrown) {
    throw damaged(thrown instanceof Error ? thrown.message : 'KDF limits out of range');
  }
  return limits;
}

export interface NewVaultKey {
  readonly masterKey: Uint8Array;
  readonly wrappedKey: Uint8Array;
}

/** A fresh random master key and its wrap under `passphrase`. */
export async function createVaultKey(passphrase: string, limits: KdfLimits = defaultKdfLimits): Promise<NewVaultKey> {
  const sodium = await getSodium();
  const masterKey = sodium.randombytes_buf(masterKeyBytes);
  return { masterKey, wrappedKey: await wrap(masterKey, passphrase, limits) };
}

/**
 * Opens a wrapped key. Malformed bytes, a failed integrity hash (v2) or out-of-range limits -> VAULT_DAMAGED; an
 * intact wrap that does not open -> WRONG_PASSPHRASE. Pure: the caller decides what to store, so a failure changes
 * nothing.
 */
export async function unwrapMasterKey(wrappedKey: Uint8Array, passphrase: string): Promise<Uint8Array> {
  const limits = await checkWrap(wrappedKey);
  const sodium = await getSodium();
  const header = wrappedKey.subarray(0, wrapOffsets.ciphertext);
  const kek = await deriveKek(passphrase, wrappedKey.subarray(wrapOffsets.salt, wrapOffsets.nonce), limits);
  try {
    return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      wrappedKey.subarray(wrapOffsets.ciphertext, wrapOffsets.integrity),
      concatBytes(wrapDomain, header),
      wrappedKey.subarray(wrapOffsets.nonce, wrapOffsets.ciphertext),
      kek,
    );
  } catch {
    throw new TincanError('WRONG_PASSPHRASE');
  } finally {
    sodium.memzero(kek);
  }
}

/** Wraps an already-open master key under a (new) passphrase, with fresh salt and nonce. */
export function wrapMasterKey(
  masterKey: Uint8Array,
  passphrase: string,
  limits: KdfLimits = defaultKdfLimits,
): Promise<Uint8Array> {
  return wrap(masterKey, passphrase, limits);
}

/**
 * Checks `oldPassphrase` against the wrap and returns a new wrap of the same master key under `newPassphrase`
 * (with `limits`, so a change also upgrades old limits). WRONG_PASSPHRASE if the old one does not open it.
 */
export async function rewrapMasterKey(
  wrappedKey: Uint8Array,
  oldPassphrase: string,
  newPassphrase: string,
  limits: KdfLimits = defaultKdfLimits,
): Promise<Uint8Array> {
  const sodium = await getSodium();
  const masterKey = await unwrapMasterKey(wrappedKey, oldPassphrase);
  try {
    return await wrap(masterKey, newPassphrase, limits);
  } finally {
    sodium.memzero(masterKey);
  }
}

/** Milliseconds one Argon2id derivation takes here with `limits` (for benches and for choosing limits). */
export async function measureKdfMs(limits: KdfLimits = defaultKdfLimits): Promise<number> {
  const sodium = await getSodium();
  const started = performance.now();
  sodium.memzero(await deriveKek('measure', sodium.randombytes_buf(saltBytes), limits));
  return performance.now() - started;
}

// ---------------------------------------------------------------------------------------------------------------
// Sealed records

export const recordEnvelopeVersion = 1;
const contentRaw = 0;
const contentJson = 1;
const recordHeaderBytes = 2 + xNonceBytes;

/** What JSON.stringify keeps: the value space of JSON records. Optional properties are allowed (and dropped). */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue | undefined };

export type RecordValue = Uint8Array | JsonValue;

function recordAd(recordKey: string, header: Uint8Array): Uint8Array {
  return concatBytes(recordDomain, new Uint8Array([0]), utf8(recordKey), new Uint8Array([0]), header);
}

/** Synchronous seal for callers that already hold the loaded libsodium (the store's hot path). */
export function sealRecordSync(
  sodium: Awaited<ReturnType<typeof getSodium>>,
  masterKey: Uint8Array,
  recordKey: string,
  value: RecordValue,
): Uint8Array {
  const isRaw = value instanceof Uint8Array;
  const plaintext = isRaw ? value : utf8(JSON.stringify(value));
  const header = new Uint8Array(recordHeaderBytes);
  header[0] = recordEnvelopeVersion;
  header[1] = isRaw ? contentRaw : contentJson;
  // The nonce straight from the platform's CSPRNG in one call: libsodium.js's randombytes_buf asks it for 4 bytes at a
  // time (six calls a nonce), which was 35 % of the store's time in a flood (bench/RESULTS.md, issue 17, third pass).
  crypto.getRandomValues(header.subarray(2));
  const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
    plaintext,
    recordAd(recordKey, header.subarray(0, 2)),
    null,
    header.subarray(2),
    masterKey,
  );
  return concatBytes(header, sealed);
}

/** Synchronous open; see openRecord. */
export function openRecordSync(
  sodium: Awaited<ReturnType<typeof getSodium>>,
  masterKey: Uint8Array,
  recordKey: string,
  envelope: unknown,
): RecordValue {
  if (
    !(envelope instanceof Uint8Array) ||
    envelope.length < recordHeaderBytes + aeadTagBytes ||
    envelope[0] !== recordEnvelopeVersion ||
    (envelope[1] !== contentRaw && envelope[1] !== contentJson)
  ) {
    throw new TincanError('RECORD_TAMPERED', `${recordKey}: not a sealed record`);
  }
  let plaintext: Uint8Array;
  try {
    plaintext = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      envelope.subarray(recordHeaderBytes),
      recordAd(recordKey, envelope.subarray(0, 2)),
      envelope.subarray(2, recordHeaderBytes),
      masterKey,
    );
  } catch {
    throw new TincanError('RECORD_TAMPERED', `${recordKey}: does not open`);
  }
  if (envelope[1] === contentRaw) return plaintext;
  try {
    return JSON.parse(fromUtf8(plaintext)) as JsonValue;
  } catch {
    // Authentic but unparsable: only a bug of ours could write it; still a record we cannot use.
    throw new TincanError('RECORD_TAMPERED', `${recordKey}: sealed JSON does not parse`);
  }
}

/**
 * Seals `value` (raw bytes, or anything JSON can hold) under the master key for storage at `recordKey`.
 * A fresh random 24-byte nonce per call: sealing the same value twice gives different bytes.
 */
export async function sealRecord(masterKey: Uint8Array, recordKey: string, value: RecordValue): Promise<Uint8Array> {
  return sealRecordSync(await getSodium(), masterKey, recordKey, value);
}

/**
 * Opens a sealed record read from `recordKey`. Anything that is not an intact record sealed under this master key
 * for this very key -> RECORD_TAMPERED. Returns a Uint8Array for raw records, the parsed JSON otherwise.
 */
export async function openRecord(masterKey: Uint8Array, recordKey: string, envelope: unknown): Promise<RecordValue> {
  return openRecordSync(await getSodium(), masterKey, recordKey, envelope);
}

// ---------------------------------------------------------------------------------------------------------------
// Passphrase strength: an honest hint, not a gate. No dictionary beyond a handful of the most common choices.

export const minPassphraseChars = 12;
const minDistinctChars = 6;

export type PassphraseWeakness =
  | 'too-short'
  | 'few-distinct-characters'
  | 'no-letters'
  | 'common-password'
  | 'predictable-pattern';

export interface PassphraseStrength {
  readonly weak: boolean;
  readonly reason?: PassphraseWeakness;
}

const commonPasswordStems = [
  'password',
  'passwort',
  'motdepasse',
  'contraseña',
  'qwertyuiop',
  'qwerty',
  'azerty',
  'qwertz',
  'asdfghjkl',
  'zxcvbnm',
  'letmein',
  'iloveyou',
  'welcome',
  'admin',
  'monkey',
  'dragon',
  'football',
  'baseball',
  'sunshine',
  'princess',
  'trustno',
  'abc',
  'tincan',
];

/** True when every step between neighbouring characters is the same +1 / -1 / 0 (abcdef, 987654, aaaa). */
function isRun(codePoints: readonly number[]): boolean {
  if (codePoints.length < 3) return true;
  const step = codePoints[1]! - codePoints[0]!;
  if (Math.abs(step) > 1) return false;
  for (let i = 2; i < codePoints.length; i++) if (codePoints[i]! - codePoints[i - 1]! !== step) return false;
  return true;
}

/** True when the text is one short unit repeated (abcabcabc, 12121212). */
function isRepetition(chars: readonly string[]): boolean {
  for (let unit = 1; unit <= chars.length / 2; unit++) {
    if (chars.length % unit !== 0) continue;
    let repeats = true;
    for (let i = unit; i < chars.length && repeats; i++) repeats = chars[i] === chars[i % unit];
    if (repeats) return true;
  }
  return false;
}

export function passphraseStrength(passphrase: string): PassphraseStrength {
  const chars = Array.from(passphrase.normalize('NFC'));
  if (chars.length < minPassphraseChars) return { weak: true, reason: 'too-short' };
  const lower = chars.map((c) => c.toLowerCase());
  if (new Set(lower).size < minDistinctChars) return { weak: true, reason: 'few-distinct-characters' };
  // Strip separators and digits people pad with, then see whether what is left is a famous password (stems are
  // letters only for that reason).
  const core = lower.join('').replace(/[\s\d!@#$%^&*()_+=.,;:'"?-]+/g, '');
  if (core.length === 0) return { weak: true, reason: 'no-letters' };
  // "mypassword2024!" is still "password": flag a famous stem unless a fair amount of other text surrounds it.
  if (commonPasswordStems.some((stem) => core.includes(stem) && core.split(stem).join('').length < 4)) {
    return { weak: true, reason: 'common-password' };
  }
  const compact = lower.filter((c) => !/\s/.test(c));
  if (isRun(compact.map((c) => c.codePointAt(0)!)) || isRepetition(compact)) {
    return { weak: true, reason: 'predictable-pattern' };
  }
  return { weak: false };
}
