// The Hello exchange that starts every session once the data channel opens (ARCHITECTURE.md "After the channel
// opens"): each side proves its identity key, binds it to the DTLS fingerprints of this very connection, and offers
// an ephemeral X25519 key; both then derive per-direction frame keys (SecureSession).
//
// Hello layout v1 (all integers big-endian; helloFixedBytes = 196, so 196..452 bytes in all)
//   offset  size  field
//   0       1     version (helloVersion = 1); a larger version -> HANDSHAKE_FAILED ("newer Tincan")
//   1       1     sender's role: 1 = inviter, 2 = answerer
//   2       32    sender's Ed25519 identity public key
//   34      32    sender's ephemeral X25519 public key (crypto_kx, fresh per connection)
//   66      32    sender's own DTLS certificate fingerprint (SHA-256, from the SDP the sender made)
//   98      32    the peer's DTLS fingerprint as the sender saw it (from the SDP the sender received)
//   130     2     display name length L in bytes (≤ maxDisplayNameBytes)
//   132     L     display name, UTF-8, NFC, ≤ maxDisplayNameChars code points, no control characters
//   132+L   64    Ed25519 signature (identity key) over helloSignatureDomain || 0x00 || bytes 0..132+L
// The signature covers everything before it: role, both fingerprints, the ephemeral key, the identity key and the
// name. A Hello made for another connection (another pair of fingerprints: a man in the middle who swapped the
// codes terminates DTLS himself, so the fingerprints differ) verifies but names the wrong fingerprints ->
// FINGERPRINT_MISMATCH; an altered Hello does not verify -> HANDSHAKE_FAILED. A Hello bounced back to its sender
// carries the sender's own role -> HANDSHAKE_FAILED.
//
// Session keys
//   crypto_kx with the ephemeral keys: the inviter is the kx client, the answerer the kx server, giving each side
//   (kxRx, kxTx) with kxTx(inviter) = kxRx(answerer) and vice versa. Then
//     transcriptHash = BLAKE2b-256(transcriptDomain || u16 len || inviter Hello || u16 len || answerer Hello)
//     key for frames sent by role R = BLAKE2b-256(key = that direction's kx key,
//                                                  message = frameKeyDomain || R's role byte || transcriptHash)
//   so the frame keys depend on both identity keys, both fingerprints, both ephemeral keys and both names: if the
//   two sides saw different Hellos, no frame opens. Ephemeral secrets are wiped once the keys are derived (forward
//   secrecy: the long-term identity keys only sign, they never encrypt).
import { TincanError } from '../errors';
import { bytesEqual, concatBytes, fromUtf8, u16, utf8, view } from './bytes';
import { identityPublicKeyBytes, identitySignatureBytes, type Identity } from './identity';
import { SecureSession } from './secure-session';
import { getSodium } from './sodium';
import { maxDisplayNameChars, normalizeDisplayName } from './display-name';

export { maxDisplayNameChars, normalizeDisplayName };

export const helloVersion = 1;
export const dtlsFingerprintBytes = 32;
export const ephemeralKeyBytes = 32;
export const maxDisplayNameBytes = maxDisplayNameChars * 4;

const helloOffsets = {
  version: 0,
  role: 1,
  identityKey: 2,
  ephemeralKey: 2 + identityPublicKeyBytes,
  ownFingerprint: 2 + identityPublicKeyBytes + ephemeralKeyBytes,
  peerFingerprint: 2 + identityPublicKeyBytes + ephemeralKeyBytes + dtlsFingerprintBytes,
  nameLength: 2 + identityPublicKeyBytes + ephemeralKeyBytes + 2 * dtlsFingerprintBytes,
  name: 4 + identityPublicKeyBytes + ephemeralKeyBytes + 2 * dtlsFingerprintBytes,
} as const;

export const helloFixedBytes = helloOffsets.name + identitySignatureBytes;
export const maxHelloBytes = helloFixedBytes + maxDisplayNameBytes;

const helloSignatureDomain = utf8('tincan/hello/v1');
const transcriptDomain = utf8('tincan/transcript/v1');
const frameKeyDomain = utf8('tincan/frame-key/v1');

export type HandshakeRole = 'inviter' | 'answerer';

const roleBytes = { inviter: 1, answerer: 2 } as const satisfies Record<HandshakeRole, number>;

function roleFromByte(byte: number | undefined): HandshakeRole | undefined {
  return byte === roleBytes.inviter ? 'inviter' : byte === roleBytes.answerer ? 'answerer' : undefined;
}

