// The chat frame protocol, version 2: what travels inside the sealed channel once the handshake is done.
//
// Layout of one frame (before sealing, crypto/secure-session.ts):
//   offset 0  u8   protocol version (frameVersion = 2)
//   offset 1  u8   frame type (frameTypes)
//   offset 2  ...  body: a UTF-8 JSON object whose fields depend on the type (below)
// A frame is at most maxFrameBytes, so that sealed it stays under the 65,536-byte message size every browser
// accepts (we announce no larger a=max-message-size).
//
// Every frame about a conversation names it (`conversation`): for two people the id both derive from their
// identity keys (conversation-id.ts), for a group its random id. Frames carry only wire fields: nothing a device
// keeps about a message (its state, index or direction) is ever sent.
//
// DECODING never throws, for any bytes: a frame that is too large, of another version, of an unknown type, or whose
// body fails validation comes back as `{ ok: false, reason }`, which the caller counts; it never reaches the UI.
// Validation is strict and happens here, where the frame is decoded: ids of one fixed shape, texts and lists
// bounded, times finite numbers. What a time MEANS is judged by the receiver against its own clock
// (chat-message.ts plausibleSentAt), since only it knows "now": a sender whose clock says year 318,000 still gets
// its message delivered (shown at arrival time), rather than dropped and resent forever.
import { TincanError } from '../errors';
import { fileFrameTypes, validateFileFrame, type FileFrame, type FileFrameType } from './files/file-frames';
import { isConversationId, isMessageId } from './wire-ids';

export { conversationIdPattern, isConversationId, isMessageId, messageIdPattern } from './wire-ids';

export const frameVersion = 2;
export const maxFrameBytes = 60 * 1024;
/** Longest message text, in UTF-16 code units (what a textarea's maxlength counts). */
export const maxMessageChars = 10_000;
/** Ids acknowledged by one ack frame: a burst is acknowledged in a few frames, not one per message. */
export const maxAckIds = 512;
/** Longest SDP a renegotiation (ICE restart) may carry. */
export const maxSignalSdpChars = 32 * 1024;
/** DTLS certificate fingerprints (SHA-256) in base64url. */
const fingerprintPattern = /^[A-Za-z0-9_-]{43}$/;

export const frameTypes = {
  message: 1,
  ack: 2,
  typing: 3,
  ping: 4,
  pong: 5,
  bye: 6,
  signal: 7,
  cert: 8,
  refused: 9,
  // File transfers (files/file-frames.ts): offer, accept, decline, cancel, done. The bytes go on the bulk channel.
  ...fileFrameTypes,
} as const;

export type FrameType = keyof typeof frameTypes;

/** Why the receiver did not store messages (they stay in the sender's outbox). */
export type RefusedReason = 'quota';

export type Frame =
  /** A text message in a conversation. `sentAt`: ms since the Unix epoch on the sender's clock. */
  | { type: 'message'; conversation: string; id: string; text: string; sentAt: number }
  /** The receiver has stored these messages (or had them already): the sender may forget them. */
  | { type: 'ack'; conversation: string; ids: string[] }
  | { type: 'typing'; conversation: string; active: boolean }
  | { type: 'ping'; sentAt: number }
  | { type: 'pong'; sentAt: number }
  /** The peer closes the connection on purpose (not a network failure). */
  | { type: 'bye' }
  /** An ICE restart's offer or answer, carried over the still-open channel. */
  | { type: 'signal'; kind: 'offer' | 'answer'; sdp: string }
  /** The sender's persistent DTLS certificate changed (renewed): pin this fingerprint for one-code reconnects. */
  | { type: 'cert'; fingerprint: string }
  /** The receiver did not store these messages, and why; the sender keeps them and says so. */
  | { type: 'refused'; conversation: string; ids: string[]; reason: RefusedReason }
  | FileFrame;

export type DropReason = 'too-large' | 'other-version' | 'unknown-type' | 'malformed';
export type Decoded = { ok: true; frame: Frame } | { ok: false; reason: DropReason };

const typeNames = new Map<number, FrameType>(Object.entries(frameTypes).map(([name, n]) => [n, name as FrameType]));
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeFrame(frame: Frame): Uint8Array {
  if (frame.type === 'message' && frame.text.length > maxMessageChars) {
    throw new TincanError('MESSAGE_TOO_LONG', `${frame.text.length} > ${maxMessageChars}`);
  }
  const { type, ...body } = frame;
  const json = encoder.encode(JSON.stringify(body));
  const bytes = new Uint8Array(2 + json.length);
  bytes[0] = frameVersion;
  bytes[1] = frameTypes[type];
  bytes.set(json, 2);
  if (bytes.length > maxFrameBytes) throw new TincanError('FRAME_TOO_LARGE', `${bytes.length} bytes`);
  return bytes;
}

export function decodeFrame(bytes: Uint8Array): Decoded {
  if (bytes.length > maxFrameBytes) return { ok: false, reason: 'too-large' };
  if (bytes.length < 2) return { ok: false, reason: 'malformed' };
  if (bytes[0] !== frameVersion) return { ok: false, reason: 'other-version' };
  const type = typeNames.get(bytes[1]!);
  if (!type) return { ok: false, reason: 'unknown-type' };
  let body: unknown;
  try {
    body = JSON.parse(decoder.decode(bytes.subarray(2)));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const frame = isRecord(body) ? validate(type, body) : undefined;
  return frame ? { ok: true, frame } : { ok: false, reason: 'malformed' };
}

/** Builds the frame from the body's known fields only: unknown fields are not carried along. */
function validate(type: FrameType, b: Readonly<Record<string, unknown>>): Frame | undefined {
  if (isFileFrameType(type)) return validateFileFrame(type, b);
  switch (type) {
    case 'message':
      return isConversationId(b.conversation) && isMessageId(b.id) && isText(b.text) && isTime(b.sentAt)
        ? { type, conversation: b.conversation, id: b.id, text: b.text, sentAt: b.sentAt }
        : undefined;
    case 'ack':
      return isConversationId(b.conversation) && isIdList(b.ids) ? { type, conversation: b.conversation, ids: [...b.ids] } : undefined;
    case 'typing':
      return isConversationId(b.conversation) && typeof b.active === 'boolean'
        ? { type, conversation: b.conversation, active: b.active }
        : undefined;
    case 'ping':
    case 'pong':
      return isTime(b.sentAt) ? { type, sentAt: b.sentAt } : undefined;
    case 'bye':
      return { type };
    case 'signal':
      return (b.kind === 'offer' || b.kind === 'answer') && typeof b.sdp === 'string' && b.sdp.length <= maxSignalSdpChars
        ? { type, kind: b.kind, sdp: b.sdp }
        : undefined;
    case 'cert':
      return typeof b.fingerprint === 'string' && fingerprintPattern.test(b.fingerprint) ? { type, fingerprint: b.fingerprint } : undefined;
    case 'refused':
      return isConversationId(b.conversation) && isIdList(b.ids) && b.reason === 'quota'
        ? { type, conversation: b.conversation, ids: [...b.ids], reason: b.reason }
        : undefined;
  }
}

function isFileFrameType(type: FrameType): type is FileFrameType {
  return type in fileFrameTypes;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIdList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.length <= maxAckIds && value.every(isMessageId);
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= maxMessageChars;
}

/** A finite number of ms since the epoch; whether it is plausible is the receiver's call. */
export function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
