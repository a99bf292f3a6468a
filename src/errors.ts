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
  'CODE_INVITE_USED', // an invite this page already answered, its answer still open
  'CODE_INVITE_ANSWERED', // an invite this page answered before, that exchange over (connected or ended)
  'CODE_RECONNECT_OPEN', // a reconnect code this page opened and is still connecting with
  'CODE_RECONNECT_USED', // a reconnect code this page opened before, that exchange over (connected or ended)
  'CODE_ANSWER_ALREADY_CONNECTED', // an answer to an invite of this page that an answer already connected
  'CODE_ANSWER_RELAY_FIRST', // a pasted answer to an invite another device's answer by relay took first
  'CODE_TOO_LONG', // longer than any code we make
  'CODE_RECONNECT_NOT_YOURS', // a one-code reconnect made for another device
  'CODE_ANSWER_UNKNOWN_INVITE', // an answer to an invite this page no longer has
  'CODE_ANSWER_WRONG_DEVICE', // an answer to a reconnect code from a device other than the contact's
  // a code that parses but cannot work (invite/invite-code.ts checkUsable): refused before anything is sent
  'CODE_ICE_CREDENTIALS', // ICE ufrag under 4 or pwd under 22 characters: setRemoteDescription would throw
  'CODE_PORT_ZERO', // a candidate on port 0
  'CODE_ADDRESS_UNSPECIFIED', // a candidate at 0.0.0.0 or ::
  'CODE_ADDRESS_LOOPBACK', // a candidate at 127.0.0.0/8 or ::1: the reader's own device
  'CODE_ADDRESS_UNREACHABLE', // a multicast, broadcast or reserved candidate address
  'CODE_NO_CANDIDATES', // no candidate at all
  'NO_LOCAL_ADDRESS', // this device gathered no usable candidate, so it cannot make a code
  'SDP_UNSUPPORTED', // a browser SDP we cannot turn into a code (no fingerprint, not sha-256, ...)
  // connection
  'ICE_FAILED',
  'CONNECT_TIMEOUT',
  'CHANNEL_CLOSED',
  'CONNECTION_LOST', // an open chat lost its network path for good
  'NO_INVITE_PENDING',
  'INVITER_UNREACHABLE', // answerer: the inviter's device does not answer yet; the answer must go back quickly
  'INVITER_GONE', // answerer: the inviter never answered a check and the answer expired: its page was closed
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
  'VAULT_DAMAGED', // the stored wrapped key is damaged (its integrity hash fails): not a wrong passphrase
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
  'GROUP_INTRO_TAMPERED', // an introduction to another group member was changed on the way: that pair is not linked
  'PEER_STORAGE_FULL', // the contact's device refused our messages: no room for this conversation there
  'CONVERSATION_FULL', // this device refused a contact's messages: the conversation reached its storage quota
  'PROFILE_INCOMPLETE', // creating a profile without a name or passphrase
  'PASSPHRASE_CHANGED', // info: the passphrase was changed
  'DEVICE_FORGOTTEN', // info: everything on this device was erased
  'UNEXPECTED', // a bug: something threw that is not a TincanError (the detail says what)
  // file transfers (chat/files/)
  // calls (chat/calls.ts, docs/calls.md)
  'CALL_NEEDS_CONNECTION', // a call can only be made to a contact who is connected now
  'CALL_UNAVAILABLE', // this connection cannot carry a call (no kept certificate, or not a browser's)
  'CALL_BUSY', // a call is already going on (here, or on the contact's device)
  'CALL_REFUSED', // the call's connection details did not carry the fingerprint the contact signed: refused
  'CALL_CONNECTION_LOST', // the call's connection, or the chat's link under it, was lost
  'CALL_FAILED', // the other device could not set the call up
  'GROUP_CALL_TOO_BIG', // a group call is for at most maxGroupCallMembers people (chat/group-calls.ts)
  'GROUP_CALL_OVER', // "Join call": the group's call is no longer going on (chat/group-calls.ts)
  'MEDIA_DENIED', // the browser did not allow the microphone or camera
  'MEDIA_MISSING', // no microphone or camera found
  'FILE_NEEDS_CONNECTION', // a file can only be offered to a contact who is connected now
  'FILE_DECLINED', // the contact declined the file
  'FILE_CANCELLED', // the transfer was cancelled (by either side)
  'FILE_DISK_FULL', // no room on this device (or the receiver's) to write the file
  'FILE_CONNECTION_LOST', // the connection dropped mid-transfer: it resumes on the next connection
  'FILE_CHANGED', // the file changed on the sender's disk (or cannot be read as it was): it cannot resume
  'FILE_SOURCE_MISSING', // the sender's page no longer has the file open: choose it again to resume
  'FILE_HASH_MISMATCH', // the received file is not the one offered: discarded, never shown as complete
  'FILE_TOO_LARGE', // larger than this device accepts
  'FILE_DAMAGED', // a kept file does not open as it was sealed on this device (changed or damaged on disk)
  'FILE_NO_ROOM', // this device's storage has less room left than the offered file needs
  'FILE_SAVE_NO_ROOM', // no room for the plaintext copy "Save" makes before the download
  'FILE_SAVE_LOCKED', // Tincan locked while "Save" made its copy: no download (the copy goes with the lock)
  'RECONNECT_REFUSED', // a code from the device of a removed contact the person refused to reconnect with
  'FILE_NOT_A_PICTURE', // a file offered as a picture (and taken without asking) whose first bytes are not that picture
  // the Node peer and its command line (src/node/)
  'CONTACT_UNKNOWN', // no listed contact has that name or id
  'CONTACT_AMBIGUOUS', // several contacts have that name: identity is the key, so the id must say which
  'PROFILE_MISSING', // no profile in that folder yet
  'PROFILE_EXISTS', // making or importing a profile where one is kept already
  'PROFILE_IN_USE', // another running process has the profile folder open
  'PASSPHRASE_MISSING', // no terminal to ask, no --passphrase-file, no TINCAN_PASSPHRASE
  'COMMAND_INVALID', // a command line or a JSON input line Tincan cannot read
  // mailboxes (invite/mailbox-code.ts, chat/mailbox-*.ts; docs/mailbox.md)
  'MAILBOX_CODE_EMPTY', // nothing pasted in the mailbox code box
  'MAILBOX_CODE_IS_INVITE', // an invite or answer code pasted where a mailbox code is expected
  'MAILBOX_CODE_INVALID', // not a mailbox code
  'MAILBOX_CODE_CHECKSUM', // cut off or mistyped
  'MAILBOX_CODE_NEWER', // made by a newer Tincan
  'MAILBOX_CODE_ADDRESS', // an address or port no page can dial
  'MAILBOX_UNREACHABLE', // the mailbox did not answer at its address
  'MAILBOX_WRONG_KEY', // something answered at the address, but not the mailbox the code names
  'MAILBOX_REFUSED', // the mailbox does not serve this person (claimed by someone else, or not the owner's contact)
  'MAILBOX_FULL', // the mailbox has no room for more messages
  // camera and scanning
  'CAMERA_DENIED',
  'CAMERA_MISSING',
  'CAMERA_INSECURE',
  'QR_NOT_FOUND',
  // relays (docs/relays.md)
  'RELAY_ADDRESS', // a line of the relay box is not a wss:// address
  'RELAY_ANSWER_REFUSED', // what came by relay for a waiting invite is not an answer to it (ignored)
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

/** Anything thrown by a platform API as a TincanError with this code; a TincanError keeps its own. */
export function asTincanError(error: unknown, code: ErrorCode): TincanError {
  if (error instanceof TincanError) return error;
  const thrown = toError(error);
  return new TincanError(code, `${thrown.name}: ${thrown.message}`);
}
