// End-to-end envelopes and acks: a message sealed once for its conversation and signed by its sender, and an
// acknowledgement signed by its recipient, so that whoever carries them (a live link, another member, a mailbox, a
// relay) can neither read, alter, replay as new, nor fake them (docs/envelopes.md).
//
// Envelope (every field travels; chat/frames.ts validates their shapes):
//   conversation  the conversation's wire id         id    the message id (96 random bits, base64url)
//   from          the sender's Ed25519 identity key   chain the sender chain's id (128 bits)   n  the message's number in it
//   box           XChaCha20-Poly1305 of the body under message key n of the chain (crypto/sender-chain.ts)
//   sig           Ed25519 by `from` over header || box
// header = "tincan/envelope/v1" 0x00 conversation 0x00 id 0x00 from 0x00 chain 0x00 decimal(n), also the box's
// associated data: a box moved to another conversation, id, chain or number does not open, and the signature
// proves the sender (a chain key is shared by every member of a group, so it alone would not).
// Body = UTF-8 JSON { text, sentAt, seq?, hlc?, file? } (validated by the caller after opening): seq numbers the sender's
// messages in the conversation (1, 2, ...; gaps allowed), hlc is its hybrid logical clock reading (chat/hybrid-clock.ts);
// file is a group's file offer (its text the file's name; chat/files/group-file.ts checks its fields).
// Both are inside the box: a carrier learns neither, and neither can be changed without breaking the signature.
//
// Ack: { conversation, of, ids, by, sig } with sig = Ed25519 by `by` over
//   "tincan/ack/v2" 0x00 conversation 0x00 by 0x00 of 0x00 ids joined by ","
// so an ack names who stored the messages, and only they can make it, and whose messages they are (`of`, the
// sender's key): in a group each member picks its own ids, so an id alone could name another member's message.
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from './bytes';
import type { Identity } from './identity';
import { openWithMessageKey, type IncomingChain, type OpenResult, type OutgoingChain } from './sender-chain';
import type { Sodium } from './sodium';

export interface Envelope {
  readonly conversation: string;
  readonly id: string;
  readonly from: string;
  readonly chain: string;
  readonly n: number;
  readonly box: string;
  readonly sig: string;
}

export interface SignedAck {
  readonly conversation: string;
  /** The identity key of the messages' sender. */
  readonly of: string;
  readonly ids: readonly string[];
  readonly by: string;
  readonly sig: string;
}

export interface EnvelopeBody {
  readonly text: string;
  readonly sentAt: number;
  /** The sender's number for this message in the conversation (absent in envelopes sealed before numbering). */
  readonly seq?: number;
  /** The sender's hybrid logical clock reading (absent before numbering). */
  readonly hlc?: number;
  /** A file offered to a group (its fields checked by chat/files/group-file.ts; an object here, nothing more). */
  readonly file?: { readonly [key: string]: unknown };
}

const envelopeDomain = 'tincan/envelope/v1';
const ackDomain = 'tincan/ack/v2';

function joined(...parts: readonly string[]): Uint8Array {
  return utf8(parts.join('\u0000'));
}

function envelopeHeader(e: Pick<Envelope, 'conversation' | 'id' | 'from' | 'chain' | 'n'>): Uint8Array {
  return joined(envelopeDomain, e.conversation, e.id, e.from, e.chain, String(e.n));
}

function ackBytes(a: Pick<SignedAck, 'conversation' | 'of' | 'ids' | 'by'>): Uint8Array {
  return joined(ackDomain, a.conversation, a.by, a.of, a.ids.join(','));
}

