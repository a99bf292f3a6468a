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
// One code for a first contact (docs/relays.md): with relays on, an invite also names a fresh alias and this device's
// relays (relay-rendezvous.ts reads them while the invite waits); the invitee's page sends its answer there too (if
// it has relays on, or the person pressed "Answer" on the card that says so), and what comes back is taken like a
// pasted answer, but only for the invite whose alias it came to and only if it names that invite: anything else is
// refused with `relay-answer-refused` (told once per invite) and changes nothing. Once an answer is in (by relay or
// pasted), later ones by relay are ignored; a different answer pasted after one by relay is refused loudly
// (CODE_ANSWER_RELAY_FIRST). Group invites name no relays (their answerer joins the group).
//
// Pairing makes links and wraps each in a PeerSession at once (so Peers tracks it from the start); what happens
// after the handshake is the messenger's business.
import { TincanError, isTincanError, type ErrorCode } from '../errors';
import { Emitter } from '../events';
import { bytesEqual, concatBytes, utf8 } from '../crypto/bytes';
import { getSodium } from '../crypto/sodium';
import { decodeCode, encodeCode, expectKind, type DecodedCode, type InviteRelay } from '../invite/invite-code';
import type { SessionFields } from '../invite/sdp';
import type { Link, LinkState } from '../net/link';
import type { InviterLink, LinkFactory } from '../net/device-links';
import type { PeerSession } from './peer-session';
import type { RendezvousListener, RendezvousPort } from './relay-rendezvous';

/** Bytes of the invite token an answer carries, and of the certificate prefix a reconnect code names. */
export const codeTagBytes = 4;
/** A silent reconnect answer that has not connected by then shows its answer code as a fallback. */
export const reconnectFallbackAfterMs = 6_000;
/** This page's own invites remembered as connected (an answer to one pasted again is told so). */
const maxRememberedInvites = 64;

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
  /** Inviter: the invite names this device's relays, so the answer may come back by itself. */
  readonly awaitsRelay?: boolean;
  /** Answerer: the answer also goes to the inviter's relays: on its way, taken by one, or no relay took it. */
  readonly answerByRelay?: 'sending' | 'sent' | 'unreachable';
  /** A reconnect made by the page itself through relays (relay-reconnect.ts): nothing to show or send by hand. */
  readonly automatic?: boolean;
}

export interface PairingEvents {
  changed: readonly Exchange[];
  /** A link was made: its session, to track (it opens, or fails, on its own). */
  session: { session: PeerSession; exchangeId: string };
  /** An exchange ended before its peer was identified: why (for the app to explain). */
  failed: { exchange: Exchange; code?: ErrorCode; link: Link };
  /** An invite this page answered connected (canonical text): the app keeps it, so it is known after a reload. */
  answered: { inviteText: string };
  /** Something came by relay for a waiting invite that is not a usable answer to it: ignored, the invite waits.
   * `tell`: the first for this invite (the person is told once). */
  'relay-answer-refused': { exchangeId: string; code?: ErrorCode; tell: boolean };
}

export interface PairingOptions {
  links: LinkFactory;
  createSession: (link: Link) => PeerSession;
  /** Answerer: how long an answer stays usable (net/ default: 20 minutes). */
  answerValidMs: number;
  now?: () => number;
  /** One code for a first contact through relays (relay-rendezvous.ts); none: invites carry no relays. */
  rendezvous?: RendezvousPort;
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
  /** Inviter: the relays read for this invite's answer. */
  listener?: RendezvousListener;
  /** Inviter: an answer was applied (pasted or by relay). */
  answered?: boolean;
  /** Inviter: the certificate fingerprint of the answer applied, and whether it came by relay. */
  answeredBy?: { fingerprint: Uint8Array; byRelay: boolean };
  /** Inviter: the person was told once that something by relay was refused for this invite. */
  refusalTold?: boolean;
}

/** An invite of this page that an answer connected: its token, and who answered it how. */
interface ConnectedInvite {
  readonly token: Uint8Array;
  readonly answeredBy?: { fingerprint: Uint8Array; byRelay: boolean };
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
  /** Tokens of this page's own invites that an answer already connected, so pasting that answer again is told
   * as such (not as "no open invite"). */
  private readonly connectedInvites: ConnectedInvite[] = [];
  private readonly now: () => number;