/** What a side keeps between sending its Hello and deriving the session. Single use: createSession wipes it. */
export interface HandshakeSecret {
  readonly role: HandshakeRole;
  readonly hello: Uint8Array;
  readonly ephemeralPublicKey: Uint8Array;
  readonly ephemeralSecretKey: Uint8Array;
}

export interface MadeHello {
  /** The bytes to send. */
  readonly hello: Uint8Array;
  readonly secret: HandshakeSecret;
}

export interface VerifiedHello {
  readonly role: HandshakeRole;
  readonly identityKey: Uint8Array;
  readonly displayName: string;
  readonly ephemeralPublicKey: Uint8Array;
  /** The Hello exactly as received (part of the transcript). */
  readonly hello: Uint8Array;
}

function checkFingerprint(fingerprint: Uint8Array, which: string): void {
  if (fingerprint.length !== dtlsFingerprintBytes) {
    throw new TypeError(`${which} DTLS fingerprint must be ${dtlsFingerprintBytes} bytes (SHA-256)`);
  }
}

export interface HelloInput {
  readonly identity: Identity;
  /** Shown to the peer; normalised with normalizeDisplayName. */
  readonly displayName: string;
  readonly role: HandshakeRole;
  /** This side's DTLS fingerprint, from the SDP it made. */
  readonly ownFingerprint: Uint8Array;
  /** The peer's DTLS fingerprint, from the SDP it received (the invite or the answer code). */
  readonly peerFingerprint: Uint8Array;
}

export async function makeHello(input: HelloInput): Promise<MadeHello> {
  checkFingerprint(input.ownFingerprint, 'own');
  checkFingerprint(input.peerFingerprint, 'peer');
  const sodium = await getSodium();
  const name = utf8(normalizeDisplayName(input.displayName));
  const ephemeral = sodium.crypto_kx_keypair();
  const body = new Uint8Array(helloOffsets.name + name.length);
  body[helloOffsets.version] = helloVersion;
  body[helloOffsets.role] = roleBytes[input.role];
  body.set(input.identity.publicKey, helloOffsets.identityKey);
  body.set(ephemeral.publicKey, helloOffsets.ephemeralKey);
  body.set(input.ownFingerprint, helloOffsets.ownFingerprint);
  body.set(input.peerFingerprint, helloOffsets.peerFingerprint);
  view(body).setUint16(helloOffsets.nameLength, name.length);
  body.set(name, helloOffsets.name);
  const signature = sodium.crypto_sign_detached(
    concatBytes(helloSignatureDomain, new Uint8Array([0]), body),
    input.identity.secretKey,
  );
  const hello = concatBytes(body, signature);
  return {
    hello,
    secret: {
      role: input.role,
      hello,
      ephemeralPublicKey: ephemeral.publicKey,
      ephemeralSecretKey: ephemeral.privateKey,
    },
  };
}

export interface HelloExpectations {
  /** The role the peer must have: the other one. */
  readonly peerRole: HandshakeRole;
  /** This side's DTLS fingerprint (from the SDP it made). */
  readonly ownFingerprint: Uint8Array;
  /** The peer's DTLS fingerprint from the SDP this side received. */
  readonly peerFingerprint: Uint8Array;
}

/**
 * Parses and checks a peer's Hello. Malformed, from a newer version, wrong role, bad name or bad signature ->
 * HANDSHAKE_FAILED; genuinely signed but for other DTLS fingerprints than this connection's -> FINGERPRINT_MISMATCH.
 */
