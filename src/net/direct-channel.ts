// One data channel opened with no signaling (WebRTC-direct, docs/mailbox.md §1): a browser or Node dialer reaches a
// listener at a static address, or the listener side of such a dial. DOM-free: tsconfig.core.json type-checks it.
//
// Who is at the other end is NOT known from the transport. The listener runs without fingerprint verification (it
// cannot know a dialer's certificate in advance), so `remoteFingerprint` is only what this connection's DTLS
// actually used; the chat layer proves identities inside the channel with the signed Hello over both fingerprints
// (chat/secure-channel.ts). The dialer's DTLS checks the listener's fingerprint itself (the one its code names).
import type { Unsubscribe } from '../events';

export type DirectChannelEvents = {
  /** One binary message on the channel. */
  message: Uint8Array;
  /** The channel ended (either side, or the path died); said once. */
  closed: undefined;
};

export interface DirectChannel {
  /** This side's DTLS certificate fingerprint (SHA-256, 32 bytes). */
  readonly localFingerprint: Uint8Array;
  /** The other side's fingerprint as this connection's DTLS used it (32 bytes). */
  readonly remoteFingerprint: Uint8Array;
  readonly isOpen: boolean;
  /** Throws TincanError CHANNEL_CLOSED when the channel is not open. */
  send(bytes: Uint8Array): void;
  /** Idempotent. */
  close(): void;
  on<K extends keyof DirectChannelEvents>(name: K, listener: (payload: DirectChannelEvents[K]) => void): Unsubscribe;
}

/** A static address a dialer can reach with no signaling: IPv4 or IPv6, a UDP port, the listener's fingerprint. */
export interface DirectAddress {
  readonly address: string;
  readonly port: number;
  readonly fingerprint: Uint8Array;
}

/** The ICE ufrag a dialer picks (it is also the pwd on both sides, docs/mailbox.md §1): 32 base64 characters. */
export const directUfragChars = 32;
/**
 * The shape the listener accepts before ANY native call: a ufrag that is not a valid ICE pwd (22..256 ICE
 * characters) makes node-datachannel abort the whole process (docs/mailbox.md §1, pitfall 2).
 */
export const directUfragPattern = /^[A-Za-z0-9+/]{22,256}$/;

/** The negotiated id of the one channel both ends open (no DCEP round trip). */
export const directChannelId = 0;