  constructor(private readonly options: PairingOptions) {
    super();
    this.now = options.now ?? Date.now;
  }

  /** Invites answered and connected on this device before (kept by the app across reloads): a second use of one
   * is told instead of tried. */
  rememberAnswered(inviteTexts: Iterable<string>): void {
    for (const text of inviteTexts) this.answeredInvites.add(text);
  }

  /** Exchanges in progress, newest first. */
  exchanges(): readonly Exchange[] {
    return [...this.entries.values()].map((e) => e.exchange).sort((a, b) => b.createdAt - a.createdAt);
  }

  /** "New invite": with relays on, it names a fresh alias and this device's relays, read until it ends.
   * `relay: false` (a group invite, whose answerer joins the group: someone must paste that answer) names none. */
  async newInvite({ relay = true }: { relay?: boolean } = {}): Promise<Exchange> {
    const link = await this.options.links.invite();
    let entry: Entry | undefined;
    let listener = relay ? await this.options.rendezvous?.listen((text) => entry && void this.takeRelayAnswer(entry, text)).catch(() => undefined) : undefined;
    try {
      const code = inviteCode(link.localFields!, listener?.relay);
      if (!code.withRelay) {
        listener?.close();
        listener = undefined;
      }
      const exchange = this.track(link, { kind: 'invite', code: code.text, ...(listener ? { awaitsRelay: true } : {}) }, { token: await inviteToken(code.text), ...(listener ? { listener } : {}) });
      entry = this.entries.get(exchange.id);
      return exchange;
    } catch (error) {
      // Nothing waits for an answer: the relays are not read and the link is not left open.
      listener?.close();
      link.close({ state: 'closed' });
      throw error;
    }
  }

  /** "Reconnect": a one-code invite for a contact whose certificate is pinned; else an ordinary invite. */
  async reconnect(contactId: string, pinnedFingerprint: Uint8Array | undefined, { automatic = false } = {}): Promise<Exchange> {
    if (!pinnedFingerprint || !this.options.links.supportsOneCodeReconnect) {
      const link = await this.options.links.invite();
      const code = encodeCode({ kind: 'invite', fields: link.localFields! });
      return this.track(link, { kind: 'invite', code, contactId, oneCodeUnavailable: !!pinnedFingerprint }, { token: await inviteToken(code) });
    }
    const link = await this.options.links.reconnect(pinnedFingerprint);
    const code = encodeCode({ kind: 'invite', fields: link.localFields!, reconnectFor: pinnedFingerprint.slice(0, codeTagBytes) });
    const shown = { kind: 'reconnect' as const, code, contactId, validUntil: this.now() + this.options.answerValidMs, ...(automatic ? { automatic } : {}) };
    return this.track(link, shown, { token: await inviteToken(code), pinned: pinnedFingerprint });
  }

