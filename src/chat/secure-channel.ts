// The encrypted layer on one open data channel (docs/architecture.md "After the channel opens").
//
// Order on the wire, per direction:
//   1. exactly one Hello (crypto/handshake.ts), unsealed: identity key, name, ephemeral key, and a signature that
//      binds both DTLS fingerprints of this very connection;
//   2. then only sealed frames (crypto/secure-session.ts): counter-nonced ChaCha20-Poly1305 under keys derived from
//      both Hellos. Replays and reordering are rejected by the counter.
// Both sides send their Hello as soon as the channel opens. Bytes are handled strictly in arrival order: a Hello
// that arrives before ours is made is held, and sealed frames that arrive while the peer's Hello is still being
// verified wait for it (at most maxEarlyFrames; the peer may send as soon as ITS side is done).
// A Hello that fails to verify, names other fingerprints, or does not arrive within `helloTimeoutMs` ends the
// channel with a security error: never a silent retry. After the handshake, a frame that does not open is
// dropped and counted (`rejectedFrames`); the session stays usable.
import { TincanError, isTincanError, type ErrorCode } from '../errors';
import { createSession, makeHello, verifyHello, type HandshakeRole, type HandshakeSecret } from '../crypto/handshake';
import type { Identity } from '../crypto/identity';
import type { SecureSession } from '../crypto/secure-session';
import { Emitter } from '../events';

export const helloTimeoutMs = 15_000;
/** Sealed frames held while the peer's Hello is verified; more than this before the handshake ends is an attack. */
const maxEarlyFrames = 256;

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
  readonly identityKey: Uint8Array;
  readonly displayName: string;
}

export interface SecureChannelEvents {
  /** The handshake is done: the peer is who the signature says. */
  ready: PeerIdentity;
  /** A frame that opened, in order. */
  frame: Uint8Array;
  /** The handshake failed: the connection must be closed with this code. */
  failed: ErrorCode;
}

type Phase = 'hello' | 'ready' | 'ended';

export class SecureChannel extends Emitter<SecureChannelEvents> {
  /** Sealed frames that did not open (forged, damaged or replayed) since the handshake. */
  rejectedFrames = 0;
  private phase: Phase = 'hello';
  private session?: SecureSession;
  private secret?: HandshakeSecret;
  private peerHello?: Uint8Array;
  private readonly early: Uint8Array[] = [];
  /** Arrival-order processing: each receive runs after the previous one finished. */
  private queue: Promise<void> = Promise.resolve();
  private readonly timer: ReturnType<typeof setTimeout>;

  constructor(private readonly input: SecureChannelInput) {
    super();
    this.timer = setTimeout(() => this.fail('HANDSHAKE_FAILED'), input.helloTimeoutMs ?? helloTimeoutMs);
  }

  get isReady(): boolean {
    return this.phase === 'ready';
  }

  /** Makes and sends our Hello. Call once, when the channel opens. */
  start(): Promise<void> {
    return this.enqueue(async () => {
      const { identity, displayName, role, ownFingerprint, peerFingerprint } = this.input;
      const made = await makeHello({ identity, displayName, role, ownFingerprint, peerFingerprint });
      if (this.phase !== 'hello') return;
      this.secret = made.secret;
      this.input.send(made.hello);
      if (this.peerHello) await this.acceptHello(this.peerHello);
    });
  }

  /** Bytes from the data channel, in arrival order. */
  receive(bytes: Uint8Array): Promise<void> {
    return this.enqueue(async () => {
      if (this.phase === 'ended') return;
      if (this.phase === 'ready') return this.openFrame(bytes);
      if (!this.peerHello) {
        this.peerHello = bytes;
        if (this.secret) await this.acceptHello(bytes);
        return;
      }
      // The peer finished its side and sends while we still verify its Hello (or still make ours): hold.
      if (this.early.length >= maxEarlyFrames) return this.fail('HANDSHAKE_FAILED');
      this.early.push(bytes);
    });
  }

  /** Seals and sends one frame. Throws CHANNEL_CLOSED before the handshake is done or after close. */
  send(frame: Uint8Array): void {
    if (this.phase !== 'ready' || !this.session) throw new TincanError('CHANNEL_CLOSED', 'no secure session');
    this.input.send(this.session.seal(frame));
  }

  close(): void {
    if (this.phase === 'ended') return;
    this.phase = 'ended';
    clearTimeout(this.timer);
    this.early.length = 0;
    this.session?.close();
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private openFrame(bytes: Uint8Array): void {
    let frame: Uint8Array;
    try {
      frame = this.session!.open(bytes);
    } catch (error) {
      if (!isTincanError(error)) throw error;
      this.rejectedFrames++;
      return;
    }
    this.emit('frame', frame);
  }

  private async acceptHello(bytes: Uint8Array): Promise<void> {
    const secret = this.secret!;
    let identity: PeerIdentity;
    try {
      const peer = await verifyHello(bytes, {
        peerRole: this.input.role === 'inviter' ? 'answerer' : 'inviter',
        ownFingerprint: this.input.ownFingerprint,
        peerFingerprint: this.input.peerFingerprint,
      });
      if (this.phase !== 'hello') return;
      this.session = await createSession(secret, peer);
      identity = { identityKey: peer.identityKey, displayName: peer.displayName };
    } catch (error) {
      if (!isTincanError(error)) throw error;
      return this.fail(error.code === 'FINGERPRINT_MISMATCH' ? 'FINGERPRINT_MISMATCH' : 'HANDSHAKE_FAILED');
    }
    if (this.phase !== 'hello') return;
    this.phase = 'ready';
    clearTimeout(this.timer);
    this.emit('ready', identity);
    for (const held of this.early.splice(0)) {
      if (this.phase !== 'ready') break;
      this.openFrame(held);
    }
  }

  private fail(code: ErrorCode): void {
    if (this.phase === 'ended') return;
    this.close();
    this.emit('failed', code);
  }
}
