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
// Body = UTF-8 JSON { text, sentAt } (validated by the caller after opening).
//
// Ack: { conversation, ids, by, sig } with sig = Ed25519 by `by` over
//   "tincan/ack/v1" 0x00 conversation 0x00 by 0x00 ids joined by ","
// so an ack names who stored the messages, and only they can make it.
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from './bytes';
import type { Identity } from './identity';
import type { IncomingChain, OpenResult, OutgoingChain } from './sender-chain';
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
  readonly ids: readonly string[];
  readonly by: string;
  readonly sig: string;
}

export interface EnvelopeBody {
  readonly text: string;
  readonly sentAt: number;
}

const envelopeDomain = 'tincan/envelope/v1';
const ackDomain = 'tincan/ack/v1';

function joined(...parts: readonly string[]): Uint8Array {
  return utf8(parts.join('\u0000'));
}

function envelopeHeader(e: Pick<Envelope, 'conversation' | 'id' | 'from' | 'chain' | 'n'>): Uint8Array {
  return joined(envelopeDomain, e.conversation, e.id, e.from, e.chain, String(e.n));
}

function ackBytes(a: Pick<SignedAck, 'conversation' | 'ids' | 'by'>): Uint8Array {
  return joined(ackDomain, a.conversation, a.by, a.ids.join(','));
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
  const plaintext = utf8(JSON.stringify({ text: body.text, sentAt: body.sentAt }));
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
  if (!opened.ok) return opened;
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(opened.plaintext));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const b = body as Partial<Record<keyof EnvelopeBody, unknown>> | null;
  if (!b || typeof b !== 'object' || typeof b.text !== 'string' || typeof b.sentAt !== 'number' || !Number.isFinite(b.sentAt)) {
    return { ok: false, reason: 'malformed' };
  }
  return { ok: true, body: { text: b.text, sentAt: b.sentAt } };
}

export function signAck(sodium: Sodium, identity: Identity, conversation: string, ids: readonly string[]): SignedAck {
  const by = toBase64Url(identity.publicKey);
  const sig = sodium.crypto_sign_detached(ackBytes({ conversation, ids, by }), identity.secretKey);
  return { conversation, ids: [...ids], by, sig: toBase64Url(sig) };
}

/** Whether `by` signed exactly this ack. */
export function verifyAck(sodium: Sodium, ack: SignedAck): boolean {
  try {
    return sodium.crypto_sign_verify_detached(fromBase64Url(ack.sig), ackBytes(ack), fromBase64Url(ack.by));
  } catch {
    return false;
  }
}
