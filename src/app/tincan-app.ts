// The app's actions: the one writer of AppState. Wires codes (invite/), the connection (net/) and the chat
// protocol (chat/) together; the UI calls these methods and renders the store.
import { isTincanError, toError, TincanError, type ErrorCode } from '../errors';
import { decodeCode, encodeCode, expectKind } from '../invite/invite-code';
import { PeerLink, defaultAnswerValidMs, type PeerLinkOptions } from '../net/peer-link';
import { ChatSession } from '../chat/chat-session';
import { Store } from './store';
import { initialState, type AppState, type ChatMessage, type Notice } from './app-state';

export interface TincanAppOptions {
  /** The page's own address without fragment; links are `${pageUrl}#${code}`. */
  pageUrl: string;
  link?: PeerLinkOptions;
  now?: () => number;
  randomId?: () => string;
}

const typingIdleMs = 4000;

export class TincanApp {
  readonly store = new Store<AppState>(initialState);
  private link?: PeerLink;
  private session?: ChatSession;
  /** Fingerprints (hex) of invites this page has answered, so a second paste is recognised. */
  private readonly answeredInvites = new Set<string>();
  private typingTimer?: ReturnType<typeof setTimeout>;
  private readonly now: () => number;
  private readonly randomId: () => string;

  constructor(private readonly options: TincanAppOptions) {
    this.now = options.now ?? Date.now;
    this.randomId = options.randomId ?? randomMessageId;
  }

  private get state(): AppState {
    return this.store.state;
  }

  /** "New invite": makes an offer and its code. Any earlier unfinished exchange is dropped. */
  async newInvite(): Promise<void> {
    this.dropPendingLink();
    this.store.set({ pairing: { role: 'inviter', state: 'gathering' }, notice: undefined });
    try {
      const link = await PeerLink.invite(this.options.link);
      this.adoptLink(link);
      const code = encodeCode({ kind: 'invite', fields: link.localFields! });
      this.store.set({ pairing: { role: 'inviter', state: link.state, code, link: this.linkFor(code) } });
    } catch (error) {
      this.fail(error);
    }
  }

  /** "Connect": the pasted (or scanned, or linked) code is an invite or an answer; the code says which. */
  async submitCode(text: string): Promise<void> {
    let decoded;
    try {
      decoded = decodeCode(text);
    } catch (error) {
      return this.fail(error, { keepPairing: true });
    }
    if (decoded.kind === 'answer') return this.applyAnswer(decoded);
    const fingerprint = hex(decoded.fields.fingerprint);
    if (this.link?.role === 'inviter' && this.link.localFields && hex(this.link.localFields.fingerprint) === fingerprint) {
      return this.warn('CODE_OWN_INVITE');
    }
    if (this.answeredInvites.has(fingerprint)) return this.warn('CODE_INVITE_USED');
    // Accepting someone else's invite while our own is open is legitimate: ours is dropped.
    this.dropPendingLink();
    this.answeredInvites.add(fingerprint);
    this.store.set({ pairing: { role: 'answerer', state: 'gathering' }, notice: undefined });
    try {
      const link = await PeerLink.answer(decoded.fields, this.options.link);
      this.adoptLink(link);
      const code = encodeCode({ kind: 'answer', fields: link.localFields! });
      this.store.set({
        pairing: { role: 'answerer', state: link.state, code, link: this.linkFor(code), validUntil: this.now() + defaultAnswerValidMs },
      });
    } catch (error) {
      this.fail(error);
    }
  }

  private async applyAnswer(decoded: ReturnType<typeof decodeCode>): Promise<void> {
    const link = this.link;
    if (!link || link.role !== 'inviter' || link.state !== 'waiting-for-answer') {
      return this.fail(new TincanError('CODE_EXPECTED_INVITE'), { keepPairing: true });
    }
    try {
      expectKind(decoded, 'answer');
      this.store.set({ notice: undefined });
      await link.acceptAnswer(decoded.fields);
    } catch (error) {
      this.fail(error, { keepPairing: true });
    }
  }

  sendMessage(text: string): boolean {
    const trimmed = text.replace(/\s+$/u, '');
    if (!trimmed.trim()) return false;
    const message: ChatMessage = { id: this.randomId(), direction: 'out', text: trimmed, sentAt: this.now(), state: 'waiting' };
    try {
      if (this.session && this.link?.state === 'connected') {
        this.session.sendMessage(message);
        message.state = 'sent';
      }
    } catch (error) {
      this.fail(error, { keepPairing: true });
      return false;
    }
    this.store.set({ messages: [...this.state.messages, message], notice: undefined });
    return true;
  }

