// The chat frame protocol, version 3: what travels inside the sealed channel once the handshake is done.
//
// Layout of one frame (before sealing, crypto/secure-session.ts):
//   offset 0  u8   protocol version (frameVersion = 3; 2 carried messages in the clear inside the link's seal)
//   offset 1  u8   frame type (frameTypes)
//   offset 2  ...  body: a UTF-8 JSON object whose fields depend on the type (below)
// A frame is at most maxFrameBytes, so that sealed it stays under the 65,536-byte message size every browser
// accepts (we announce no larger a=max-message-size).
//
// Every frame about a conversation names it (`conversation`): for two people the id both derive from their
// identity keys (conversation-id.ts), for a group its random id. Frames carry only wire fields: nothing a device
// keeps about a message (its state, index or direction) is ever sent.
//
// Messages travel as end-to-end envelopes and acks as signed acks (crypto/envelope.ts): the same bytes whether they
// go straight to their member or through a carrier (`forward` asks the peer to carry one to a member it reaches;
// `carried` is one it brings). A `chain` frame hands a sender chain's key to the peer; it only ever travels on the
// direct session with the member it is for. A `relays` frame hands the peer this device's relays and its alias
// there for that peer (chat/relay-carrier.ts), so envelopes and acks can also travel as gift wraps.
//
// DECODING never throws, for any bytes: a frame that is too large, of another version, of an unknown type, or whose
// body fails validation comes back as `{ ok: false, reason }`, which the caller counts; it never reaches the UI.
// Validation is strict and happens here, where the frame is decoded: ids of one fixed shape, texts and lists
// bounded, times finite numbers. What a time MEANS is judged by the receiver against its own clock
// (chat-message.ts plausibleSentAt), since only it knows "now": a sender whose clock says year 318,000 still gets
// its message delivered (shown at arrival time), rather than dropped and resent forever.
import { TincanError } from '../errors';
import type { Envelope, SignedAck } from '../crypto/envelope';
import { callFrameTypes, validateCallFrame, type CallFrame, type CallFrameType } from './call-frames';
import { isRelayAddress, maxRelays } from '../net/relay-address';
import { fileFrameTypes, validateFileFrame, type FileFrame, type FileFrameType } from './files/file-frames';
import { isConversationId, isMessageId } from './wire-ids';
import { isMembershipEntry, maxLogEntries, type MembershipEntry } from './group/membership-log';
import { maxIntroCodeChars, type Introduction } from './group/introduction';

export { conversationIdPattern, isConversationId, isMessageId, messageIdPattern } from './wire-ids';

export const frameVersion = 3;
export const maxFrameBytes = 60 * 1024;
/** Longest message text, in UTF-16 code units (what a textarea's maxlength counts). */
export const maxMessageChars = 10_000;
/** Ids acknowledged by one ack frame: a burst is acknowledged in a few frames, not one per message. */
export const maxAckIds = 512;
/** Longest SDP a renegotiation (ICE restart) may carry. */
export const maxSignalSdpChars = 32 * 1024;
/** DTLS certificate fingerprints (SHA-256) in base64url. */
const fingerprintPattern = /^[A-Za-z0-9_-]{43}$/;
/** Ed25519 identity keys and 32-byte chain keys in base64url. */
const key32Pattern = /^[A-Za-z0-9_-]{43}$/;
/** Sender chain ids: 128 bits in base64url. */
const chainIdPattern = /^[A-Za-z0-9_-]{22}$/;
/** Ed25519 signatures in base64url. */
const signaturePattern = /^[A-Za-z0-9_-]{86}$/;
/** A Nostr alias key (x-only secp256k1, 32 bytes) in lowercase hex. */
const aliasPattern = /^[0-9a-f]{64}$/;
/** A sealed body: base64url, at most what a frame can hold. */
const boxPattern = /^[A-Za-z0-9_-]+$/;

export const frameTypes = {
  envelope: 1,
  ack: 2,
  typing: 3,
  ping: 4,
  pong: 5,
  bye: 6,
  signal: 7,
  cert: 8,
  refused: 9,
  chain: 15,
  forward: 16,
  carried: 17,
  sync: 18,
  held: 19,
  synced: 20,
  mailbox: 26,
  // Groups (group/): the membership log, and introductions between members through a member in the middle.
  group: 27,
  intro: 28,
  relays: 29,
  // File transfers (files/file-frames.ts): offer, accept, decline, cancel, done. The bytes go on the bulk channel.
  ...fileFrameTypes,
  // Calls (call-frames.ts, docs/calls.md): offer, answer, end, ICE restart, "your media reaches me".
  ...callFrameTypes,
} as const;

export type FrameType = keyof typeof frameTypes;

/** Why the receiver did not store messages (they stay in the sender's outbox). */
export type RefusedReason = 'quota';

/** Why a peer says bye, when it says (absent: on purpose, e.g. Disconnect or a lock; also every bye of a page older
 * than this field). `page-closed`: its page is going away (closed, reloaded, navigated from), so it may come back. */
export type ByeReason = 'page-closed';

