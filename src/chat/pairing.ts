// Making connections by hand-carried codes: invites, answers and one-code reconnects, several at once.
//
// Every exchange in progress is listed (`exchanges`), newest first; none ends another. An inviter may have many
// open invites (to Bob, to Carol): an answer names the invite it answers (`inReplyTo` = inviteToken(invite text),
// 4 bytes, carried by the answer code), so it is applied to the right one, and an answer to an invite this page no
// longer has is refused at once instead of timing out.
//
// One-code reconnect (docs/lab.md §8): for a contact whose device certificate is pinned, the inviter's link
// completes the exchange itself (net/ LinkFactory.reconnect), so the contact only opens the code. The code names
// the certificate it is for (`reconnectFor`, 4 bytes of its fingerprint): the contact's page connects silently iff
// that is its own certificate; anyone else's page says the code is not for them. If the contact's checks cannot
// reach the inviter (NATs that filter by address), its page still has an answer code to send back as a fallback,
// and the inviter adds its candidates to the waiting link. A browser that cannot keep a persistent certificate
// (LinkFactory.supportsOneCodeReconnect false) makes an ordinary invite on "Reconnect" and says why. Chromium and
// Firefox both can (a Firefox inviter needs placeholder candidates: docs/one-code-reconnect.md).
//
// Pairing makes links and wraps each in a PeerSession at once (so Peers tracks it from the start); what happens
// after the handshake is the messenger's business.
import { TincanError, isTincanError, type ErrorCode } from '../errors';
import { Emitter } from '../events';
import { bytesEqual, concatBytes, utf8 } from '../crypto/bytes';
import { getSodium } from '../crypto/sodium';
import { encodeCode, type DecodedCode } from '../invite/invite-code';
import type { Link, LinkState } from '../net/link';
import type { InviterLink, LinkFactory } from '../net/device-links';
import type { PeerSession } from './peer-session';

/** Bytes of the invite token an answer carries, and of the certificate prefix a reconnect code names. */
export const codeTagBytes = 4;
/** A silent reconnect answer that has not connected by then shows its answer code as a fallback. */
export const reconnectFallbackAfterMs = 6_000;

/** Makes connections (net/): the browser's PeerLink, or a Node peer's. */
/** Moved to net/device-links.ts (how a device makes connections); messenger.ts still names them from here. */
export type { InviterLink, LinkFactory } from '../net/device-links';

export type ExchangeKind = 'invite' | 'answer' | 'reconnect' | 'reconnect-answer';

/** An exchange as the app shows it (immutable; replaced on every change). */
export interface Exchange {
  readonly id: string;
  readonly kind: ExchangeKind;
  readonly state: LinkState;
  /** The code for the other person: the invite (inviter) or the answer (answerer). */
  readonly code?: string;
  /** The contact a reconnect is for (inviter), or whose reconnect code was opened (answerer), when known. */
  readonly contactId?: string;
  readonly createdAt: number;
  /** Answerer: until when the answer can still be used (ms since the epoch). */
  readonly validUntil?: number;
  /** Answerer: the inviter's device did not answer checks yet (send the answer back quickly). */
  readonly inviterUnreachable?: boolean;
  /** Reconnect answerer: not connected yet, so the answer code is shown as a fallback. */
  readonly showFallback?: boolean;
  /** Why "Reconnect" made an ordinary invite instead (this browser cannot keep a one-code invite). */
  readonly oneCodeUnavailable?: boolean;
}

export interface PairingEvents {
  changed: readonly Exchange[];
  /** A link was made: its session, to track (it opens, or fails, on its own). */
  session: { session: PeerSession; exchangeId: string };
  /** An exchange ended before its peer was identified: why (for the app to explain). */
  failed: { exchange: Exchange; code?: ErrorCode; link: Link };
}

export interface PairingOptions {
  links: LinkFactory;
  createSession: (link: Link) => PeerSession;
  /** Answerer: how long an answer stays usable (net/ default: 20 minutes). */
  answerValidMs: number;
  now?: () => number;
}