export async function verifyHello(bytes: Uint8Array, expected: HelloExpectations): Promise<VerifiedHello> {
  checkFingerprint(expected.ownFingerprint, 'own');
  checkFingerprint(expected.peerFingerprint, 'peer');
  if (bytes.length < helloFixedBytes || bytes.length > maxHelloBytes) {
    throw new TincanError('HANDSHAKE_FAILED', `Hello of ${bytes.length} bytes`);
  }
  const version = bytes[helloOffsets.version]!;
  if (version !== helloVersion) {
    throw new TincanError('HANDSHAKE_FAILED', version > helloVersion ? 'Hello from a newer Tincan' : 'not a Hello');
  }
  const role = roleFromByte(bytes[helloOffsets.role]);
  if (role === undefined) throw new TincanError('HANDSHAKE_FAILED', 'unknown role');
  if (role !== expected.peerRole) throw new TincanError('HANDSHAKE_FAILED', `peer claims the ${role} role too`);
  const nameLength = view(bytes).getUint16(helloOffsets.nameLength);
  if (nameLength > maxDisplayNameBytes || bytes.length !== helloFixedBytes + nameLength) {
    throw new TincanError('HANDSHAKE_FAILED', 'display name length does not match the Hello');
  }
  const bodyEnd = helloOffsets.name + nameLength;
  const sodium = await getSodium();
  const identityKey = bytes.slice(helloOffsets.identityKey, helloOffsets.ephemeralKey);
  let signatureValid = false;
  try {
    signatureValid = sodium.crypto_sign_verify_detached(
      bytes.subarray(bodyEnd),
      concatBytes(helloSignatureDomain, new Uint8Array([0]), bytes.subarray(0, bodyEnd)),
      identityKey,
    );
  } catch {
    signatureValid = false; // e.g. an identity key that is not a valid curve point
  }
  if (!signatureValid) throw new TincanError('HANDSHAKE_FAILED', 'Hello signature does not verify');
  let displayName: string;
  try {
    displayName = fromUtf8(bytes.subarray(helloOffsets.name, bodyEnd));
  } catch {
    throw new TincanError('HANDSHAKE_FAILED', 'display name is not UTF-8');
  }
  if (normalizeDisplayName(displayName) !== displayName) {
    throw new TincanError('HANDSHAKE_FAILED', 'display name not in normal form');
  }
  // The peer's "own" fingerprint is our peer fingerprint, and the one it saw for us must be ours.
  if (
    !bytesEqual(bytes.subarray(helloOffsets.ownFingerprint, helloOffsets.peerFingerprint), expected.peerFingerprint) ||
    !bytesEqual(bytes.subarray(helloOffsets.peerFingerprint, helloOffsets.nameLength), expected.ownFingerprint)
  ) {
    throw new TincanError('FINGERPRINT_MISMATCH', 'Hello was made for another connection');
  }
  return {
    role,
    identityKey,
    displayName,
    ephemeralPublicKey: bytes.slice(helloOffsets.ephemeralKey, helloOffsets.ownFingerprint),
    hello: bytes.slice(),
  };
}

const usedSecrets = new WeakSet<HandshakeSecret>();

/**
 * Derives the session from this side's secret and the peer's verified Hello, and wipes the ephemeral secret.
 * Same role on both sides or an unusable ephemeral key (a low-order point) -> HANDSHAKE_FAILED.
 */
export async function createSession(own: HandshakeSecret, peer: VerifiedHello): Promise<SecureSession> {
  if (own.role === peer.role) throw new TincanError('HANDSHAKE_FAILED', 'both sides claim the same role');
  // A wiped secret would still derive keys (wrong ones); refuse instead of failing later at the first frame.
  if (usedSecrets.has(own)) throw new TincanError('HANDSHAKE_FAILED', 'handshake secret already used');
  usedSecrets.add(own);
  const sodium = await getSodium();
  let kx: { sharedRx: Uint8Array; sharedTx: Uint8Array };
  try {
    kx =
      own.role === 'inviter'
        ? sodium.crypto_kx_client_session_keys(own.ephemeralPublicKey, own.ephemeralSecretKey, peer.ephemeralPublicKey)
        : sodium.crypto_kx_server_session_keys(own.ephemeralPublicKey, own.ephemeralSecretKey, peer.ephemeralPublicKey);
  } catch {
    throw new TincanError('HANDSHAKE_FAILED', 'unusable ephemeral key');
  } finally {
    sodium.memzero(own.ephemeralSecretKey);
  }
  const [inviterHello, answererHello] = own.role === 'inviter' ? [own.hello, peer.hello] : [peer.hello, own.hello];
  const transcriptHash = sodium.crypto_generichash(
    32,
    concatBytes(transcriptDomain, u16(inviterHello.length), inviterHello, u16(answererHello.length), answererHello),
    null,
  );
  const frameKey = (kxKey: Uint8Array, senderRole: HandshakeRole): Uint8Array =>
    sodium.crypto_generichash(
      32,
      concatBytes(frameKeyDomain, new Uint8Array([roleBytes[senderRole]]), transcriptHash),
      kxKey,
    );
  const txKey = frameKey(kx.sharedTx, own.role);
  const rxKey = frameKey(kx.sharedRx, peer.role);
  sodium.memzero(kx.sharedTx);
  sodium.memzero(kx.sharedRx);
  return new SecureSession(sodium, txKey, rxKey, transcriptHash, peer.identityKey, peer.displayName);
}