/** What a carrier moves: an envelope or a signed ack, as it travels on its own. */
export type CarriedItem = EnvelopeFrame | AckFrame;
/** A message sealed end to end by its sender (crypto/envelope.ts). */
export type EnvelopeFrame = { type: 'envelope' } & Envelope;
/** `by` has stored these messages (or had them already), signed by `by`: the sender may forget them. */
export type AckFrame = { type: 'ack' } & SignedAck;

export type RelaysFrame = { type: 'relays'; alias?: string; relays: string[] };

export type Frame =
  | EnvelopeFrame
  | AckFrame
  /** The sender's chain `chain` in `conversation`, from message `n` on (its chain key there, `key`). */
  | { type: 'chain'; conversation: string; chain: string; key: string; n: number }
  /** Please carry `item` to the member whose identity key is `to`. With `key` (a group envelope's message key, for a
   * fellow member of that group who has no chain of the sender's: the two cannot link directly), the carrier, a
   * member too, hands it on as `held` (chat/delivery.ts `forward`). */
  | { type: 'forward'; to: string; item: CarriedItem; key?: string }
  /** An item this peer carries from someone else (its own signature says who). */
  | { type: 'carried'; item: CarriedItem }
  /** The highest message number this device stored from each sender (identity key) in `conversation`
   * (chat/group-sync.ts): the peer answers with everything it holds for this device, what lies above them first (a
   * number may have a gap below it), then `synced`. */
  | { type: 'sync'; conversation: string; seen: Record<string, number> }
  /** A group envelope held for this peer by a fellow member, with its message key (direct sessions only). */
  | { type: 'held'; item: EnvelopeFrame; key: string }
  /** The end of an answer to `sync`: what was held for the peer in `conversation` has all been sent. */
  | { type: 'synced'; conversation: string }
  /** A group's membership log, whole (group/membership-log.ts): the receiver merges it. */
  | { type: 'group'; conversation: string; entries: MembershipEntry[] }
  /** An introduction for the member `to` (group/introduction.ts): handed on by the member in the middle. */
  | ({ type: 'intro' } & Introduction)
  | { type: 'typing'; conversation: string; active: boolean }
  | { type: 'ping'; sentAt: number }
  | { type: 'pong'; sentAt: number }
  /** The peer closes the connection itself (not a network failure); `reason` says when it is because its page goes. */
  | { type: 'bye'; reason?: ByeReason }
  /** An ICE restart's offer or answer, carried over the still-open channel. */
  | { type: 'signal'; kind: 'offer' | 'answer'; sdp: string }
  /** The sender's persistent DTLS certificate changed (renewed): pin this fingerprint for one-code reconnects. */
  | { type: 'cert'; fingerprint: string }
  /** The receiver did not store these messages, and why; the sender keeps them and says so. */
  | { type: 'refused'; conversation: string; ids: string[]; reason: RefusedReason }
  /** The sender's relays and its alias key for this contact (docs/relays.md); no alias and no relays: not by relay. */
  | RelaysFrame
  /** The sender's mailbox (invite/mailbox-code.ts, without its claim): leave messages there while it is away. No
   * code: forget the mailbox it told before (its owner turned "Let <name> use my mailbox" off, docs/mailbox.md §5). */
  | { type: 'mailbox'; code?: string }
  | FileFrame
  | CallFrame;

export type DropReason = 'too-large' | 'other-version' | 'unknown-type' | 'malformed';
export type Decoded = { ok: true; frame: Frame } | { ok: false; reason: DropReason };

