// The app's actions: the one writer of AppState. Wires the vault and history (store/), codes (invite/), the
// connection (net/), the handshake and sealed frames (chat/secure-channel) and the chat protocol (chat/) together.
// The UI calls these methods and renders the store.
//
// One connection at a time: a new invite or a pasted invite replaces an unfinished exchange, never a live chat
// (a live chat is replaced only once the new one connects). A conversation is a contact, recognised by identity
// key: whatever name it shows now, a returning key is the same conversation.
import { isTincanError, toError, TincanError, type ErrorCode } from '../errors';
import { decodeCode, encodeCode, expectKind, type DecodedCode } from '../invite/invite-code';
import { PeerLink, defaultAnswerValidMs, type LinkSignal, type PeerLinkOptions } from '../net/peer-link';
import { describeCandidatePath, explainIceFailure } from '../net/ice-servers';
import { ChatSession, type IncomingMessage } from '../chat/chat-session';
import { SecureChannel, type PeerIdentity } from '../chat/secure-channel';
import { fromBase64Url, toBase64Url } from '../crypto/bytes';
import { normalizeDisplayName } from '../crypto/handshake';
import { identityKeyId } from '../crypto/identity';
import { safetyNumber } from '../crypto/safety-number';
import { passphraseStrength } from '../crypto/vault';
import { openStore, type Profile, type TincanStore } from '../store/store';
import { requestPersistence } from '../store/record-backend';
import type { Contact, LoggedMessage, StoredIceServer } from '../store/records';
import type { TranscriptFormat } from '../store/transcript';
import { Store } from './store';
import { initialState, type AppState, type ChatMessage, type ContactView, type Notice } from './app-state';

export interface TincanAppOptions {
  /** The page's own address without fragment; links are `${pageUrl}#${code}`. */
  pageUrl: string;
  /** IndexedDB database name of the store. */
  storeName?: string;
  link?: Omit<PeerLinkOptions, 'iceServers'>;
  now?: () => number;
  randomId?: () => string;
  /** Whether the person can see the page (document.visibilityState), injected so app/ stays DOM-free. */
  isVisible?: () => boolean;
}

const typingIdleMs = 4000;
/** Messages shown when a conversation opens, and loaded per "older" step. */
export const pageSize = 50;
/** How far back the outbox is looked for when a contact reconnects. */
const outboxScan = 500;
const weakReasons: Record<string, string> = {
  'too-short': 'it is short',
  'few-distinct-characters': 'it repeats few characters',
  'no-letters': 'it has no letters',
  'common-password': 'it is a well-known password',
  'predictable-pattern': 'it follows a predictable pattern',
};

interface Connection {
  link: PeerLink;
  peer?: PeerIdentity;
  secure?: SecureChannel;
  chat?: ChatSession;
  contactId?: string;
}

export class TincanApp {
  readonly store = new Store<AppState>(initialState);
  private vault?: TincanStore;
  private profile?: Profile;
  /** The exchange being set up (invite or answer not yet connected). */
  private pending?: Connection;
  /** The live chat. */
  private live?: Connection;
  /** A code that arrived (link) before the vault was unlocked. */
  private deferredCode?: string;
  /** Fingerprints (hex) of invites this page has answered, so a second paste is recognised. */
  private readonly answeredInvites = new Set<string>();
  private typingTimer?: ReturnType<typeof setTimeout>;
  private readonly now: () => number;
  private readonly randomId: () => string;
  private readonly isVisible: () => boolean;

  constructor(private readonly options: TincanAppOptions) {
    this.now = options.now ?? Date.now;
    this.randomId = options.randomId ?? randomMessageId;
    this.isVisible = options.isVisible ?? isVisibleDefault;
  }

