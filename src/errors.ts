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
  'NO_INVITE_PENDING',
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