const typeNames = new Map<number, FrameType>(Object.entries(frameTypes).map(([name, n]) => [n, name as FrameType]));
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeFrame(frame: Frame): Uint8Array {
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
  if (isCallFrameType(type)) return validateCallFrame(type, b);
  switch (type) {
    case 'envelope':
    case 'ack':
      return validateItem(type, b);
    case 'chain':
      return isConversationId(b.conversation) && isString(b.chain, chainIdPattern) && isString(b.key, key32Pattern) && isCount(b.n)
        ? { type, conversation: b.conversation, chain: b.chain, key: b.key, n: b.n }
        : undefined;
    case 'forward': {
      const item = isRecord(b.item) ? validateItem(b.item.type, b.item) : undefined;
      if (!isString(b.to, key32Pattern) || !item) return undefined;
      if (b.key === undefined) return { type, to: b.to, item };
      return item.type === 'envelope' && isString(b.key, key32Pattern) ? { type, to: b.to, item, key: b.key } : undefined;
    }
    case 'carried': {
      const item = isRecord(b.item) ? validateItem(b.item.type, b.item) : undefined;
      return item ? { type, item } : undefined;
    }
    case 'sync':
      return isConversationId(b.conversation) && isSeen(b.seen) ? { type, conversation: b.conversation, seen: { ...b.seen } } : undefined;
    case 'held': {
      const item = isRecord(b.item) ? validateItem(b.item.type, b.item) : undefined;
      return item?.type === 'envelope' && isString(b.key, key32Pattern) ? { type, item, key: b.key } : undefined;
    }
    case 'synced':
      return isConversationId(b.conversation) ? { type, conversation: b.conversation } : undefined;
    case 'group':
      return isGroupId(b.conversation) && Array.isArray(b.entries) && b.entries.length > 0 && b.entries.length <= maxLogEntries && b.entries.every(isMembershipEntry)
        ? { type, conversation: b.conversation, entries: [...b.entries] }
        : undefined;
    case 'intro':
      return isGroupId(b.conversation) &&
        isString(b.from, key32Pattern) &&
        isString(b.to, key32Pattern) &&
        (b.kind === 'offer' || b.kind === 'answer' || b.kind === 'refused' || b.kind === 'unreachable') &&
        typeof b.code === 'string' &&
        b.code.length <= maxIntroCodeChars &&
        (b.kind === 'unreachable' ? key32Pattern.test(b.code) : /^[0-9A-Z]*$/.test(b.code)) &&
        typeof b.name === 'string' &&
        b.name.length <= 256 &&
        isString(b.sig, signaturePattern)
        ? { type, conversation: b.conversation, from: b.from, to: b.to, kind: b.kind, code: b.code, name: b.name, sig: b.sig }
        : undefined;
    case 'typing':
      return isConversationId(b.conversation) && typeof b.active === 'boolean'
        ? { type, conversation: b.conversation, active: b.active }
        : undefined;
    case 'ping':
    case 'pong':
      return isTime(b.sentAt) ? { type, sentAt: b.sentAt } : undefined;
    case 'bye':
      if (b.reason === undefined) return { type };
      return b.reason === 'page-closed' ? { type, reason: b.reason } : undefined;
    case 'signal':
      return (b.kind === 'offer' || b.kind === 'answer') && typeof b.sdp === 'string' && b.sdp.length <= maxSignalSdpChars
        ? { type, kind: b.kind, sdp: b.sdp }
        : undefined;
    case 'cert':
      return typeof b.fingerprint === 'string' && fingerprintPattern.test(b.fingerprint) ? { type, fingerprint: b.fingerprint } : undefined;
    case 'mailbox':
      if (b.code === undefined) return { type };
      return typeof b.code === 'string' && /^M[0-9A-Z]{100,140}$/.test(b.code) ? { type, code: b.code } : undefined;
    case 'relays': {
      const relays = b.relays;
      if (!Array.isArray(relays) || relays.length > maxRelays || !relays.every(isRelayAddress)) return undefined;
      if (b.alias === undefined) return relays.length ? undefined : { type, relays: [] };
      return isString(b.alias, aliasPattern) && relays.length ? { type, alias: b.alias, relays: [...relays] } : undefined;
    }
    case 'refused':
      return isConversationId(b.conversation) && isIdList(b.ids) && b.reason === 'quota'
        ? { type, conversation: b.conversation, ids: [...b.ids], reason: b.reason }
        : undefined;
  }
}

/** An envelope or an ack, on its own or inside `forward` / `carried`, from a relay, or in a mailbox's frames (mailbox-protocol.ts). */
export function validateItem(type: unknown, b: Readonly<Record<string, unknown>>): CarriedItem | undefined {
  if (type === 'envelope') {
    return isConversationId(b.conversation) &&
      isMessageId(b.id) &&
      isString(b.from, key32Pattern) &&
      isString(b.chain, chainIdPattern) &&
      isCount(b.n) &&
      isString(b.box, boxPattern) &&
      isString(b.sig, signaturePattern)
      ? { type, conversation: b.conversation, id: b.id, from: b.from, chain: b.chain, n: b.n, box: b.box, sig: b.sig }
      : undefined;
  }
  if (type === 'ack') {
    return isConversationId(b.conversation) && isString(b.of, key32Pattern) && isIdList(b.ids) && isString(b.by, key32Pattern) && isString(b.sig, signaturePattern)
      ? { type, conversation: b.conversation, of: b.of, ids: [...b.ids], by: b.by, sig: b.sig }
      : undefined;
  }
  return undefined;
}

function isGroupId(value: unknown): value is string {
  return isConversationId(value) && value.startsWith('g:');
}

function isString(value: unknown, pattern: RegExp): value is string {
  return typeof value === 'string' && pattern.test(value);
}

/** A whole number from 0 up to 2^53 - 1 (a chain's message number). */
function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isFileFrameType(type: FrameType): type is FileFrameType {
  return type in fileFrameTypes;
}

function isCallFrameType(type: FrameType): type is CallFrameType {
  return type in callFrameTypes;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Senders named in one `sync` frame: a group has at most a few dozen members. */
export const maxSyncSenders = 64;

function isSeen(value: unknown): value is Record<string, number> {
  if (!isRecord(value)) return false;
  const entries = Object.entries(value);
  return entries.length <= maxSyncSenders && entries.every(([key, n]) => key32Pattern.test(key) && isCount(n));
}

function isIdList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.length <= maxAckIds && value.every(isMessageId);
}

/** A finite number of ms since the epoch; whether it is plausible is the receiver's call. */
export function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