  /**
   * A decoded code from the person (pasted, scanned, or a link they agreed to answer). An answer is applied to
   * the invite it names; an invite is answered (silently when it is a reconnect code for this device).
   * `inviteText` is the canonical invite text (for the answer's token). Throws TincanError for codes that
   * cannot be used here.
   */
  async useCode(
    decoded: DecodedCode,
    inviteText: string,
    { automatic = false, contactId, relayConsented = false }: { automatic?: boolean; contactId?: string; relayConsented?: boolean } = {},
  ): Promise<Exchange | undefined> {
    if (decoded.kind === 'answer') return this.applyAnswer(decoded);
    const own = [...this.entries.values()].find((e) => e.exchange.kind !== 'answer' && e.exchange.kind !== 'reconnect-answer' && e.exchange.code === inviteText);
    if (own) throw new TincanError('CODE_OWN_INVITE');
    if (this.answeredInvites.has(inviteText)) {
      // Its answer is still on screen to be sent; or it was used up (connected, or ended): a new one could not connect.
      // A reconnect code has no answer to send unless its fallback shows: it is connecting, or it was used.
      const open = [...this.entries.values()].find((e) => e.answersInvite === inviteText);
      if (decoded.reconnectFor) throw new TincanError(open ? (open.exchange.showFallback ? 'CODE_INVITE_USED' : 'CODE_RECONNECT_OPEN') : 'CODE_RECONNECT_USED');
      throw new TincanError(open ? 'CODE_INVITE_USED' : 'CODE_INVITE_ANSWERED');
    }
    const token = await inviteToken(inviteText);
    if (decoded.reconnectFor) {
      if (!this.options.links.isOwnCertificatePrefix(decoded.reconnectFor)) throw new TincanError('CODE_RECONNECT_NOT_YOURS');
      const link = await this.options.links.answer(decoded.fields, { certificatePrefix: decoded.reconnectFor });
      const code = encodeCode({ kind: 'answer', fields: link.localFields!, inReplyTo: token });
      const exchange = this.track(link, { kind: 'reconnect-answer', code, validUntil: this.now() + this.options.answerValidMs, ...(automatic ? { automatic, ...(contactId ? { contactId } : {}) } : {}) }, { answersInvite: inviteText });
      const entry = this.entries.get(exchange.id)!;
      // An automatic one has no one to send a fallback code to: the offer is sent again instead (relay-reconnect.ts).
      if (!automatic) entry.timer = setTimeout(() => this.update(entry, { showFallback: true }), reconnectFallbackAfterMs);
      return exchange;
    }
    const link = await this.options.links.answer(decoded.fields);
    const code = encodeCode({ kind: 'answer', fields: link.localFields!, inReplyTo: token });
    const validUntil = this.now() + this.options.answerValidMs;
    // The inviter's relays learn this device's IP address: contacted only when this device uses relays itself, or
    // when the person pressed "Answer" on the invitation card that says so (`relayConsented`).
    const rendezvous = this.options.rendezvous;
    const sendByRelay = decoded.relay && rendezvous && (relayConsented || rendezvous.usesRelays()) ? { relay: decoded.relay, rendezvous } : undefined;
    const exchange = this.track(link, { kind: 'answer', code, validUntil, ...(sendByRelay ? { answerByRelay: 'sending' as const } : {}) }, { answersInvite: inviteText });
    if (sendByRelay) void this.sendByRelay(exchange.id, sendByRelay.rendezvous, sendByRelay.relay, code, validUntil);
    return exchange;
  }

  /** The answer also goes to the inviter's relays; the exchange says whether one took it. */
  private async sendByRelay(exchangeId: string, rendezvous: RendezvousPort, relay: InviteRelay, code: string, validUntil: number): Promise<void> {
    const taken = await rendezvous.send(relay, code, validUntil).catch(() => false);
    const entry = this.entries.get(exchangeId);
    if (entry) this.update(entry, { answerByRelay: taken ? 'sent' : 'unreachable' });
  }

  /** Text that came by relay to a waiting invite's alias: applied only if it is an answer naming that invite. */
  private async takeRelayAnswer(entry: Entry, text: string): Promise<void> {
    if (entry.answered || !this.entries.has(entry.exchange.id) || entry.exchange.state !== 'waiting-for-answer') return;
    try {
      const decoded = expectKind(decodeCode(text), 'answer');
      if (!decoded.inReplyTo || !entry.token || !bytesEqual(decoded.inReplyTo, entry.token)) throw new TincanError('CODE_ANSWER_UNKNOWN_INVITE');
      await this.answerEntry(entry, decoded, { byRelay: true });
    } catch (error) {
      // Told once per invite (`tell`): a relay that floods the alias gets no notice per wrap on the inviter's screen.
      const tell = !entry.refusalTold;
      entry.refusalTold = true;
      this.emit('relay-answer-refused', { exchangeId: entry.exchange.id, tell, ...(isTincanError(error) ? { code: error.code } : {}) });
    }
  }

  /**
   * The contact's answer to one automatic reconnect of ours, sent back by relay (relay-reconnect.ts): applied to that
   * exchange only (its candidates added to the waiting link), and only if it names it and comes from the pinned
   * certificate. Throws a TincanError otherwise.
   */
  async answerAutomatic(exchangeId: string, text: string): Promise<void> {
    const entry = this.entries.get(exchangeId);
    const decoded = expectKind(decodeCode(text), 'answer');
    if (!entry?.exchange.automatic || !entry.pinned || !entry.token || !decoded.inReplyTo || !bytesEqual(decoded.inReplyTo, entry.token)) {
      throw new TincanError('CODE_ANSWER_UNKNOWN_INVITE');
    }
    await this.answerEntry(entry, decoded);
  }