  /** Called as the person types; tells the peer, rate-limited by the caller's keystrokes. */
  setTyping(active: boolean): void {
    try {
      if (this.session && this.link?.state === 'connected') this.session.sendTyping(active);
    } catch {
      // typing is best effort
    }
  }

  /** An error found outside the app's own actions (camera, scanning) to show the person. */
  showError(code: ErrorCode): void {
    this.store.set({ notice: { kind: 'error', code } });
  }

  dismissNotice(): void {
    this.store.set({ notice: undefined });
  }

  disconnect(): void {
    try {
      this.session?.bye();
    } catch {
      // channel already gone
    }
    this.link?.close({ state: 'closed' });
  }

  private adoptLink(link: PeerLink): void {
    this.link = link;
    link.addEventListener('state', () => this.handleLinkState(link));
    link.addEventListener('message', (event) => this.session?.receive((event as CustomEvent<Uint8Array>).detail));
  }

  private handleLinkState(link: PeerLink): void {
    if (link !== this.link) return;
    const pairing = this.state.pairing;
    if (pairing) this.store.set({ pairing: { ...pairing, state: link.state } });
    if (link.state === 'connected') this.startSession(link);
    if (link.state === 'closed' || link.state === 'failed') {
      this.session = undefined;
      const notice: Notice | undefined = link.ended?.code
        ? { kind: link.state === 'failed' ? 'error' : 'info', code: link.ended.code }
        : undefined;
      this.store.set({
        connection: { ...this.state.connection, state: link.state },
        peerTyping: false,
        ...(notice ? { notice } : {}),
      });
    }
  }

  private startSession(link: PeerLink): void {
    const session = new ChatSession((bytes) => link.send(bytes), this.now);
    this.session = session;
    session.addEventListener('message', (event) => {
      const m = (event as CustomEvent<{ id: string; text: string; sentAt: number }>).detail;
      if (!this.state.messages.some((known) => known.id === m.id && known.direction === 'in')) {
        this.store.set({ messages: [...this.state.messages, { ...m, direction: 'in', state: 'delivered' }], peerTyping: false });
      }
      session.ack([m.id]);
    });
    session.addEventListener('ack', (event) => {
      const ids = new Set((event as CustomEvent<string[]>).detail);
      this.store.set({ messages: this.state.messages.map((m) => (m.direction === 'out' && ids.has(m.id) ? { ...m, state: 'delivered' } : m)) });
    });
    session.addEventListener('typing', (event) => {
      clearTimeout(this.typingTimer);
      const active = (event as CustomEvent<boolean>).detail;
      this.store.set({ peerTyping: active });
      if (active) this.typingTimer = setTimeout(() => this.store.set({ peerTyping: false }), typingIdleMs);
    });
    session.addEventListener('bye', () => link.close({ state: 'closed', code: 'CHANNEL_CLOSED' }));
    this.store.set({ connection: { state: 'connected' }, droppedFrames: 0 });
    this.flushOutbox();
  }

  private flushOutbox(): void {
    const waiting = this.state.messages.filter((m) => m.direction === 'out' && m.state === 'waiting');
    if (!waiting.length || !this.session) return;
    for (const m of waiting) this.session.sendMessage(m);
    const sent = new Set(waiting.map((m) => m.id));
    this.store.set({ messages: this.state.messages.map((m) => (sent.has(m.id) ? { ...m, state: 'sent' } : m)) });
  }

  private dropPendingLink(): void {
    if (this.link && this.link.state !== 'connected') this.link.close({ state: 'closed' });
    if (this.link?.state !== 'connected') this.link = undefined;
  }

  private linkFor(code: string): string {
    return `${this.options.pageUrl}#${code}`;
  }

  private warn(code: ErrorCode): void {
    this.store.set({ notice: { kind: 'warning', code } });
  }

  private fail(error: unknown, { keepPairing = false } = {}): void {
    const notice: Notice = isTincanError(error)
      ? { kind: 'error', code: error.code }
      : { kind: 'error', detail: toError(error).message };
    this.store.set(keepPairing ? { notice } : { notice, pairing: undefined });
  }
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function randomMessageId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return btoa(String.fromCharCode(...bytes)).replaceAll('+', '-').replaceAll('/', '_');
}