interface Entry {
  exchange: Exchange;
  link: Link | InviterLink;
  session?: PeerSession;
  /** Inviter: the token answers to this invite carry. */
  token?: Uint8Array;
  /** Reconnect inviter: the fingerprint the contact must present. */
  pinned?: Uint8Array;
  /** Answerer: the canonical text of the invite answered. */
  answersInvite?: string;
  timer?: ReturnType<typeof setTimeout>;
}

let exchangeCounter = 0;

/** The 4-byte token that names an invite (in an answer's `inReplyTo`): BLAKE2b of the invite's canonical text. */
export async function inviteToken(inviteText: string): Promise<Uint8Array> {
  const sodium = await getSodium();
  return sodium.crypto_generichash(codeTagBytes, concatBytes(utf8('tincan/invite-token/v1'), new Uint8Array([0]), utf8(inviteText)), null);
}

export class Pairing extends Emitter<PairingEvents> {
  private readonly entries = new Map<string, Entry>();
  /** Invites this page answered (canonical text), so a second paste of one is recognised. */
  private readonly answeredInvites = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly options: PairingOptions) {
    super();
    this.now = options.now ?? Date.now;
  }

  /** Exchanges in progress, newest first. */
  exchanges(): readonly Exchange[] {
    return [...this.entries.values()].map((e) => e.exchange).sort((a, b) => b.createdAt - a.createdAt);
  }

  /** "New invite". */
  async newInvite(): Promise<Exchange> {
    const link = await this.options.links.invite();
    const code = encodeCode({ kind: 'invite', fields: link.localFields! });
    return this.track(link, { kind: 'invite', code }, { token: await inviteToken(code) });
  }

  /** "Reconnect": a one-code invite for a contact whose certificate is pinned; else an ordinary invite. */
  async reconnect(contactId: string, pinnedFingerprint: Uint8Array | undefined): Promise<Exchange> {
    if (!pinnedFingerprint || !this.options.links.supportsOneCodeReconnect) {
      const link = await this.options.links.invite();
      const code = encodeCode({ kind: 'invite', fields: link.localFields! });
      return this.track(link, { kind: 'invite', code, contactId, oneCodeUnavailable: !!pinnedFingerprint }, { token: await inviteToken(code) });
    }
    const link = await this.options.links.reconnect(pinnedFingerprint);
    const code = encodeCode({ kind: 'invite', fields: link.localFields!, reconnectFor: pinnedFingerprint.slice(0, codeTagBytes) });
    return this.track(link, { kind: 'reconnect', code, contactId, validUntil: this.now() + this.options.answerValidMs }, { token: await inviteToken(code), pinned: pinnedFingerprint });
  }

  /**
   * A decoded code from the person (pasted, scanned, or a link they agreed to answer). An answer is applied to
   * the invite it names; an invite is answered (silently when it is a reconnect code for this device).
   * `inviteText` is the canonical invite text (for the answer's token). Throws TincanError for codes that
   * cannot be used here.
   */
  async useCode(decoded: DecodedCode, inviteText: string): Promise<Exchange | undefined> {
    if (decoded.kind === 'answer') return this.applyAnswer(decoded);
    const own = [...this.entries.values()].find((e) => e.exchange.kind !== 'answer' && e.exchange.kind !== 'reconnect-answer' && e.exchange.code === inviteText);
    if (own) throw new TincanError('CODE_OWN_INVITE');
    if (this.answeredInvites.has(inviteText)) {
      // Its answer is still on screen to be sent; or it was used up (connected, or ended): a new one could not connect.
      const open = [...this.entries.values()].some((e) => e.answersInvite === inviteText);
      throw new TincanError(open ? 'CODE_INVITE_USED' : 'CODE_INVITE_ANSWERED');
    }
    const token = await inviteToken(inviteText);
    if (decoded.reconnectFor) {
      if (!this.options.links.isOwnCertificatePrefix(decoded.reconnectFor)) throw new TincanError('CODE_RECONNECT_NOT_YOURS');
      const link = await this.options.links.answer(decoded.fields, { certificatePrefix: decoded.reconnectFor });
      const code = encodeCode({ kind: 'answer', fields: link.localFields!, inReplyTo: token });
      const exchange = this.track(link, { kind: 'reconnect-answer', code, validUntil: this.now() + this.options.answerValidMs }, { answersInvite: inviteText });
      const entry = this.entries.get(exchange.id)!;
      entry.timer = setTimeout(() => this.update(entry, { showFallback: true }), reconnectFallbackAfterMs);
      return exchange;
    }
    const link = await this.options.links.answer(decoded.fields);
    const code = encodeCode({ kind: 'answer', fields: link.localFields!, inReplyTo: token });
    return this.track(link, { kind: 'answer', code, validUntil: this.now() + this.options.answerValidMs }, { answersInvite: inviteText });
  }

  /** Drops an exchange the person gave up on (its link closes). */
  cancel(exchangeId: string): void {
    this.entries.get(exchangeId)?.link.close({ state: 'closed' });
  }

  /** Ends every exchange in progress (lock, forget, another tab). */
  closeAll(): void {
    for (const entry of [...this.entries.values()]) entry.link.close({ state: 'closed' });
  }

  private async applyAnswer(decoded: DecodedCode): Promise<Exchange> {
    const waiting = [...this.entries.values()].filter(
      (e) => (e.exchange.kind === 'invite' || e.exchange.kind === 'reconnect') && (e.exchange.state === 'waiting-for-answer' || e.exchange.kind === 'reconnect'),
    );
    if (!waiting.length) throw new TincanError('CODE_EXPECTED_INVITE');
    const inReplyTo = decoded.inReplyTo;
    const entry = inReplyTo
      ? waiting.find((e) => e.token && bytesEqual(e.token, inReplyTo))
      : waiting.sort((a, b) => b.exchange.createdAt - a.exchange.createdAt)[0];
    if (!entry) throw new TincanError('CODE_ANSWER_UNKNOWN_INVITE');
    const link = entry.link as InviterLink;
    try {
      if (entry.pinned) {
        if (!bytesEqual(entry.pinned, decoded.fields.fingerprint)) throw new TincanError('CODE_ANSWER_WRONG_DEVICE');
        await link.addRemoteCandidates(decoded.fields);
      } else {
        await link.acceptAnswer(decoded.fields);
      }
    } catch (error) {
      if (isTincanError(error)) throw error;
      throw new TincanError('SDP_UNSUPPORTED', String(error));
    }
    return entry.exchange;
  }

  private track(link: Link, fields: Omit<Exchange, 'id' | 'state' | 'createdAt'>, extra: Partial<Entry> = {}): Exchange {
    const id = `x${++exchangeCounter}`;
    if (extra.answersInvite) this.answeredInvites.add(extra.answersInvite);
    const entry: Entry = {
      exchange: { id, state: link.state, createdAt: this.now(), ...fields },
      link,
      ...extra,
    };
    this.entries.set(id, entry);
    link.on('state', (state) => {
      this.update(entry, { state });
      if (state === 'closed' || state === 'failed') this.finish(entry);
    });
    link.on('peer-unreachable', () => this.update(entry, { inviterUnreachable: true }));
    const session = this.options.createSession(link);
    entry.session = session;
    session.on('identified', () => this.finish(entry, { identified: true }));
    this.emit('session', { session, exchangeId: id });
    this.emitChanged();
    return entry.exchange;
  }

  private update(entry: Entry, patch: Partial<Exchange>): void {
    if (!this.entries.has(entry.exchange.id)) return;
    entry.exchange = { ...entry.exchange, ...patch };
    this.emitChanged();
  }

  /** The exchange is over: the peer is identified (the conversation takes over), or the link ended. */
  private finish(entry: Entry, { identified = false } = {}): void {
    if (!this.entries.delete(entry.exchange.id)) return;
    clearTimeout(entry.timer);
    if (!identified) this.emit('failed', { exchange: entry.exchange, link: entry.link, ...(entry.link.ended?.code ? { code: entry.link.ended.code } : {}) });
    this.emitChanged();
  }

  private emitChanged(): void {
    this.emit('changed', this.exchanges());
  }
}
