// One error type for everything Tincan can name. Pure modules throw only TincanError; the UI turns the code
// into a sentence in one place (src/ui/messages.ts). Anything else that escapes is a bug.

export const errorCodes = [
  // invite / answer codes
  'CODE_EMPTY', // nothing pasted
  'CODE_NOT_TINCAN', // characters or shape that no Tincan code has
  'CODE_CHECKSUM', // cut off or mistyped
  'CODE_TRUNCATED', // ends in the middle of a field
  'CODE_NEWER_VERSION', // made by a newer Tincan
  'CODE_EXPECTED_INVITE', // an answer pasted where an invite is expected
  'CODE_EXPECTED_ANSWER', // an invite pasted where an answer is expected
  'CODE_OWN_INVITE', // this page's own invite pasted back
  'CODE_INVITE_USED', // an invite this page already answered
  'CODE_TOO_LONG', // longer than any code we make
  'SDP_UNSUPPORTED', // a browser SDP we cannot turn into a code (no fingerprint, not sha-256, ...)
  // connection
  'ICE_FAILED',
  'CONNECT_TIMEOUT',
  'CHANNEL_CLOSED',
  'CONNECTION_LOST', // an open chat lost its network path for good
  'NO_INVITE_PENDING',
  'INVITER_UNREACHABLE', // answerer: the inviter's device does not answer yet; the answer must go back quickly
  // the browser's WebRTC refused something (net/peer-link.ts maps every exception to one of these)
  'WEBRTC_UNAVAILABLE', // no RTCPeerConnection (WebRTC turned off or missing) or its constructor refused
  'OFFER_FAILED', // createOffer / setLocalDescription failed for an invite
  'ANSWER_FAILED', // createAnswer / setLocalDescription failed for an answer
  'CODE_REFUSED', // setRemoteDescription refused the connection details of a code
  'CANDIDATES_REFUSED', // addIceCandidate refused every address of a pasted answer
  'SEND_QUEUE_FULL', // a sender outran the connection (send queue at its limit); nothing was lost, nothing sent
  // one-code reconnect and this device's DTLS certificate (net/certificate-store.ts)
  'RECONNECT_WRONG_CONTACT', // an answer pasted on a reconnect code comes from someone else than the pinned contact
  'CERTIFICATE_FAILED', // generateCertificate failed, or the browser refused the certificate
  'CERTIFICATE_NOT_KEPT', // warning: this device's certificate could not be stored; reconnect codes stop at reload
  // why a connection across networks failed (net/ice-servers.ts explainIceFailure)
  'ICE_NO_SERVERS', // no STUN/TURN server here: only the same network works
  'ICE_PEER_NO_SERVERS', // the other side has none: its code holds host candidates only
  'ICE_STUN_UNREACHABLE', // our STUN server gave no server-reflexive candidate
  'ICE_TURN_UNREACHABLE', // our TURN server gave no relay candidate (down, or wrong username/password)
  'ICE_NAT_BLOCKED', // both found through STUN, still no path: strict NATs, TURN needed
  // network settings (net/ice-servers.ts)
  'ICE_URL_MISSING', // a box that needs an address is empty
  'ICE_URL_SCHEME', // not stun:, stuns:, turn: or turns:
  'ICE_URL_WRONG_BOX', // a turn: address in the STUN box, or the reverse
  'ICE_URL_USERINFO', // user:password@ inside the address
  'ICE_URL_HOST', // not a host name, IPv4 address or [IPv6] address
  'ICE_URL_PORT', // not 1..65535
  'ICE_URL_TRANSPORT', // ?transport= on stun:, or other than udp/tcp
  'ICE_TURN_CREDENTIALS', // a TURN server without username or password
  'ICE_STUN_CREDENTIALS', // a STUN server with a username or password
  // chat frames
  'FRAME_TOO_LARGE',
  'MESSAGE_TOO_LONG',
  'FRAME_INVALID',
  // crypto, vault, storage
  'WRONG_PASSPHRASE',
  'PASSPHRASE_MISMATCH',
  'VAULT_LOCKED',
  'RECORD_TAMPERED',
  'STORAGE_QUOTA',
  'STORAGE_UNAVAILABLE',
  'BACKUP_INVALID',
  'HANDSHAKE_FAILED',
  'FINGERPRINT_MISMATCH',
  'REPLAYED_FRAME',
  'KEY_CHANGED', // a known contact came back with another identity key
  'SAFETY_NUMBER_MATCH', // a compared safety number is the same (info, not an error)
  'SAFETY_NUMBER_DIFFERENT', // a compared safety number differs
  'NO_CONVERSATION', // sending with no conversation open
  // camera and scanning
  'CAMERA_DENIED',
  'CAMERA_MISSING',
  'CAMERA_INSECURE',
  'QR_NOT_FOUND',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export class TincanError extends Error {
  override readonly name = 'TincanError';
  constructor(
    readonly code: ErrorCode,
    detail?: string,
  ) {
    super(detail ? `${code}: ${detail}` : code);
  }
}

export function isTincanError(error: unknown, code?: ErrorCode): error is TincanError {
  return error instanceof TincanError && (code === undefined || error.code === code);
}

/** Normalise anything thrown into an Error (Trystero's toError). */
export function toError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
