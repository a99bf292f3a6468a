// An established end-to-end session: seals outgoing frames and opens incoming ones with per-direction keys from the
// handshake (handshake.ts). DTLS already encrypts the data channel; this layer lets frames pass through other peers
// (group relays, store-and-forward) unread and unaltered.
//
// Sealed-frame layout (all integers big-endian)
//   offset  size   field
//   0       1      sealed-frame version (sealedFrameVersion = 1)
//   1       8      counter: 0 for the first frame in this direction, +1 for each frame sealed after it
//   9       n+16   ChaCha20-Poly1305-IETF ciphertext of the n-byte frame, with its tag
// Nonce (12 bytes) = 0x00000000 || counter (8 bytes). Each direction has its own key (txKey here is the peer's
// rxKey), so a (key, nonce) pair is never used twice as long as the counter never repeats: it only counts up, and
// sealing stops at 2^53 - 1 frames (never reached in practice). Associated data = bytes 0..9, so the counter on the
// wire is the one that was sealed.
//
// Receiving requires strictly increasing counters. Gaps are allowed (a relay may drop a frame; the chat layer's
// acks resend it with a new counter); a counter at or below the last accepted one is a replay or a reordering ->
// REPLAYED_FRAME. A frame that does not open -> FRAME_INVALID. Neither changes the session's state, so the next
// genuine frame still opens.
import { TincanError } from '../errors';
import { concatBytes, u64, view } from './bytes';
import type { Sodium } from './sodium';

export const sealedFrameVersion = 1;
export const sealedFrameHeaderBytes = 1 + 8;
export const sealedFrameTagBytes = 16;
/** Upper bound on one sealed frame's plaintext; chat/ enforces its own, smaller limits on top. */
export const maxSealedPlaintextBytes = 1024 * 1024;

const nonceBytes = 12;

function counterNonce(counter: number): Uint8Array {
  const nonce = new Uint8Array(nonceBytes);
  view(nonce).setBigUint64(nonceBytes - 8, BigInt(counter));
  return nonce;
}

export class SecureSession {
  private nextSendCounter = 0;
  private lastReceivedCounter = -1;
  private closed = false;

  /** Use createSession (handshake.ts); the constructor trusts its keys. */
  constructor(
    private readonly sodium: Sodium,
    private readonly txKey: Uint8Array,
    private readonly rxKey: Uint8Array,
    /** BLAKE2b-256 of both Hellos: the same on both sides; a handle for logs and future channel binding. */
    readonly transcriptHash: Uint8Array,
    /** The peer's verified Ed25519 identity key. */
    readonly peerIdentityKey: Uint8Array,
    /** The display name the peer signed into its Hello. */
    readonly peerDisplayName: string,
  ) {}

  /** Frames sealed so far in this direction. */
  get sentFrames(): number {
    return this.nextSendCounter;
  }

  seal(frame: Uint8Array): Uint8Array {
    this.assertOpen();
    if (frame.length > maxSealedPlaintextBytes) throw new TincanError('FRAME_TOO_LARGE', `${frame.length} bytes`);
    if (this.nextSendCounter >= Number.MAX_SAFE_INTEGER) throw new TincanError('CHANNEL_CLOSED', 'counter exhausted');
    const counter = this.nextSendCounter++;
    const header = concatBytes(new Uint8Array([sealedFrameVersion]), u64(counter));
    const sealed = this.sodium.crypto_aead_chacha20poly1305_ietf_encrypt(
      frame,
      header,
      null,
      counterNonce(counter),
      this.txKey,
    );
    return concatBytes(header, sealed);
  }

  open(sealedFrame: Uint8Array): Uint8Array {
    this.assertOpen();
    if (sealedFrame.length > maxSealedPlaintextBytes + sealedFrameHeaderBytes + sealedFrameTagBytes) {
      throw new TincanError('FRAME_TOO_LARGE', `${sealedFrame.length} bytes`);
    }
    if (sealedFrame.length < sealedFrameHeaderBytes + sealedFrameTagBytes || sealedFrame[0] !== sealedFrameVersion) {
      throw new TincanError('FRAME_INVALID', 'not a sealed frame');
    }
    const wireCounter = view(sealedFrame).getBigUint64(1);
    if (wireCounter > BigInt(Number.MAX_SAFE_INTEGER)) throw new TincanError('FRAME_INVALID', 'counter out of range');
    const counter = Number(wireCounter);
    if (counter <= this.lastReceivedCounter) {
      throw new TincanError('REPLAYED_FRAME', `counter ${counter}, last accepted ${this.lastReceivedCounter}`);
    }
    let frame: Uint8Array;
    try {
      frame = this.sodium.crypto_aead_chacha20poly1305_ietf_decrypt(
        null,
        sealedFrame.subarray(sealedFrameHeaderBytes),
        sealedFrame.subarray(0, sealedFrameHeaderBytes),
        counterNonce(counter),
        this.rxKey,
      );
    } catch {
      throw new TincanError('FRAME_INVALID', 'sealed frame does not open');
    }
    this.lastReceivedCounter = counter;
    return frame;
  }

  /** Wipes the keys; later seal/open throw CHANNEL_CLOSED. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sodium.memzero(this.txKey);
    this.sodium.memzero(this.rxKey);
  }

  private assertOpen(): void {
    if (this.closed) throw new TincanError('CHANNEL_CLOSED', 'session closed');
  }
}
