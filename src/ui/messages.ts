// Every error code as the sentence a person reads: what went wrong and what to do. The one place for them.
import type { ErrorCode } from '../errors';

export const errorMessages: Record<ErrorCode, string> = {
  CODE_EMPTY: 'Paste a code first: the invite or answer your contact sent you.',
  CODE_NOT_TINCAN: 'That is not a Tincan code. Ask your contact to copy the whole code again.',
  CODE_CHECKSUM: 'That code is cut off or has a typo. Copy the whole code again and paste it.',
  CODE_TRUNCATED: 'That code is cut off. Copy the whole code again and paste it.',
  CODE_NEWER_VERSION: 'That code was made by a newer version of Tincan. Reload this page to update, then try again.',
  CODE_EXPECTED_INVITE: 'That is an answer code, but this page has no open invite. Answers only work on the page that made the invite: make a new invite.',
  CODE_EXPECTED_ANSWER: 'That is an invite, but you are waiting for an answer. Paste the answer your contact sent back.',
  CODE_OWN_INVITE: 'That is your own invite. Send it to your contact, and paste the answer they send back.',
  CODE_INVITE_USED: 'You already answered this invite. Send the answer code below to your contact.',
  CODE_TOO_LONG: 'That text is far longer than any Tincan code. Paste only the code.',
  SDP_UNSUPPORTED: 'This browser made a connection offer Tincan cannot use. Try a current Chromium or Firefox.',
  ICE_FAILED: 'Could not reach your contact directly: you may be on networks that block direct connections. Try again on the same network, or add a TURN server in Settings.',
  CONNECT_TIMEOUT: 'The connection did not open in time. Make a new invite and try again.',
  CHANNEL_CLOSED: 'The connection closed. Make a new invite to talk again.',
  NO_INVITE_PENDING: 'There is no open invite on this page. Make a new invite.',
  FRAME_TOO_LARGE: 'That message is too large to send. Split it into smaller ones.',
  MESSAGE_TOO_LONG: 'That message is too long (10,000 characters at most). Split it into smaller ones.',
  FRAME_INVALID: 'Your contact sent something Tincan could not read; it was ignored.',
  WRONG_PASSPHRASE: 'Wrong passphrase. Nothing was changed: try again.',
  PASSPHRASE_MISMATCH: 'The two passphrases differ. Type the same passphrase twice.',
  VAULT_LOCKED: 'Unlock Tincan with your passphrase first.',
  RECORD_TAMPERED: 'A stored record was damaged or altered and was skipped. The rest of your history is intact.',
  STORAGE_QUOTA: 'This device is out of storage space for Tincan. Free some space or export and delete old conversations.',
  STORAGE_UNAVAILABLE: 'This browser refuses to store data (private mode?). Tincan cannot keep history here.',
  BACKUP_INVALID: 'That file is not a Tincan backup, or it is damaged. Nothing was changed.',
  HANDSHAKE_FAILED: 'Security check failed: the other side could not prove its identity. The connection was closed.',
  FINGERPRINT_MISMATCH: 'Security check failed: the connection was altered on the way (the codes did not match the connection). It was closed; exchange new codes by a channel you trust.',
  REPLAYED_FRAME: 'A repeated or out-of-order message was rejected.',
  CAMERA_DENIED: 'Camera access was denied. Allow the camera in your browser settings, or paste the code instead.',
  CAMERA_MISSING: 'No camera was found. Paste the code instead, or scan it from an image.',
  CAMERA_INSECURE: 'The camera only works on a secure (https) page. Paste the code instead.',
  QR_NOT_FOUND: 'No Tincan code was found in that picture. Try a sharper picture or paste the code.',
};

export function noticeText(notice: { code?: ErrorCode; detail?: string }): string {
  if (notice.code) return errorMessages[notice.code];
  return notice.detail ?? 'Something went wrong.';
}