/** Seals `body` as the chain's next message and signs it. */
export function sealEnvelope(
  sodium: Sodium,
  identity: Identity,
  chain: OutgoingChain,
  header: { readonly conversation: string; readonly id: string },
  body: EnvelopeBody,
): Envelope {
  const from = toBase64Url(identity.publicKey);
  const chainId = chain.chainId;
  const plaintext = utf8(
    JSON.stringify({ text: body.text, sentAt: body.sentAt, ...(body.seq !== undefined ? { seq: body.seq } : {}), ...(body.hlc !== undefined ? { hlc: body.hlc } : {}), ...(body.file ? { file: body.file } : {}) }),
  );
  const { n, box } = chain.seal(plaintext, (n) => envelopeHeader({ ...header, from, chain: chainId, n }));
  const fields = { conversation: header.conversation, id: header.id, from, chain: chainId, n };
  const sig = sodium.crypto_sign_detached(concatBytes(envelopeHeader(fields), box), identity.secretKey);
  return { ...fields, box: toBase64Url(box), sig: toBase64Url(sig) };
}

/** Whether `from` signed this envelope as it is (any byte changed, or another signer: false). */
export function verifyEnvelope(sodium: Sodium, envelope: Envelope): boolean {
  try {
    const signed = concatBytes(envelopeHeader(envelope), fromBase64Url(envelope.box));
    return sodium.crypto_sign_verify_detached(fromBase64Url(envelope.sig), signed, fromBase64Url(envelope.from));
  } catch {
    return false;
  }
}

export type OpenedEnvelope = { readonly ok: true; readonly body: EnvelopeBody } | Extract<OpenResult, { ok: false }> | { readonly ok: false; readonly reason: 'malformed' };

/** Opens a verified envelope with the sender's chain (its key stays until the chain's `consume`). */
export function openEnvelope(chain: IncomingChain, envelope: Envelope): OpenedEnvelope {
  let box: Uint8Array;
  try {
    box = fromBase64Url(envelope.box);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const opened = chain.open(envelope.n, box, envelopeHeader(envelope));
  return opened.ok ? parseBody(opened.plaintext) : opened;
}

/** Opens a verified envelope with its message key handed over by a member who holds it (chat/group-sync.ts). A
 * wrong key, or a box not made under it, does not open (`invalid`). */
export function openEnvelopeWithKey(sodium: Sodium, messageKey: Uint8Array, envelope: Envelope): OpenedEnvelope {
  let plaintext: Uint8Array | undefined;
  try {
    plaintext = openWithMessageKey(sodium, messageKey, fromBase64Url(envelope.box), envelopeHeader(envelope));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  return plaintext ? parseBody(plaintext) : { ok: false, reason: 'invalid' };
}

function parseBody(plaintext: Uint8Array): OpenedEnvelope {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const b = body as Partial<Record<keyof EnvelopeBody, unknown>> | null;
  if (!b || typeof b !== 'object' || typeof b.text !== 'string' || typeof b.sentAt !== 'number' || !Number.isFinite(b.sentAt)) {
    return { ok: false, reason: 'malformed' };
  }
  // A number or reading out of range is left out (the message is placed by its arrival), never refused: a sender
  // whose clock is broken still gets its message delivered, as with `sentAt`.
  const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  const file = b.file && typeof b.file === 'object' && !Array.isArray(b.file) ? { file: b.file as { readonly [key: string]: unknown } } : {};
  return { ok: true, body: { text: b.text, sentAt: b.sentAt, ...(isCount(b.seq) ? { seq: b.seq } : {}), ...(isCount(b.hlc) ? { hlc: b.hlc } : {}), ...file } };
}

/** Acknowledges the messages `ids` sent by `of` (an identity key) in `conversation`. */
export function signAck(sodium: Sodium, identity: Identity, conversation: string, of: string, ids: readonly string[]): SignedAck {
  const by = toBase64Url(identity.publicKey);
  const sig = sodium.crypto_sign_detached(ackBytes({ conversation, of, ids, by }), identity.secretKey);
  return { conversation, of, ids: [...ids], by, sig: toBase64Url(sig) };
}

/** Whether `by` signed exactly this ack. */
export function verifyAck(sodium: Sodium, ack: SignedAck): boolean {
  try {
    return sodium.crypto_sign_verify_detached(fromBase64Url(ack.sig), ackBytes(ack), fromBase64Url(ack.by));
  } catch {
    return false;
  }
}
