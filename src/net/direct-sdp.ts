// The two SDPs of a WebRTC-direct dial that nobody sends (docs/mailbox.md §1): the dialer builds the listener's
// answer itself from the static address, and the listener rebuilds the dialer's offer from the first STUN request.
// Pure and DOM-free (tsconfig.core.json).
//
// The dialer sets its own ICE ufrag and pwd to one random value U (directUfragChars base64 characters, munged
// into its offer before setLocalDescription; Chromium 156 and Firefox ESR 153 keep it). Its first STUN request to
// the listener then carries "U:U" as USERNAME, so the listener learns U and uses it as its own ufrag and pwd too.
// Roles: the dialer is ICE controlling, DTLS client (`setup:active`); the listener is ice-lite in the dialer's
// eyes, DTLS server (`setup:passive`). One data channel, negotiated with id 0, sctp-port 5000.
import type { DirectAddress } from './direct-channel';

/** Largest message either end accepts on a direct channel (the listener says so in both SDPs). */
export const directMaxMessageBytes = 262_144;

/** "AB:CD:…" (upper-case hex pairs), as SDP's a=fingerprint and node-datachannel's remoteFingerprint() write it. */
export function fingerprintText(fingerprint: Uint8Array): string {
  return [...fingerprint].map((byte) => byte.toString(16).padStart(2, '0').toUpperCase()).join(':');
}

/** The bytes of "AB:CD:…" (32 pairs), or undefined for anything else. */
export function fingerprintFromText(text: string): Uint8Array | undefined {
  if (!/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/.test(text)) return undefined;
  return new Uint8Array(text.split(':').map((pair) => Number.parseInt(pair, 16)));
}

/** The sha-256 fingerprint of a local SDP, or undefined. */
export function sdpFingerprint(sdp: string): Uint8Array | undefined {
  const match = /a=fingerprint:sha-256 (\S+)/i.exec(sdp);
  return match ? fingerprintFromText(match[1]!) : undefined;
}

function ipKind(address: string): 'IP4' | 'IP6' {
  return address.includes(':') ? 'IP6' : 'IP4';
}

/** A local offer with its ICE ufrag and pwd both set to `ufrag` (what the dialer passes to setLocalDescription). */
export function withDirectUfrag(offerSdp: string, ufrag: string): string {
  return offerSdp.replace(/a=ice-ufrag:[^\r\n]*/g, `a=ice-ufrag:${ufrag}`).replace(/a=ice-pwd:[^\r\n]*/g, `a=ice-pwd:${ufrag}`);
}

/** The listener's answer as the dialer builds it: ice-lite, its one host candidate, its fixed fingerprint. */
export function directAnswerSdp(target: DirectAddress, ufrag: string, mid = '0'): string {
  const ip = ipKind(target.address);
  return [
    'v=0',
    `o=- 0 0 IN ${ip} ${target.address}`,
    's=-',
    't=0 0',
    'a=ice-lite',
    `m=application ${target.port} UDP/DTLS/SCTP webrtc-datachannel`,
    `c=IN ${ip} ${target.address}`,
    `a=mid:${mid}`,
    'a=ice-options:ice2',
    `a=ice-ufrag:${ufrag}`,
    `a=ice-pwd:${ufrag}`,
    `a=fingerprint:sha-256 ${fingerprintText(target.fingerprint)}`,
    'a=setup:passive',
    'a=sctp-port:5000',
    `a=max-message-size:${directMaxMessageBytes}`,
    `a=candidate:1467250027 1 UDP 1467250027 ${target.address} ${target.port} typ host`,
    'a=end-of-candidates',
    '',
  ].join('\r\n');
}

/**
 * The offer the dialer "would have sent", rebuilt by the listener from the STUN request's source and ufrag. The
 * fingerprint is zeros: the listener cannot know it and runs without fingerprint verification.
 */
export function directOfferSdp(ufrag: string, address: string, port: number): string {
  const ip = ipKind(address);
  return [
    'v=0',
    `o=- 0 0 IN ${ip} ${address}`,
    's=-',
    `c=IN ${ip} ${address}`,
    't=0 0',
    'a=ice-options:ice2,trickle',
    `m=application ${port} UDP/DTLS/SCTP webrtc-datachannel`,
    'a=mid:0',
    'a=setup:active',
    `a=ice-ufrag:${ufrag}`,
    `a=ice-pwd:${ufrag}`,
    `a=fingerprint:sha-256 ${fingerprintText(new Uint8Array(32))}`,
    'a=sctp-port:5000',
    `a=max-message-size:${directMaxMessageBytes}`,
    `a=candidate:1467250027 1 UDP 1467250027 ${address} ${port} typ host`,
    'a=end-of-candidates',
    '',
  ].join('\r\n');
}

/** A fresh random ufrag for one dial (directUfragChars characters of the ICE alphabet). */
export function randomDirectUfrag(chars = 32): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  return Array.from(crypto.getRandomValues(new Uint8Array(chars)), (byte) => alphabet[byte & 63]).join('');
}
