// The encrypted layer on one open data channel (ARCHITECTURE.md "After the channel opens").
//
// Order on the wire, per direction:
//   1. exactly one Hello (crypto/handshake.ts), unsealed: identity key, name, ephemeral key, and a signature that
//      binds both DTLS fingerprints of this very connection;
//   2. then only sealed frames (crypto/secure-session.ts): counter-nonced ChaCha20-Poly1305 under keys derived from
//      both Hellos. Replays and reordering are rejected by the counter.
// Both sides send their Hello as soon as the channel opens; a Hello that arrives before ours is made is held.
// A Hello that fails to verify, names other fingerprints, or does not arrive within `helloTimeoutMs` ends the
// channel with a security error: never a silent retry. After the handshake, a frame that does not open is
// dropped and counted (`rejectedFrames`); the session stays usable.
import { TincanError, isTincanError, type ErrorCode } from '../errors';
import { createSession, makeHello, verifyHello, type HandshakeRole, type HandshakeSecret, type VerifiedHello } from '../crypto/handshake';
import type { Identity } from '../crypto/identity';
import type { SecureSession } from '../crypto/secure-session';

export const helloTimeoutMs = 15_000;

export interface SecureChannelInput {
  identity: Identity;
  displayName: string;
  role: HandshakeRole;
  /** Our DTLS fingerprint, from the SDP we made; the peer's, from the code we received. */
  ownFingerprint: Uint8Array;
  peerFingerprint: Uint8Array;
  /** Sends bytes on the data channel. */
  send: (bytes: Uint8Array) => void;
  helloTimeoutMs?: number;
}

export interface PeerIdentity {
  identityKey: Uint8Array;
  displayName: string;
}

export interface SecureChannelEvents {
  /** The handshake is done: the peer is who the signature says. */
  ready: CustomEvent<PeerIdentity>;
  /** A frame that opened, in order. */
  frame: CustomEvent<Uint8Array>;
  /** The handshake failed: the connection must be closed with this code. */
  failed: CustomEvent<ErrorCode>;
}

export class SecureChannel extends EventTarget {
  rejectedFrames = 0;
  private session?: SecureSession;
  private secret?: HandshakeSecret;
  private pendingHello?: Uint8Array;
  private isDone = false;
  private readonly timer: ReturnType<typeof setTimeout>;

  constructor(private readonly input: SecureChannelInput) {
    super();
    this.timer = setTimeout(() => this.fail('HANDSHAKE_FAILED'), input.helloTimeoutMs ?? helloTimeoutMs);
  }

  get isReady(): boolean {
    return this.session !== undefined;
  }

  /** Makes and sends our Hello. Call once, when the channel opens. */
  async start(): Promise<void> {
    const { identity, displayName, role, ownFingerprint, peerFingerprint } = this.input;
    const made = await makeHello({ identity, displayName, role, ownFingerprint, peerFingerprint });
    if (this.isDone) return;
    this.secret = made.secret;
    this.input.send(made.hello);
    if (this.pendingHello) await this.acceptHello(this.pendingHello);
  }

  /** Bytes from the data channel. */
  async receive(bytes: Uint8Array): Promise<void> {
    if (this.isDone && !this.session) return;
    if (this.session) {
      let frame: Uint8Array;
      try {
        frame = this.session.open(bytes);
      } catch (error) {
        if (!isTincanError(error)) throw error;
        this.rejectedFrames++;
        return;
      }
      this.dispatchEvent(new CustomEvent('frame', { detail: frame }));
      return;
    }
    if (this.pendingHello) return this.fail('HANDSHAKE_FAILED'); // a second message before the handshake ended
    this.pendingHello = bytes;
    if (this.secret) await this.acceptHello(bytes);
  }

  /** Seals and sends one frame. Throws CHANNEL_CLOSED before the handshake is done. */
  send(frame: Uint8Array): void {
    if (!this.session) throw new TincanError('CHANNEL_CLOSED', 'handshake not done');
    this.input.send(this.session.seal(frame));
  }

  close(): void {
    this.isDone = true;
    clearTimeout(this.timer);
    this.session?.close();
  }

  private async acceptHello(bytes: Uint8Array): Promise<void> {
    const secret = this.secret!;
    let peer: VerifiedHello;
    try {
      peer = await verifyHello(bytes, {
        peerRole: this.input.role === 'inviter' ? 'answerer' : 'inviter',
        ownFingerprint: this.input.ownFingerprint,
        peerFingerprint: this.input.peerFingerprint,
      });
      if (this.isDone) return;
      this.session = await createSession(secret, peer);
    } catch (error) {
      if (!isTincanError(error)) throw error;
      return this.fail(error.code === 'FINGERPRINT_MISMATCH' ? 'FINGERPRINT_MISMATCH' : 'HANDSHAKE_FAILED');
    }
    this.isDone = true;
    clearTimeout(this.timer);
    this.dispatchEvent(new CustomEvent('ready', { detail: { identityKey: peer.identityKey, displayName: peer.displayName } }));
  }

  private fail(code: ErrorCode): void {
    if (this.isDone) return;
    this.close();
    this.dispatchEvent(new CustomEvent('failed', { detail: code }));
  }
}