  private get state(): AppState {
    return this.store.state;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Profile and vault

  async start(): Promise<void> {
    try {
      this.vault = await openStore({ name: this.options.storeName ?? 'tincan' });
      const state = await this.vault.state();
      this.store.set({ screen: state === 'empty' ? 'setup' : 'unlock' });
    } catch (error) {
      this.store.set({ screen: 'unavailable' });
      this.fail(error);
    }
  }

  /** An honest warning for a weak passphrase, or undefined. */
  passphraseWarning(passphrase: string): string | undefined {
    if (!passphrase) return undefined;
    const strength = passphraseStrength(passphrase);
    if (!strength.weak) return undefined;
    const why = weakReasons[strength.reason ?? ''] ?? 'it is easy to guess';
    return `This passphrase is weak (${why}). Anyone who gets this device could guess it and read your history. Four or more random words are much stronger.`;
  }

  async createProfile(name: string, passphrase: string, repeat: string): Promise<void> {
    if (passphrase !== repeat) return this.fail(new TincanError('PASSPHRASE_MISMATCH'));
    if (!normalizeDisplayName(name) || !passphrase) return this.store.set({ notice: { kind: 'error', detail: 'Enter your name and a passphrase.' } });
    await this.withBusy(async () => {
      const profile = await this.vault!.createProfile(name, passphrase);
      void requestPersistence();
      await this.enter(profile);
    });
  }

  async unlock(passphrase: string): Promise<void> {
    await this.withBusy(async () => this.enter(await this.vault!.unlock(passphrase)));
  }

  /** Restores a backup file on a device with no profile yet. */
  async importBackup(file: Uint8Array, passphrase: string): Promise<void> {
    await this.withBusy(async () => {
      const result = await this.vault!.importBackup(file, passphrase);
      if (result.skipped.length) this.store.set({ notice: { kind: 'warning', code: 'RECORD_TAMPERED' } });
      await this.enter(await this.vault!.unlock(passphrase));
    });
  }

  async exportBackup(): Promise<Uint8Array | undefined> {
    try {
      return await this.vault!.exportBackup();
    } catch (error) {
      this.fail(error);
      return undefined;
    }
  }

  async changePassphrase(oldPassphrase: string, newPassphrase: string, repeat: string): Promise<boolean> {
    if (newPassphrase !== repeat) {
      this.fail(new TincanError('PASSPHRASE_MISMATCH'));
      return false;
    }
    let done = false;
    await this.withBusy(async () => {
      await this.vault!.changePassphrase(oldPassphrase, newPassphrase);
      this.store.set({ notice: { kind: 'info', detail: 'Passphrase changed.' } });
      done = true;
    });
    return done;
  }

  /** Ends every connection and wipes every record on this device. */
  async forgetDevice(): Promise<void> {
    this.closeAll();
    await this.withBusy(async () => {
      await this.vault!.forgetDevice();
      this.profile = undefined;
      this.store.set({ ...initialState, screen: 'setup', notice: { kind: 'info', detail: 'Everything Tincan kept on this device was erased.' } });
    });
  }

  /** Forgets the key in memory; the passphrase is needed again. */
  async lock(): Promise<void> {
    this.closeAll();
    await this.vault?.lock();
    this.profile = undefined;
    this.store.set({ ...initialState, screen: 'unlock' });
  }

  private async enter(profile: Profile): Promise<void> {
    this.profile = profile;
    const iceServers = [...((await this.vault!.getIceServers()) ?? [])];
    this.store.set({ screen: 'main', profileName: profile.name, iceServers });
    await this.refreshContacts();
    const contacts = this.state.contacts;
    if (contacts[0]) await this.selectContact(contacts[0].id);
    const code = this.deferredCode;
    this.deferredCode = undefined;
    if (code) await this.submitCode(code);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Settings

  /** Saves checked ICE servers (net/ice-servers.ts validates them in the settings form), one URL each. */
  async saveIceServers(servers: readonly RTCIceServer[]): Promise<void> {
    const iceServers: StoredIceServer[] = servers.flatMap((s) =>
      (typeof s.urls === 'string' ? [s.urls] : s.urls).map((urls) => ({
        urls,
        ...(s.username ? { username: s.username } : {}),
        ...(typeof s.credential === 'string' && s.credential ? { credential: s.credential } : {}),
      })),
    );
    try {
      await this.vault!.saveIceServers(iceServers);
      this.store.set({ iceServers }); // the settings panel says "Saved" itself
    } catch (error) {
      this.fail(error);
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Invite and answer

  private linkOptions(): PeerLinkOptions {
    return { ...this.options.link, iceServers: this.state.iceServers.map((s) => ({ ...s })) };
  }

  /** "New invite": makes an offer and its code. An earlier unfinished exchange is dropped. */
  async newInvite(): Promise<void> {
    this.dropPending();
    this.store.set({ pairing: { role: 'inviter', state: 'gathering' }, notice: undefined });
    try {
      const link = await PeerLink.invite(this.linkOptions());
      this.adoptPending(link);
      const code = encodeCode({ kind: 'invite', fields: link.localFields! });
      this.store.set({ pairing: { role: 'inviter', state: link.state, code, link: this.linkFor(code) } });
    } catch (error) {
      this.fail(error);
    }
  }

  /** "Connect": the pasted, scanned or linked code is an invite or an answer (the code says which), or a
   * scanned safety number to compare. */
  async submitCode(text: string): Promise<void> {
    if (this.state.screen !== 'main') {
      this.deferredCode = text;
      return;
    }
    const digits = text.replace(/\s+/g, '');
    if (/^\d{60}$/.test(digits)) return this.compareSafetyNumber(digits);
    let decoded: DecodedCode;
    try {
      decoded = decodeCode(text);
    } catch (error) {
      return this.fail(error, { keepPairing: true });
    }
    if (decoded.kind === 'answer') return this.applyAnswer(decoded);
    const fingerprint = hex(decoded.fields.fingerprint);
    const own = this.pending?.link;
    if (own?.role === 'inviter' && own.localFields && hex(own.localFields.fingerprint) === fingerprint) {
      return this.warn('CODE_OWN_INVITE');
    }
    if (this.answeredInvites.has(fingerprint)) return this.warn('CODE_INVITE_USED');
    // Accepting someone else's invite while our own is open is legitimate: ours is dropped.
    this.dropPending();
    this.answeredInvites.add(fingerprint);
    this.store.set({ pairing: { role: 'answerer', state: 'gathering' }, notice: undefined });
    try {
      const link = await PeerLink.answer(decoded.fields, this.linkOptions());
      this.adoptPending(link);
      const code = encodeCode({ kind: 'answer', fields: link.localFields! });
      this.store.set({
        pairing: { role: 'answerer', state: link.state, code, link: this.linkFor(code), validUntil: this.now() + defaultAnswerValidMs },
      });
    } catch (error) {
      this.fail(error);
    }
  }

  private async applyAnswer(decoded: DecodedCode): Promise<void> {
    const link = this.pending?.link;
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

  private adoptPending(link: PeerLink): void {
    const connection: Connection = { link };
    this.pending = connection;
    link.addEventListener('state', () => this.handleLinkState(connection));
    link.addEventListener('message', (event) => void connection.secure?.receive((event as CustomEvent<Uint8Array>).detail));
    link.addEventListener('peer-unreachable', () => {
      if (this.pending === connection) this.warn('INVITER_UNREACHABLE');
    });
  }

  private handleLinkState(connection: Connection): void {
    const link = connection.link;
    if (connection === this.pending) {
      const pairing = this.state.pairing;
      if (pairing) this.store.set({ pairing: { ...pairing, state: link.state } });
      if (link.state === 'connected') this.startHandshake(connection);
      if (link.state === 'failed' || link.state === 'closed') {
        this.pending = undefined;
        if (link.ended?.code && link.state === 'failed') this.store.set({ notice: this.failureNotice(link) });
      }
      return;
    }
    if (connection === this.live && (link.state === 'closed' || link.state === 'failed')) {
      connection.secure?.close();
      this.live = undefined;
      if (connection.peer) void this.vault?.observePeer(connection.peer.identityKey, connection.peer.displayName).then(() => this.refreshContacts());
      clearTimeout(this.typingTimer);
      const code = link.ended?.code;
      this.store.set({
        connection: { state: link.state, contactId: connection.contactId },
        peerTyping: false,
        // A chat that was open and lost its path is not a setup failure: say what happens to new messages.
        ...(code && code !== 'CHANNEL_CLOSED' ? { notice: { kind: 'error', code: code === 'ICE_FAILED' ? 'CONNECTION_LOST' : code } } : {}),
      });
      void this.refreshContacts();
    }
  }

  /** Why a link failed, in words the person can act on: for ICE, which server to add (net/ice-servers.ts). */
  private failureNotice(link: PeerLink): Notice {
    const code = link.ended!.code!;
    const isIce = code === 'ICE_FAILED' || (code === 'CONNECT_TIMEOUT' && link.role === 'inviter');
    if (!isIce || !link.localFields || !link.remoteFields) return { kind: 'error', code, detail: link.ended?.detail };
    const explained = explainIceFailure({
      iceServers: this.state.iceServers,
      localCandidateTypes: link.localFields.candidates.map((c) => c.type),
      remoteCandidateTypes: link.remoteFields.candidates.map((c) => c.type),
    });
    return { kind: 'error', code: explained.code, detail: explained.detail };
  }

  private startHandshake(connection: Connection): void {
    const link = connection.link;
    const secure = new SecureChannel({
      identity: this.profile!.identity,
      displayName: this.profile!.name,
      role: link.role,
      ownFingerprint: link.localFields!.fingerprint,
      peerFingerprint: link.remoteFields!.fingerprint,
      send: (bytes) => link.send(bytes),
    });
    connection.secure = secure;
    secure.addEventListener('failed', (event) => {
      const code = (event as CustomEvent<ErrorCode>).detail;
      link.close({ state: 'failed', code });
    });
    secure.addEventListener('ready', (event) => void this.handlePeerIdentified(connection, (event as CustomEvent<PeerIdentity>).detail));
    secure.addEventListener('frame', (event) => connection.chat?.receive((event as CustomEvent<Uint8Array>).detail));
    secure.start().catch((error) => link.close({ state: 'failed', code: 'HANDSHAKE_FAILED', detail: String(error) }));
  }

  /** The peer proved its identity key: find or make its contact, open the conversation, flush the outbox. */
  private async handlePeerIdentified(connection: Connection, peer: PeerIdentity): Promise<void> {
    let contact: Contact;
    try {
      contact = await this.resolveContact(peer);
    } catch (error) {
      connection.link.close({ state: 'failed', code: 'HANDSHAKE_FAILED', detail: toError(error).message });
      return this.fail(error);
    }
    if (connection.link.state !== 'connected') return;
    // The new connection becomes the live one; a previous live chat ends.
    if (this.live && this.live !== connection) this.closeConnection(this.live);
    if (this.pending === connection) this.pending = undefined;
    this.live = connection;
    connection.peer = peer;
    connection.contactId = contact.id;
    const chat = new ChatSession((bytes) => connection.secure!.send(bytes), this.now);
    connection.chat = chat;
    chat.addEventListener('message', (event) => void this.handleIncoming(connection, (event as CustomEvent<IncomingMessage>).detail));
    chat.addEventListener('ack', (event) => void this.handleAck(connection, (event as CustomEvent<string[]>).detail));
    chat.addEventListener('typing', (event) => this.handleTyping(connection, (event as CustomEvent<boolean>).detail));
    chat.addEventListener('bye', () => connection.link.close({ state: 'closed', code: 'CHANNEL_CLOSED' }));
    // ICE restarts travel over the sealed channel, both ways.
    chat.addEventListener('signal', (event) => void connection.link.applySignal((event as CustomEvent<LinkSignal>).detail).catch(() => {}));
    connection.link.addEventListener('signal', (event) => {
      try {
        chat.signal((event as CustomEvent<LinkSignal>).detail.kind, (event as CustomEvent<LinkSignal>).detail.sdp);
      } catch {
        // the channel is gone: the link's own timers end it
      }
    });
    const keyChangePending = !!contact.keyChange && !contact.keyChange.acknowledged;
    this.store.set({
      pairing: undefined,
      connection: { state: 'connected', contactId: contact.id },
      ...(keyChangePending ? { notice: { kind: 'warning', code: 'KEY_CHANGED' } } : { notice: undefined }),
    });
    await this.refreshContacts();
    await this.selectContact(contact.id);
    void this.readPath(connection);
    if (!keyChangePending) await this.flushOutbox(connection);
  }

  /**
   * Which contact a verified identity is. A known key: that contact (its name refreshed). An unknown key under
   * the name of a known contact: that contact, with a key change recorded (sending blocked until acknowledged).
   * Otherwise a new contact.
   */
  private async resolveContact(peer: PeerIdentity): Promise<Contact> {
    const vault = this.vault!;
    const keyId = identityKeyId(peer.identityKey);
    const { contacts } = await vault.listContacts();
    const known = contacts.find((c) => c.pinnedKey === keyId);
    if (!known) {
      const name = normalizeDisplayName(peer.displayName).toLocaleLowerCase();
      const sameName = contacts.find((c) => c.displayName.toLocaleLowerCase() === name);
      if (sameName) await vault.recordKeyChange(sameName.id, peer.identityKey);
    }
    return (await vault.observePeer(peer.identityKey, peer.displayName)).contact;
  }

  private async readPath(connection: Connection): Promise<void> {
    const types = await connection.link.selectedCandidateTypes().catch(() => undefined);
    if (!types || connection !== this.live) return;
    const path = describeCandidatePath(types.local, types.remote);
    if (path) this.store.set({ connection: { ...this.state.connection, path } });
  }

  // ---------------------------------------------------------------------------------------------------------
  // Messages

  /** Sends (or queues, when the contact is not connected) a message in the open conversation. */
  async sendMessage(text: string): Promise<boolean> {
    const trimmed = text.replace(/\s+$/u, '');
    if (!trimmed.trim()) return false;
    const contactId = this.state.activeContactId;
    if (!contactId) {
      this.warn('NO_CONVERSATION');
      return false;
    }
    const contact = this.state.contacts.find((c) => c.id === contactId);
    if (contact?.keyChangePending) {
      this.warn('KEY_CHANGED');
      return false;
    }
    const message: ChatMessage = { id: this.randomId(), direction: 'out', text: trimmed, sentAt: this.now(), state: 'waiting' };
    try {
      const { index } = await this.vault!.appendMessage(contactId, message);
      message.index = index;
      const live = this.live;
      if (live?.chat && live.contactId === contactId && live.link.state === 'connected') {
        live.chat.sendMessage(message);
        message.state = 'sent';
        await this.vault!.updateMessageState(contactId, message.id, 'sent');
      }
    } catch (error) {
      this.fail(error, { keepPairing: true });
      return false;
    }
    if (this.state.activeContactId === contactId) this.store.set({ messages: [...this.state.messages, message], notice: undefined });
    void this.refreshContacts();
    return true;
  }

  /**
   * The page was hidden or shown again (phones put background tabs to sleep). Hidden: stop "typing". Shown:
   * check the live link at once with a ping (a dead channel then closes instead of looking connected), and
   * count the open conversation as read.
   */
  setVisible(visible: boolean): void {
    const live = this.live;
    if (!visible) return this.setTyping(false);
    try {
      live?.chat?.ping();
    } catch {
      // the channel is gone; its close event updates the state
    }
    const contactId = this.state.activeContactId;
    if (contactId && this.state.contacts.find((c) => c.id === contactId)?.unread) {
      void this.vault?.markRead(contactId).then(() => this.refreshContacts());
    }
  }

  /** Called as the person types; tells the peer of the open conversation. */
  setTyping(active: boolean): void {
    const live = this.live;
    if (!live?.chat || live.contactId !== this.state.activeContactId) return;
    try {
      live.chat.sendTyping(active);
    } catch {
      // typing is best effort
    }
  }

  private async handleIncoming(connection: Connection, m: IncomingMessage): Promise<void> {
    const contactId = connection.contactId!;
    try {
      const { duplicate, index } = await this.vault!.appendMessage(contactId, {
        id: m.id,
        direction: 'in',
        text: m.text,
        sentAt: m.sentAt,
        state: 'delivered',
        receivedAt: this.now(),
      });
      // The ack goes out once the message is on disk (or already was): "delivered" means stored.
      connection.chat?.ack([m.id]);
      if (duplicate) return;
      if (this.state.activeContactId === contactId) {
        this.store.set({ messages: [...this.state.messages, { ...m, direction: 'in', state: 'delivered', index }], peerTyping: false });
        // Read only if someone can see it: a hidden tab keeps it unread.
        if (this.isVisible()) await this.vault!.markRead(contactId);
      }
      await this.refreshContacts();
    } catch (error) {
      this.fail(error, { keepPairing: true });
    }
  }

  private async handleAck(connection: Connection, ids: string[]): Promise<void> {
    const contactId = connection.contactId!;
    for (const id of ids) await this.vault!.updateMessageState(contactId, id, 'delivered').catch((error) => this.fail(error, { keepPairing: true }));
    if (this.state.activeContactId !== contactId) return;
    const acked = new Set(ids);
    this.store.set({ messages: this.state.messages.map((m) => (m.direction === 'out' && acked.has(m.id) ? { ...m, state: 'delivered' } : m)) });
  }

  private handleTyping(connection: Connection, active: boolean): void {
    if (connection.contactId !== this.state.activeContactId) return;
    clearTimeout(this.typingTimer);
    this.store.set({ peerTyping: active });
    if (active) this.typingTimer = setTimeout(() => this.store.set({ peerTyping: false }), typingIdleMs);
  }

  /** Sends, in order, what was written while the contact was away. */
  private async flushOutbox(connection: Connection): Promise<void> {
    const contactId = connection.contactId!;
    const { messages } = await this.vault!.loadNewest(contactId, outboxScan);
    const waiting = messages.filter((m) => m.direction === 'out' && m.state === 'waiting');
    for (const m of waiting) {
      if (connection !== this.live || !connection.chat) return;
      connection.chat.sendMessage({ id: m.id, text: m.text, sentAt: m.sentAt });
      await this.vault!.updateMessageState(contactId, m.id, 'sent');
    }
    if (waiting.length && this.state.activeContactId === contactId) {
      const sent = new Set(waiting.map((m) => m.id));
      this.store.set({ messages: this.state.messages.map((m) => (sent.has(m.id) && m.state === 'waiting' ? { ...m, state: 'sent' } : m)) });
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Conversations and contacts

  async selectContact(contactId: string): Promise<void> {
    try {
      const loaded = await this.vault!.loadNewest(contactId, pageSize);
      const contact = await this.vault!.getContact(contactId);
      await this.vault!.markRead(contactId);
      const digits = contact ? await this.safetyNumberFor(contact) : undefined;
      this.store.set({
        activeContactId: contactId,
        messages: loaded.messages.map(toChatMessage),
        hasOlder: loaded.hasOlder,
        safetyNumber: digits,
        peerTyping: false,
        ...(loaded.skipped.length ? { notice: { kind: 'warning', code: 'RECORD_TAMPERED' } } : {}),
      });
      await this.refreshContacts();
    } catch (error) {
      this.fail(error, { keepPairing: true });
    }
  }

  /** Loads the page of messages before the oldest one shown. */
  async loadOlder(): Promise<void> {
    const contactId = this.state.activeContactId;
    const oldest = this.state.messages[0]?.index;
    if (!contactId || oldest === undefined || !this.state.hasOlder) return;
    try {
      const loaded = await this.vault!.loadOlder(contactId, oldest, pageSize);
      if (this.state.activeContactId !== contactId) return;
      this.store.set({
        messages: [...loaded.messages.map(toChatMessage), ...this.state.messages],
        hasOlder: loaded.hasOlder,
        ...(loaded.skipped.length ? { notice: { kind: 'warning', code: 'RECORD_TAMPERED' } } : {}),
      });
    } catch (error) {
      this.fail(error, { keepPairing: true });
    }
  }

  async setVerified(verified: boolean): Promise<void> {
    const contactId = this.state.activeContactId;
    if (!contactId) return;
    await this.vault!.setVerified(contactId, verified).catch((error) => this.fail(error));
    await this.refreshContacts();
  }

  /** The person accepts a contact's new identity key: sending resumes and the outbox goes out. */
  async acknowledgeKeyChange(): Promise<void> {
    const contactId = this.state.activeContactId;
    if (!contactId) return;
    try {
      await this.vault!.acknowledgeKeyChange(contactId);
      this.store.set({ notice: undefined });
      await this.refreshContacts();
      if (this.live?.contactId === contactId) await this.flushOutbox(this.live);
    } catch (error) {
      this.fail(error);
    }
  }

  async deleteConversation(contactId: string): Promise<void> {
    try {
      if (this.live?.contactId === contactId) this.closeConnection(this.live);
      await this.vault!.deleteConversation(contactId);
      await this.vault!.deleteContact(contactId);
      if (this.state.activeContactId === contactId) {
        this.store.set({ activeContactId: undefined, messages: [], hasOlder: false, safetyNumber: undefined });
      }
      await this.refreshContacts();
    } catch (error) {
      this.fail(error);
    }
  }

  async exportTranscript(contactId: string, format: TranscriptFormat): Promise<string | undefined> {
    try {
      return await this.vault!.exportTranscript(contactId, format);
    } catch (error) {
      this.fail(error);
      return undefined;
    }
  }

  private async compareSafetyNumber(digits: string): Promise<void> {
    const expected = this.state.safetyNumber?.join('');
    if (!expected) return this.warn('NO_CONVERSATION');
    this.store.set({ notice: digits === expected ? { kind: 'info', code: 'SAFETY_NUMBER_MATCH' } : { kind: 'error', code: 'SAFETY_NUMBER_DIFFERENT' } });
  }

  private async safetyNumberFor(contact: Contact): Promise<string[]> {
    const number = await safetyNumber(this.profile!.identity.publicKey, fromBase64Url(contact.pinnedKey));
    return [...number.groups];
  }

  private async refreshContacts(): Promise<void> {
    if (!this.vault || !this.profile) return;
    try {
      const [{ contacts }, { conversations }] = await Promise.all([this.vault.listContacts(), this.vault.listConversations()]);
      const byId = new Map(conversations.map((c) => [c.id, c]));
      const liveId = this.live?.link.state === 'connected' ? this.live.contactId : undefined;
      const views: ContactView[] = contacts.map((c) => {
        const conversation = byId.get(c.id);
        return {
          id: c.id,
          name: c.displayName,
          verified: c.verified,
          keyChangePending: !!c.keyChange && !c.keyChange.acknowledged,
          unread: conversation?.unread ?? 0,
          lastText: conversation?.lastMessage?.text,
          lastAt: conversation?.lastMessage?.sentAt ?? c.lastSeen,
          lastSeen: c.lastSeen,
          online: c.id === liveId,
        };
      });
      views.sort((a, b) => (b.lastAt ?? 0) - (a.lastAt ?? 0));
      const active = views.find((v) => v.id === this.state.activeContactId);
      const refreshSafety = active && this.state.safetyNumber === undefined;
      this.store.set({ contacts: views });
      if (refreshSafety) {
        const contact = contacts.find((c) => c.id === active.id);
        if (contact) this.store.set({ safetyNumber: await this.safetyNumberFor(contact) });
      }
    } catch (error) {
      this.fail(error, { keepPairing: true });
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Notices and ending

  /** An error found outside the app's own actions (camera, scanning) to show the person. */
  showError(code: ErrorCode): void {
    this.store.set({ notice: { kind: 'error', code } });
  }

  dismissNotice(): void {
    this.store.set({ notice: undefined });
  }

  /** Ends the live chat (the peer is told). */
  disconnect(): void {
    if (this.live) this.closeConnection(this.live);
  }

  private closeConnection(connection: Connection): void {
    try {
      connection.chat?.bye();
    } catch {
      // channel already gone
    }
    connection.link.close({ state: 'closed' });
  }

  private closeAll(): void {
    this.dropPending();
    if (this.live) this.closeConnection(this.live);
  }

  private dropPending(): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.link.close({ state: 'closed' });
  }

  private linkFor(code: string): string {
    return `${this.options.pageUrl}#${code}`;
  }

  private warn(code: ErrorCode): void {
    this.store.set({ notice: { kind: 'warning', code } });
  }

  private async withBusy(task: () => Promise<void>): Promise<void> {
    this.store.set({ busy: true, notice: undefined });
    try {
      await task();
    } catch (error) {
      this.fail(error, { keepPairing: true });
    } finally {
      this.store.set({ busy: false });
    }
  }

  private fail(error: unknown, { keepPairing = false } = {}): void {
    const notice: Notice = isTincanError(error) ? { kind: 'error', code: error.code } : { kind: 'error', detail: toError(error).message };
    this.store.set(keepPairing ? { notice } : { notice, pairing: undefined });
  }
}

function isVisibleDefault(): boolean {
  return typeof document === 'undefined' || !document.hidden;
}

function toChatMessage(m: LoggedMessage): ChatMessage {
  return { id: m.id, direction: m.direction, text: m.text, sentAt: m.sentAt, state: m.state, index: m.index };
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function randomMessageId(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(12)));
}