  /** A session for a link made elsewhere (a group introduction): the same kind pairing makes. */
  createSession(link: Link): PeerSession {
    return this.options.createSession(link);
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
    const inReplyTo = decoded.inReplyTo;
    const connected = inReplyTo && this.connectedInvites.find((c) => bytesEqual(c.token, inReplyTo));
    if (connected) throw new TincanError(answeredByOtherRelay(connected.answeredBy, decoded) ? 'CODE_ANSWER_RELAY_FIRST' : 'CODE_ANSWER_ALREADY_CONNECTED');
    // Pasted while the answer that came by relay is connecting: that invite is being answered already, by this
    // answer (nothing more to do) or by someone else's (told loudly: whoever saw the invite answered it first).
    const byRelay = inReplyTo && [...this.entries.values()].find((e) => e.listener && e.answered && e.token && bytesEqual(e.token, inReplyTo));
    if (byRelay) {
      if (answeredByOtherRelay(byRelay.answeredBy, decoded)) throw new TincanError('CODE_ANSWER_RELAY_FIRST');
      return byRelay.exchange;
    }
    if (!waiting.length) throw new TincanError('CODE_EXPECTED_INVITE');
    const entry = inReplyTo
      ? waiting.find((e) => e.token && bytesEqual(e.token, inReplyTo))
      : waiting.sort((a, b) => b.exchange.createdAt - a.exchange.createdAt)[0];
    if (!entry) throw new TincanError('CODE_ANSWER_UNKNOWN_INVITE');
    await this.answerEntry(entry, decoded);
    return entry.exchange;
  }

  private async answerEntry(entry: Entry, decoded: DecodedCode, { byRelay = false } = {}): Promise<void> {
    const link = entry.link as InviterLink;
    try {
      if (entry.pinned) {
        if (!bytesEqual(entry.pinned, decoded.fields.fingerprint)) throw new TincanError('CODE_ANSWER_WRONG_DEVICE');
        await link.addRemoteCandidates(decoded.fields);
      } else {
        // Taken before the await: an answer by relay arriving meanwhile is not applied on top.
        entry.answered = true;
        entry.answeredBy = { fingerprint: decoded.fields.fingerprint.slice(), byRelay };
        await link.acceptAnswer(decoded.fields);
      }
    } catch (error) {
      entry.answered = false;
      delete entry.answeredBy;
      if (isTincanError(error)) throw error;
      throw new TincanError('SDP_UNSUPPORTED', String(error));
    }
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
    entry.listener?.close();
    if (identified && entry.answersInvite) this.emit('answered', { inviteText: entry.answersInvite });
    if (identified && entry.token && (entry.exchange.kind === 'invite' || entry.exchange.kind === 'reconnect')) {
      this.connectedInvites.push({ token: entry.token, ...(entry.answeredBy ? { answeredBy: entry.answeredBy } : {}) });
      if (this.connectedInvites.length > maxRememberedInvites) this.connectedInvites.shift();
    }
    if (!identified) this.emit('failed', { exchange: entry.exchange, link: entry.link, ...(entry.link.ended?.code ? { code: entry.link.ended.code } : {}) });
    this.emitChanged();
  }

  private emitChanged(): void {
    this.emit('changed', this.exchanges());
  }
}

/** A pasted answer whose invite an answer by relay from another device (another fingerprint) took first. */
function answeredByOtherRelay(answeredBy: Entry['answeredBy'], pasted: DecodedCode): boolean {
  return !!answeredBy?.byRelay && !bytesEqual(answeredBy.fingerprint, pasted.fields.fingerprint);
}

/** An invite's text, with the relay rendezvous when one fits (a code past maxCodeChars goes without it). */
function inviteCode(fields: SessionFields, relay: InviteRelay | undefined): { text: string; withRelay: boolean } {
  if (relay) {
    try {
      return { text: encodeCode({ kind: 'invite', fields, relay }), withRelay: true };
    } catch (error) {
      if (!isTincanError(error) || error.code !== 'CODE_TOO_LONG') throw error;
    }
  }
  return { text: encodeCode({ kind: 'invite', fields }), withRelay: false };
}
