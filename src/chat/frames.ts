// The chat frame protocol: what travels inside the (sealed) data channel once the handshake is done.
//
// Layout of one frame (before sealing):
//   offset 0  u8   protocol version (frameVersion)
//   offset 1  u8   frame type (frameTypes)
//   offset 2  ...  body: UTF-8 JSON object whose fields depend on the type
// A frame is at most maxFrameBytes, so that with sealing overhead it stays under the 65536-byte message size
// every browser accepts (we do not announce a larger a=max-message-size). Decoding never throws: a frame that
// is too large, of a newer version, of an unknown type or with a malformed body comes back as `dropped` with
// a reason the caller counts; it never reaches the UI.
import { TincanError } from '../errors';

export const frameVersion = 1;
export const maxFrameBytes = 60 * 1024;
/** Longest message text, in UTF-16 code units (what a textarea's maxlength counts). */
export const maxMessageChars = 10_000;
const maxIdChars = 64;
const maxAckIds = 256;

export const frameTypes = {
  message: 1,
  ack: 2,
  typing: 3,
  ping: 4,
  pong: 5,
  bye: 6,
  signal: 7,
} as const;

/** Longest SDP a renegotiation (ICE restart) may carry. */
export const maxSignalSdpChars = 32 * 1024;

export type Frame =
  | { type: 'message'; id: string; text: string; sentAt: number }
  | { type: 'ack'; ids: string[] }
  | { type: 'typing'; active: boolean }
  | { type: 'ping'; sentAt: number }
  | { type: 'pong'; sentAt: number }
  | { type: 'bye' }
  /** An ICE restart's offer or answer, sent over the still-open channel (sealed like every frame). */
  | { type: 'signal'; kind: 'offer' | 'answer'; sdp: string };

export type DropReason = 'too-large' | 'newer-version' | 'unknown-type' | 'malformed';
export type Decoded = { ok: true; frame: Frame } | { ok: false; reason: DropReason };

const typeNames = Object.fromEntries(Object.entries(frameTypes).map(([name, n]) => [n, name])) as Record<
  number,
  Frame['type']
>;
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
  if (bytes[0] !== frameVersion) return { ok: false, reason: bytes[0]! > frameVersion ? 'newer-version' : 'malformed' };
  const type = typeNames[bytes[1]!];
  if (!type) return { ok: false, reason: 'unknown-type' };
  let body: unknown;
  try {
    body = JSON.parse(decoder.decode(bytes.subarray(2)));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const frame = validate(type, body);
  return frame ? { ok: true, frame } : { ok: false, reason: 'malformed' };
}

function validate(type: Frame['type'], body: unknown): Frame | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  switch (type) {
    case 'message':
      return isId(b.id) && typeof b.text === 'string' && b.text.length <= maxMessageChars && isTime(b.sentAt)
        ? { type, id: b.id, text: b.text, sentAt: b.sentAt }
        : undefined;
    case 'ack':
      return Array.isArray(b.ids) && b.ids.length <= maxAckIds && b.ids.every(isId)
        ? { type, ids: b.ids as string[] }
        : undefined;
    case 'typing':
      return typeof b.active === 'boolean' ? { type, active: b.active } : undefined;
    case 'ping':
    case 'pong':
      return isTime(b.sentAt) ? { type, sentAt: b.sentAt } : undefined;
    case 'bye':
      return { type };
    case 'signal':
      return (b.kind === 'offer' || b.kind === 'answer') && typeof b.sdp === 'string' && b.sdp.length <= maxSignalSdpChars
        ? { type, kind: b.kind, sdp: b.sdp }
        : undefined;
  }
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= maxIdChars;
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
