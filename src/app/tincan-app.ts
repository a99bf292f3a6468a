// The app's actions: a thin facade over the vault (store/) and the messenger (chat/), and the one writer of
// AppState. The UI calls these methods and renders the state; every event from below becomes a new state object.
// Nothing here knows the wire or the handshake: chat/ does. Values that reach the state are copies. What is not an
// action or event wiring lives elsewhere: the chat stack is built by chat/chat-core.ts, file policy is
// chat/files/file-acceptance.ts, reach settings store/reach.ts, and the views and the message window are pure
// functions (views.ts, message-window.ts).
import { isTincanError, toError, TincanError, type ErrorCode } from '../errors';
import type { ChatMessage } from '../chat/chat-message';
import type { Messenger, PeerStatus } from '../chat/messenger';
import type { ChatCore } from '../chat/chat-core';
import type { FileTransfers } from '../chat/files/file-transfers';
import type { FileSink, FileSource } from '../chat/files/file-io';
import type { TransferView } from '../chat/files/transfer-events';
import type { Thumbnail, ThumbnailStore } from '../chat/files/thumbnail-store';
import {
  defaultAutoAcceptBudgetBytes,
  fileSettingsCollectionName,
  hasRoomFor,
  isAutoAcceptLimit,
  isAutoAccepted,
  keptIncomingBytes,
  loadAutoAcceptImageBytes,
  saveAutoAcceptImageBytes,
} from '../chat/files/file-acceptance';
import type { Exchange } from '../chat/pairing';
import { fromBase64Url } from '../crypto/bytes';
import { normalizeDisplayName } from '../crypto/display-name';
import { safetyNumber } from '../crypto/safety-number';
import { passphraseStrength, type PassphraseWeakness } from '../crypto/vault';
import { decodeCode, normalizeCode, type DecodedCode } from '../invite/invite-code';
import type { Profile } from '../store/profile-store';
import { openStore, type TincanStore } from '../store/tincan-store';
import type { Contact } from '../store/records';
import { iceServersFor, reachOf, toStoredIceServers, type Reach, type RTCIceServerLike } from '../store/reach';
import type { TranscriptFormat, TranscriptLabels } from '../store/transcript';
import type { AppPlatform, TabLock } from './app-platform';
import type { DeviceLinks } from '../net/device-links';
import {
  initialState,
  type AppState,
  type ExchangeView,
  type FileTransferView,
  type Notice,
  type NoticeArea,
} from './app-state';
import { StateStore } from './state-store';
import { TypingSignal, type TypingFrame } from './typing-signal';
import { newerPage, newestWindow, olderPageEnd, pageSize, withArrived, withNewer, withOlder, withStates } from './message-window';
import {
  conversationView,
  conversationViews,
  exchangeView,
  toChatMessage,
  transferView,
  withConversationView,
  withProgress,
  withTransfer,
  type ConversationFacts,
} from './views';

type UnlockedModules = typeof import('./unlocked-modules');

export interface TincanAppOptions {
  /** The page's own address without fragment; links are `${pageUrl}#${code}`. */
  readonly pageUrl: string;
  readonly platform: AppPlatform;
  /** IndexedDB database name of the store. */
  readonly storeName?: string;
  readonly now?: () => number;
  /** Received files that pictures accepted without asking may add up to, per conversation (tests make it small). */
  readonly autoAcceptBudgetBytes?: number;
}

/** What a locked app must not keep from the profile (initialState leaves these optional fields out). */
const forgotten: Partial<AppState> = { profileName: undefined, activeId: undefined, open: undefined, vaultHealth: undefined, storage: undefined };
/** A peer's "typing" lapses after this long without news (its page may have gone away). */
const typingIdleMs = 5_000;

interface Runtime {
  status?: PeerStatus;
  typing: boolean;
  typingTimer?: ReturnType<typeof setTimeout>;
}

export type CodeSource = 'paste' | 'scan' | 'link';

export class TincanApp {
  readonly state = new StateStore<AppState>(initialState);
  private store?: TincanStore;
  private profile?: Profile;
  private messenger?: Messenger;
  /** Pictures being accepted without asking (their state still reads "offered" until the accept is through). */
  private readonly autoAccepting = new Set<string>();
  /** Loaded at unlock (unlocked-modules.ts). */
  private modules?: UnlockedModules;
  /** The chat stack of the unlocked profile (chat/chat-core.ts); its parts below, as the actions use them. */
  private core?: ChatCore;
  private files?: FileTransfers;
  private thumbnails?: ThumbnailStore;
  /** The unlock's sweep of plaintext copies a crash left ("Save"), while it runs. */
  private sweepingExports?: Promise<unknown>;
  private links?: DeviceLinks;
  private tabLock?: TabLock;
  /** A code that arrived (by link) before the vault was unlocked. */
  private deferred?: { text: string; source: CodeSource };
  private readonly runtime = new Map<string, Runtime>();
  private readonly restoredContacts = new Set<string>();
  /** What the contact of the open conversation was told of the person's typing; typingContactId: that contact. */
  private readonly typing = new TypingSignal();
  private typingContactId?: string;
  private typingCheck?: ReturnType<typeof setTimeout>;
  private readonly now: () => number;
  private readonly storeName: string;

  constructor(private readonly options: TincanAppOptions) {
    this.now = options.now ?? Date.now;
    this.storeName = options.storeName ?? 'tincan';
  }

  private get s(): AppState {
    return this.state.state;
  }

  private set(patch: Partial<AppState>): void {
    this.state.set(patch);
  }

  // -----------------------------------------------------------------------------------------------------------
  // Profile, vault, tabs

  async start(): Promise<void> {
    try {
      this.tabLock = this.options.platform.tabLock(this.storeName);
      this.tabLock.onHandoverRequested(() => this.handOver());
      this.tabLock.onLost(() => void this.stepAside());
      if (!(await this.tabLock.acquire())) return this.set({ screen: 'elsewhere' });
      await this.openVault();
    } catch (error) {
      this.set({ screen: 'unavailable' });
      this.fail(error, 'global');
    }
  }

  /** "Use here": the other tab hands the vault over, then this one opens it. */
  async useHere(): Promise<void> {
    await this.withBusy('global', async () => {
      await this.tabLock!.takeOver();
      await this.openVault();
    });
  }

  private async openVault(): Promise<void> {
    this.store = await openStore({
      backend: await this.options.platform.openBackend(this.storeName),
      witness: this.options.platform.witness(this.storeName),
      now: this.now,
    });
    // The notice stays: a link's error (main.ts) is set before the vault opens, and must be read on this screen.
    this.set({ screen: (await this.store.state()) === 'empty' ? 'setup' : 'unlock' });
  }

  /** The weakness of a passphrase being typed, for a live warning (the UI says it in words). */
  passphraseWeakness(passphrase: string): PassphraseWeakness | undefined {
    if (!passphrase) return undefined;
    const strength = passphraseStrength(passphrase);
    return strength.weak ? (strength.reason ?? 'predictable-pattern') : undefined;
  }

  async createProfile(name: string, passphrase: string, repeat: string, reach?: Reach): Promise<void> {
    if (passphrase !== repeat) return this.fail(new TincanError('PASSPHRASE_MISMATCH'), 'welcome');
    if (!normalizeDisplayName(name) || !passphrase) return this.fail(new TincanError('PROFILE_INCOMPLETE'), 'welcome');
    await this.withBusy('welcome', async () => {
      const profile = await this.store!.createProfile(name, passphrase);
      void this.options.platform.requestPersistence?.();
      if (reach) await this.store!.settings.saveIceServers(iceServersFor(reach));
      await this.enter(profile);
    });
  }

  async unlock(passphrase: string): Promise<void> {
    await this.withBusy('welcome', async () => {
      const { profile, health } = await this.store!.unlock(passphrase);
      for (const id of health.rolledBackContacts) this.restoredContacts.add(id);
      const damagedRecords = health.damaged.length;
      if (health.restoredFromOlderCopy || health.rolledBack.length || damagedRecords) {
        this.set({ vaultHealth: { restoredOlder: health.restoredFromOlderCopy || health.rolledBack.length > 0, damagedRecords } });
      }
      await this.enter(profile);
    });
  }

  /** Restores a backup file on a device with no profile yet. */
  async importBackup(file: Uint8Array, passphrase: string): Promise<void> {
    await this.withBusy('welcome', async () => {
      const result = await this.store!.importBackup(file, passphrase);
      if (result.skipped.length) this.set({ vaultHealth: { restoredOlder: false, damagedRecords: result.skipped.length } });
      await this.enter(result.profile);
    });
  }

  async exportBackup(): Promise<Uint8Array | undefined> {
    try {
      await this.store!.flush();
      return await this.store!.exportBackup();
    } catch (error) {
      this.fail(error, 'settings');
      return undefined;
    }
  }

  async changePassphrase(oldPassphrase: string, newPassphrase: string, repeat: string): Promise<boolean> {
    if (newPassphrase !== repeat) {
      this.fail(new TincanError('PASSPHRASE_MISMATCH'), 'settings');
      return false;
    }
    let done = false;
    await this.withBusy('settings', async () => {
      await this.store!.changePassphrase(oldPassphrase, newPassphrase);
      this.set({ notice: { kind: 'info', code: 'PASSPHRASE_CHANGED', area: 'settings' } });
      done = true;
    });
    return done;
  }

  /** Ends every connection and wipes every record (and the device certificate) on this device. */
  async forgetDevice(): Promise<void> {
    this.leave({ sayBye: true });
    await this.withBusy('welcome', async () => {
      await this.store!.forgetDevice();
      // Best effort: the files are sealed under keys that went with the vault, so what a failure leaves cannot be
      // read; the device certificate and the setup screen must follow either way.
      await this.options.platform.forgetFiles().catch(() => undefined);
      await this.links?.forget();
      this.links = undefined;
      this.set({ ...initialState, ...forgotten, screen: 'setup', notice: { kind: 'info', code: 'DEVICE_FORGOTTEN', area: 'welcome' } });
    });
  }

  /** Forgets every key in memory; the passphrase is needed again. */
  async lock(): Promise<void> {
    const hasKeptFiles = this.hasKeptFiles();
    await this.messenger?.flush().catch(() => undefined);
    this.leave({ sayBye: true });
    if (hasKeptFiles) await this.options.platform.removeExports?.().catch(() => undefined);
    await this.store?.lock();
    // Spreading initialState leaves its optional fields as they were: the open conversation's messages would stay
    // in memory while locked and be shown again after the next unlock instead of what the store holds. A notice
    // (a code's error, a conversation's warning) is about what the lock put away: it goes too.
    this.set({ ...initialState, ...forgotten, screen: 'unlock', reachChosen: this.s.reachChosen, notice: undefined });
  }

  /** The person saw that this vault was restored from an older copy: keep it as it is from now on. */
  async acknowledgeVaultHealth(): Promise<void> {
    await this.store?.acceptRestoredState();
    this.set({ vaultHealth: undefined });
  }

  private async enter(profile: Profile): Promise<void> {
    this.profile = profile;
    const store = this.store!;
    const saved = store.settings.iceServers();
    const iceServers = [...(saved ?? [])];
    const [modules, links] = await Promise.all([
      import('./unlocked-modules'),
      this.options.platform.links(this.storeName, () => this.s.iceServers),
    ]);
    this.links = links;
    this.modules = modules;
    const core = await modules.openChatCore({ store, profile, links, fileSinks: this.options.platform.fileSinks(this.storeName), now: this.now });
    this.core = core;
    this.files = core.files;
    this.thumbnails = core.thumbnails;
    this.messenger = core.messenger;
    // Chat works without files: say why files do not.
    if (core.files) this.watchFiles(core.files);
    else this.fail(core.filesError, 'global');
    this.watchMessenger(core.messenger);
    void this.refreshStorage();
    // Plaintext copies made by "Save" are removed at lock; a crash leaves them until now.
    if (this.hasKeptFiles()) this.sweepingExports = this.options.platform.removeExports?.().catch(() => undefined);
    this.set({ autoAcceptImageBytes: await loadAutoAcceptImageBytes(store.collection(fileSettingsCollectionName)) });
    this.set({ screen: 'main', profileName: profile.name, iceServers, reach: reachOf(iceServers), reachChosen: saved !== undefined });
    this.refreshConversations();
    const code = this.deferred;
    this.deferred = undefined;
    if (code) await this.submitCode(code.text, code.source);
  }

  private leave({ sayBye }: { sayBye: boolean }): void {
    this.core?.close({ sayBye });
    this.core = undefined;
    this.messenger = undefined;
    this.files = undefined;
    this.thumbnails = undefined;
    for (const runtime of this.runtime.values()) clearTimeout(runtime.typingTimer);
    clearTimeout(this.typingCheck);
    this.typingCheck = undefined;
    this.typing.stop();
    this.runtime.clear();
    this.profile = undefined;
  }

  /** Another tab asks for the vault: flush, close, release. */
  private async handOver(): Promise<void> {
    this.leave({ sayBye: false });
    await this.store?.lock().catch(() => undefined);
    this.store = undefined;
  }

  private async stepAside(): Promise<void> {
    if (this.store) await this.handOver();
    this.set({ ...initialState, ...forgotten, screen: 'elsewhere' });
  }

  // -----------------------------------------------------------------------------------------------------------
  // Settings

  /** Saves checked ICE servers (net/ice-servers.ts validates them in the settings form), one URL each. */
  async saveIceServers(servers: readonly RTCIceServerLike[]): Promise<void> {
    const iceServers = toStoredIceServers(servers);
    try {
      await this.store!.settings.saveIceServers(iceServers);
      this.set({ iceServers, reach: reachOf(iceServers), reachChosen: true });
    } catch (error) {
      this.fail(error, 'settings');
    }
  }

  /** The first-run choice, or the invite card's "Change": same network only, or anywhere (public STUN). */
  async setReach(reach: Exclude<Reach, 'custom'>): Promise<void> {
    await this.saveIceServers(iceServersFor(reach));
  }

  // -----------------------------------------------------------------------------------------------------------
  // Invites, answers, reconnects

  /** "New invite". */
  async newInvite(): Promise<void> {
    await this.pairingAction(() => this.messenger!.newInvite());
  }

  /** "Reconnect" for a known contact: one code if possible (chat/pairing.ts), an ordinary invite otherwise. */
  async reconnect(contactId: string): Promise<void> {
    await this.pairingAction(() => this.messenger!.reconnect(contactId));
  }

  cancelExchange(exchangeId: string): void {
    this.messenger?.pairing.cancel(exchangeId);
  }

  /**
   * A pasted, scanned or linked code: an invite or an answer (the code says which), or a scanned safety number to
   * compare. A code from a LINK is not answered until the person agrees (`acceptInvitation`): answering sends
   * connectivity checks, and so this device's address, to addresses whoever wrote the link chose.
   */
  async submitCode(text: string, source: CodeSource = 'paste'): Promise<void> {
    return this.takeCode(text, source, { consented: false });
  }

  /** `consented`: the person pressed "Answer" on the invitation card, so the code is answered now. */
  private async takeCode(text: string, source: CodeSource, { consented }: { consented: boolean }): Promise<void> {
    if (this.s.screen !== 'main') {
      this.deferred = { text, source };
      if (source === 'link') this.set({ invitation: { code: text, kind: 'invite' } });
      return;
    }
    const digits = text.replace(/\s+/g, '');
    if (source !== 'link' && /^\d{60}$/.test(digits)) return this.compareSafetyNumber(digits);
    let decoded: DecodedCode;
    let canonical: string;
    try {
      canonical = normalizeCode(text);
      decoded = decodeCode(canonical);
    } catch (error) {
      return this.fail(error, source === 'link' ? 'global' : 'pairing');
    }
    // An ordinary invite from a contact's device is an old one, answered before (a new answer to it could never
    // connect), or one the contact made just now: it waits for the person, who answers it or reconnects instead.
    const knownInviter = decoded.kind === 'invite' && !decoded.reconnectFor && !consented ? this.contactByCertificate(decoded.fields.fingerprint) : undefined;
    if ((source === 'link' && decoded.kind === 'invite' && !consented) || knownInviter) {
      const contact = knownInviter ?? (decoded.kind === 'invite' && decoded.reconnectFor ? this.contactByCertificate(decoded.fields.fingerprint) : undefined);
      this.set({
        invitation: {
          code: canonical,
          kind: decoded.kind === 'invite' && decoded.reconnectFor ? 'reconnect' : 'invite',
          ...(contact ? { contactName: contact.displayName } : {}),
          ...(knownInviter ? { knownContactId: knownInviter.id } : {}),
        },
        notice: undefined,
      });
      return;
    }
    await this.useCode(decoded, canonical);
  }

  /** The person agreed to answer the invite that came by link. */
  async acceptInvitation(): Promise<void> {
    const invitation = this.s.invitation;
    if (!invitation) return;
    this.set({ invitation: undefined });
    await this.takeCode(invitation.code, 'paste', { consented: true });
  }

  declineInvitation(): void {
    this.deferred = undefined;
    this.set({ invitation: undefined });
  }

  private async useCode(decoded: DecodedCode, canonical: string): Promise<void> {
    await this.pairingAction(() => this.messenger!.useCode(decoded, canonical));
  }

  private async pairingAction(action: () => Promise<Exchange | undefined>): Promise<void> {
    if (!this.messenger) return;
    this.set({ notice: undefined });
    try {
      await action();
    } catch (error) {
      this.fail(error, 'pairing');
    }
  }

  private contactByCertificate(fingerprint: Uint8Array): Contact | undefined {
    return this.store?.contacts.all().find((c) => {
      if (!c.dtlsFingerprint || c.movedTo) return false;
      try {
        const pinned = fromBase64Url(c.dtlsFingerprint);
        return pinned.length === fingerprint.length && pinned.every((b, i) => b === fingerprint[i]);
      } catch {
        return false;
      }
    });
  }

  // -----------------------------------------------------------------------------------------------------------
  // Messages

  /** Sends (or queues, when the contact is offline) a message in the open conversation. */
  async sendMessage(text: string): Promise<boolean> {
    const trimmed = text.replace(/\s+$/u, '');
    if (!trimmed.trim()) return false;
    const contactId = this.s.activeId;
    if (!contactId || !this.messenger) {
      this.fail(new TincanError('NO_CONVERSATION'), 'composer');
      return false;
    }
    try {
      // The message ends "typing" on the contact's screen by itself (app/typing-signal.ts).
      this.typing.sent(this.now());
      await this.messenger.send(contactId, trimmed);
      if (this.s.notice?.area === 'composer') this.set({ notice: undefined });
      return true;
    } catch (error) {
      this.fail(error, 'composer');
      return false;
    }
  }

  /**
   * Called whenever the person changes the text in the message box (active: some is left); tells the contact of the
   * open conversation only of real changes (app/typing-signal.ts decides).
   */
  setTyping(active: boolean): void {
    const contactId = this.s.activeId;
    if (contactId !== this.typingContactId) {
      // Typing somewhere else now: the contact left behind hears it ended.
      this.sendTyping(this.typing.stop());
      this.typingContactId = contactId;
    }
    this.sendTyping(this.typing.input(this.now(), active));
  }

  private sendTyping(frame: TypingFrame | undefined): void {
    const contactId = this.typingContactId;
    if (frame && contactId) this.messenger?.setTyping(contactId, frame === 'on');
    const checkAt = this.typing.checkAt;
    if (checkAt === undefined || this.typingCheck !== undefined) return;
    // One timer at a time, not one per keystroke: it looks again at the end of the pause and re-arms while typing goes on.
    this.typingCheck = setTimeout(() => {
      this.typingCheck = undefined;
      this.sendTyping(this.typing.idle(this.now()));
    }, Math.max(0, checkAt - this.now()));
  }

  /**
   * The page was hidden or shown again (phones put background tabs to sleep). Hidden: stop "typing". Shown: check
   * every live link at once (a dead one then ends instead of looking connected), and count the open conversation
   * as read.
   */
  setVisible(visible: boolean): void {
    if (!visible) return this.setTyping(false);
    this.messenger?.pingAll();
    const id = this.s.activeId;
    if (id) this.markRead(id);
  }

  // -----------------------------------------------------------------------------------------------------------
  // Conversations and contacts

  async selectConversation(contactId: string): Promise<void> {
    const store = this.store;
    if (!store || !store.contacts.get(contactId)) return;
    try {
      const loaded = await store.log.loadNewest(contactId, pageSize);
      const contact = store.contacts.get(contactId)!;
      this.set({
        activeId: contactId,
        open: newestWindow(contactId, loaded.entries.map(toChatMessage), loaded.hasOlder),
      });
      this.markRead(contactId);
      this.refreshConversations();
      const digits = await this.safetyNumberFor(contact);
      if (this.s.open?.id === contactId) this.set({ open: { ...this.s.open, safetyNumber: digits } });
    } catch (error) {
      this.fail(error, 'conversation');
    }
  }

  /** Back to the conversation list (phones). */
  closeConversation(): void {
    this.set({ activeId: undefined, open: undefined });
  }

  /** Loads the page before the oldest message shown; the window keeps at most windowSize messages. */
  async loadOlder(): Promise<void> {
    const open = this.s.open;
    const oldest = olderPageEnd(open);
    if (!open || oldest === undefined) return;
    try {
      const loaded = await this.store!.log.loadBefore(open.id, oldest, pageSize);
      const current = this.s.open;
      if (current?.id !== open.id) return;
      this.set({ open: withOlder(current, loaded.entries.map(toChatMessage), loaded.hasOlder) });
    } catch (error) {
      this.fail(error, 'conversation');
    }
  }

  /** Loads the page after the newest message shown (the window was moved into the past). */
  async loadNewer(): Promise<void> {
    const open = this.s.open;
    if (!open?.hasNewer) return;
    try {
      const count = this.store!.log.summary(open.id)?.count ?? 0;
      const page = newerPage(open, count)!;
      const loaded = await this.store!.log.loadBefore(open.id, page.before, page.limit);
      const current = this.s.open;
      if (current?.id !== open.id) return;
      this.set({ open: withNewer(current, page, loaded.entries.map(toChatMessage), count) });
    } catch (error) {
      this.fail(error, 'conversation');
    }
  }

  async setVerified(verified: boolean): Promise<void> {
    const contact = this.activeContact();
    if (!contact) return;
    await this.putContact({ ...contact, verified });
    this.restoredContacts.delete(contact.id);
  }

  /** "This is <name> on a new device": the active (look-alike) contact's key moves into the earlier contact. */
  async moveToNewDevice(): Promise<void> {
    const contact = this.activeContact();
    if (!contact?.lookalikeOf || !this.messenger) return;
    const previousId = contact.lookalikeOf;
    try {
      await this.store!.log.moveConversation(contact.id, previousId);
      await this.messenger.moveToNewDevice(contact.id, previousId);
      this.refreshConversations();
      await this.selectConversation(previousId);
    } catch (error) {
      this.fail(error, 'conversation');
    }
  }

  /** "This is someone else": the look-alike warning goes; the two stay separate contacts. */
  async confirmDifferentPerson(): Promise<void> {
    const contact = this.activeContact();
    if (!contact || !this.messenger) return;
    await this.messenger.confirmDifferentPerson(contact.id).catch((error) => this.fail(error, 'conversation'));
    this.refreshConversations();
  }

  async deleteConversation(contactId: string): Promise<void> {
    try {
      this.messenger?.disconnect(contactId);
      // Its files leave this device with it (sealed copies, thumbnails, records).
      for (const t of this.s.transfers.filter((t) => t.conversationId === contactId)) {
        // A file that could not be removed keeps the conversation (its notice says why); nothing is left orphaned.
        if (!(await this.discardFile(t.fileId))) return;
      }
      await this.store!.log.remove(contactId);
      await this.store!.contacts.remove(contactId);
      this.runtime.delete(contactId);
      if (this.s.activeId === contactId) this.set({ activeId: undefined, open: undefined });
      this.refreshConversations();
    } catch (error) {
      this.fail(error, 'conversation');
    }
  }

  async exportTranscript(contactId: string, format: TranscriptFormat, labels: TranscriptLabels): Promise<string | undefined> {
    try {
      await this.store!.flush();
      return await this.store!.exportTranscript(contactId, format, labels);
    } catch (error) {
      this.fail(error, 'conversation');
      return undefined;
    }
  }

  /** Ends a contact's live chat (the peer is told). */
  disconnect(contactId: string): void {
    this.messenger?.disconnect(contactId);
  }

  // -----------------------------------------------------------------------------------------------------------
  // Files

  /** Offers a file (picked, dropped or pasted) to the open conversation's contact; it goes when they accept.
   * Resolves with the transfer's id once the offer is made (the UI keeps the file for a preview of its own). */
  async sendFile(source: FileSource, name: string, mime: string): Promise<string | undefined> {
    const contactId = this.s.activeId;
    const conversation = contactId ? this.messenger?.conversationIdOf(contactId) : undefined;
    if (!contactId || !this.files) return void this.fail(new TincanError('NO_CONVERSATION'), 'composer');
    if (!conversation) return void this.fail(new TincanError('FILE_NEEDS_CONNECTION'), 'composer');
    try {
      return (await this.files.offer({ peerId: contactId, conversation, source, name, mime })).fileId;
    } catch (error) {
      this.fail(error, 'composer');
      return undefined;
    }
  }

  /** The person accepts an offered file; `sink` when they chose where to save it (the save picker). Refused with
   * FILE_NO_ROOM, before anything is asked of the peer, when the browser says this origin has less room left than
   * the file would take here (the offer stays: the person can free space and accept again). */
  async acceptFile(fileId: string, sink?: FileSink): Promise<void> {
    try {
      const stored = this.files?.storedBytes(fileId);
      if (stored !== undefined && !(await this.hasRoomFor(stored))) throw new TincanError('FILE_NO_ROOM', `${stored} bytes to keep`);
      await this.files?.accept(fileId, sink);
    } catch (error) {
      this.fail(error, 'conversation');
    }
  }

  /** What the browser says about this origin's storage, for Settings (refreshed at unlock and as files come and go). */
  private async refreshStorage(): Promise<void> {
    const figures = await this.options.platform.storageEstimate().catch(() => undefined);
    if (this.s.screen === 'main') this.set({ storage: figures });
  }

  /** Whether this device keeps a received file (and so may hold a plaintext copy "Save" made). */
  private hasKeptFiles(): boolean {
    return this.s.transfers.some((t) => t.direction === 'in' && t.state === 'done');
  }

  /** Whether the browser's storage quota leaves room for `bytes` more (chat/files/file-acceptance.ts). */
  private async hasRoomFor(bytes: number): Promise<boolean> {
    return hasRoomFor(bytes, await this.options.platform.storageEstimate().catch(() => undefined));
  }

  /** "Save": the received file decrypted into a temporary copy; resolves to the URL the page downloads it from, or
   * undefined after a failure (FILE_DAMAGED when the kept copy is gone or does not open), said in the conversation. */
  async saveFile(fileId: string): Promise<string | undefined> {
    try {
      // The sweep of copies left by a crash (started at unlock) must not remove this one while it is written.
      await this.sweepingExports;
      const source = await this.files?.openReceived(fileId);
      if (!source) throw new TincanError('FILE_DAMAGED', 'no kept file');
      if (!(await this.hasRoomFor(source.size))) throw new TincanError('FILE_SAVE_NO_ROOM', `${source.size} bytes to copy`);
      const { platform } = this.options;
      if (!platform.exportFile) throw new Error('no "Save" on this platform');
      return await platform.exportFile(fileId, source).catch((error: unknown) => {
        throw isTincanError(error, 'FILE_DISK_FULL') ? new TincanError('FILE_SAVE_NO_ROOM', String(error)) : error;
      });
    } catch (error) {
      this.fail(error, 'conversation');
      return undefined;
    }
  }

  /** A received file's plaintext, read a range at a time from its sealed copy (for a picture's first preview). */
  async openReceivedFile(fileId: string): Promise<FileSource | undefined> {
    return this.files?.openReceived(fileId).catch(() => undefined);
  }

  /** The thumbnail kept sealed for a picture sent or received, if one was made. */
  async thumbnail(fileId: string): Promise<Thumbnail | undefined> {
    return this.thumbnails?.get(fileId).catch(() => undefined);
  }

  /** Keeps a picture's thumbnail sealed in the vault (made by the page from decoded pixels). */
  async keepThumbnail(fileId: string, thumbnail: Thumbnail): Promise<void> {
    if (!this.files?.get(fileId)) return;
    await this.thumbnails?.put(fileId, thumbnail).catch(() => undefined);
    // Removed while it was written: it goes too (discardFile removes thumbnails only after the transfer).
    if (!this.files?.get(fileId)) await this.thumbnails?.remove(fileId).catch(() => undefined);
  }

  declineFile(fileId: string): void {
    this.files?.decline(fileId);
  }

  cancelTransfer(fileId: string): void {
    this.files?.cancel(fileId);
  }

  /** The sender chose the file again after its page was reloaded (FILE_SOURCE_MISSING): the transfer goes on. */
  async resumeFile(fileId: string, source: FileSource): Promise<void> {
    try {
      await this.files?.provideSource(fileId, source);
    } catch (error) {
      this.fail(error, 'conversation');
    }
  }

  /** The person is done with a transfer: it leaves the list, and a received file leaves this device. */
  async discardFile(fileId: string): Promise<boolean> {
    const view = this.files?.get(fileId);
    try {
      if (view?.finishedRef) await this.options.platform.removeFinishedFile(view.finishedRef);
      await this.options.platform.removeExports?.(fileId);
      await this.files?.forget(fileId);
      // After the transfer is gone: a thumbnail kept meanwhile is removed here or by keepThumbnail's own check.
      await this.thumbnails?.remove(fileId);
      this.set({ transfers: this.s.transfers.filter((t) => t.fileId !== fileId) });
      void this.refreshStorage();
      return true;
    } catch (error) {
      this.fail(error, 'conversation');
      return false;
    }
  }

  /** Pictures up to `maxBytes` are accepted without asking (0: always ask). Kept sealed in the vault. */
  async setAutoAcceptImages(maxBytes: number): Promise<void> {
    const store = this.store;
    if (!store || !isAutoAcceptLimit(maxBytes)) return;
    try {
      await saveAutoAcceptImageBytes(store.collection(fileSettingsCollectionName), maxBytes);
      this.set({ autoAcceptImageBytes: maxBytes });
    } catch (error) {
      this.fail(error, 'settings');
    }
  }

  /** An offered picture small enough for the person's setting is accepted at once (chat/files/file-acceptance.ts;
   * previews come from the bytes: platform/image-preview.ts). */
  private autoAccept(view: TransferView): void {
    const kept = keptIncomingBytes(
      this.s.transfers.filter((t) => t.conversationId === view.peerId),
      (fileId) => this.autoAccepting.has(fileId),
    );
    const budgetBytes = this.options.autoAcceptBudgetBytes ?? defaultAutoAcceptBudgetBytes;
    if (!isAutoAccepted(view, { limitBytes: this.s.autoAcceptImageBytes, keptBytes: kept, budgetBytes })) return;
    this.autoAccepting.add(view.fileId);
    // Without room it stays offered, without a notice: the person sees the offer and why when they accept.
    void this.hasRoomFor(this.files?.storedBytes(view.fileId) ?? view.size)
      .then((room) => (room ? this.acceptFile(view.fileId) : undefined))
      .finally(() => this.autoAccepting.delete(view.fileId));
  }

  /** From the file transfers to the state. */
  private watchFiles(files: FileTransfers): void {
    this.set({ transfers: files.list().map((t) => transferView(t)) });
    const update = (view: TransferView, extra: Partial<FileTransferView> = {}): void => {
      this.set({ transfers: withTransfer(this.s.transfers, { ...transferView(view), ...extra }) });
    };
    files.on('offered', (view) => {
      update(view);
      this.autoAccept(view);
    });
    files.on('state', (view) => update(view));
    files.on('done', (view) => {
      update(view);
      void this.refreshStorage();
    });
    files.on('failed', ({ transfer, code }) => update(transfer, { code }));
    files.on('progress', (p) => {
      const current = this.s.transfers.find((t) => t.fileId === p.fileId);
      if (!current) return;
      const next = withProgress(current, p);
      this.set({ transfers: this.s.transfers.map((t) => (t.fileId === p.fileId ? next : t)) });
    });
    files.on('error', ({ code }) => this.set({ notice: { kind: 'warning', code, area: 'conversation' } }));
  }

  // -----------------------------------------------------------------------------------------------------------
  // Notices

  /** An error found outside the app's own actions (camera, scanning), shown where it happened. */
  showError(code: ErrorCode, area: NoticeArea = 'pairing'): void {
    this.set({ notice: { kind: 'error', code, area } });
  }

  dismissNotice(): void {
    this.set({ notice: undefined });
  }

  private compareSafetyNumber(digits: string): void {
    const expected = this.s.open?.safetyNumber?.join('');
    if (!expected) return this.fail(new TincanError('NO_CONVERSATION'), 'pairing');
    this.set({
      notice:
        digits === expected
          ? { kind: 'info', code: 'SAFETY_NUMBER_MATCH', area: 'conversation', conversationId: this.s.open!.id }
          : { kind: 'error', code: 'SAFETY_NUMBER_DIFFERENT', area: 'conversation', conversationId: this.s.open!.id },
    });
  }

  // -----------------------------------------------------------------------------------------------------------
  // From the messenger to the state

  private watchMessenger(messenger: Messenger): void {
    messenger.on('exchanges', (exchanges) => this.set({ exchanges: exchanges.map((e) => this.exchangeView(e)) }));
    messenger.on('exchange-failed', ({ exchange, code, link }) => {
      if (!code || code === 'CHANNEL_CLOSED') return;
      const explained =
        (code === 'ICE_FAILED' || code === 'CONNECT_TIMEOUT') && link.localFields && link.remoteFields
          ? this.modules?.explainIceFailure({
              iceServers: this.s.iceServers,
              localCandidateTypes: link.localFields.candidates.map((c) => c.type),
              remoteCandidateTypes: link.remoteFields.candidates.map((c) => c.type),
            })
          : undefined;
      const answerer = exchange.kind === 'answer' || exchange.kind === 'reconnect-answer';
      // An answerer whose inviter never answered a check: the likeliest cause is the inviter's page, not the network
      // (the answer expired, or a Firefox answerer's ICE gave up after a few seconds with no reply). What the
      // candidates say about the networks stays in the detail.
      const isInviterGone = answerer && exchange.inviterUnreachable && (code === 'CONNECT_TIMEOUT' || code === 'ICE_FAILED');
      const finalCode = isInviterGone ? 'INVITER_GONE' : (explained?.code ?? code);
      this.set({ notice: { kind: 'error', code: finalCode, area: 'pairing', ...(explained?.detail ? { detail: explained.detail } : {}) } });
    });
    messenger.on('contact', () => this.refreshConversations());
    messenger.on('connected', ({ contactId }) => {
      this.refreshConversations();
      void this.selectConversation(contactId);
    });
    messenger.on('status', (status) => {
      const runtime = this.runtimeOf(status.contactId);
      runtime.status = status;
      if (!status.online) this.setPeerTyping(status.contactId, false);
      this.refreshConversations(status.contactId);
    });
    messenger.on('added', ({ conversationId, message }) => this.handleAdded(conversationId, message));
    messenger.on('states', ({ conversationId, updates }) => {
      const open = this.s.open;
      if (open?.id === conversationId) this.set({ open: withStates(open, updates) });
      this.refreshConversations(conversationId);
    });
    messenger.on('typing', ({ conversationId, active }) => this.setPeerTyping(conversationId, active));
    messenger.on('refused', ({ conversationId }) => this.noticeFor(conversationId, 'PEER_STORAGE_FULL'));
    messenger.on('quota-reached', ({ conversationId }) => this.noticeFor(conversationId, 'CONVERSATION_FULL'));
    messenger.on('error', ({ code, conversationId }) =>
      conversationId ? this.noticeFor(conversationId, code) : this.set({ notice: { kind: 'error', code, area: 'global' } }),
    );
  }

  private handleAdded(conversationId: string, message: ChatMessage): void {
    if (message.direction === 'in') this.setPeerTyping(conversationId, false);
    const open = this.s.open;
    if (open?.id === conversationId && !open.hasNewer) {
      this.set({ open: withArrived(open, message) });
      if (message.direction === 'in' && (this.options.platform.isVisible?.() ?? true)) this.markRead(conversationId);
    }
    this.refreshConversations(conversationId);
  }

  private markRead(contactId: string): void {
    if (!this.store?.log.summary(contactId)?.unread) return;
    this.store.log.markRead(contactId);
    this.refreshConversations(contactId);
  }

  private setPeerTyping(contactId: string, active: boolean): void {
    const runtime = this.runtimeOf(contactId);
    clearTimeout(runtime.typingTimer);
    if (runtime.typing === active && !active) return;
    runtime.typing = active;
    if (active) runtime.typingTimer = setTimeout(() => this.setPeerTyping(contactId, false), typingIdleMs);
    this.refreshConversations(contactId);
  }

  private noticeFor(conversationId: string, code: ErrorCode): void {
    const name = this.store?.contacts.get(conversationId)?.displayName;
    this.set({ notice: { kind: 'warning', code, area: 'conversation', conversationId, ...(name ? { name } : {}) } });
  }

  /**
   * The conversation list, from memory only: contacts, log summaries and live status (no storage reads). With an id
   * (a message, a tick, typing, a status: every event of one conversation), only that conversation's entry is made
   * again, and the state is left alone when it did not change: the cost per event does not grow with the number of
   * contacts, and the other entries keep their objects (their views do not render again).
   */
  private refreshConversations(conversationId?: string): void {
    const store = this.store;
    if (!store || !this.profile) return;
    const facts = this.conversationFacts(store);
    const contact = conversationId === undefined ? undefined : store.contacts.get(conversationId);
    if (contact && !contact.movedTo && this.s.conversations.some((v) => v.id === conversationId)) {
      const listed = (id: string): Contact | undefined => {
        const other = store.contacts.get(id);
        return other && !other.movedTo ? other : undefined;
      };
      const next = withConversationView(this.s.conversations, this.s.unreadTotal, conversationView(contact, facts, listed));
      if (next) this.set(next);
      return;
    }
    this.set(conversationViews(facts));
  }

  private conversationFacts(store: TincanStore): ConversationFacts {
    const describePath = this.modules?.describeCandidatePath;
    return {
      contacts: store.contacts.all(),
      summary: (id) => store.log.summary(id),
      status: (id) => this.runtime.get(id)?.status,
      isOnline: (id) => this.messenger?.isOnline(id) ?? false,
      isTyping: (id) => !!this.runtime.get(id)?.typing,
      waiting: (id) => store.outbox.pendingCount(id),
      restored: this.restoredContacts,
      ...(describePath ? { describePath } : {}),
      supportsOneCodeReconnect: !!this.links?.supportsOneCodeReconnect,
    };
  }

  private exchangeView(exchange: Exchange): ExchangeView {
    const contactName = exchange.contactId ? this.store?.contacts.get(exchange.contactId)?.displayName : undefined;
    return exchangeView(exchange, this.options.pageUrl, contactName);
  }

  private runtimeOf(contactId: string): Runtime {
    let runtime = this.runtime.get(contactId);
    if (!runtime) this.runtime.set(contactId, (runtime = { typing: false }));
    return runtime;
  }

  private activeContact(): Contact | undefined {
    const id = this.s.activeId;
    return id ? this.store?.contacts.get(id) : undefined;
  }

  private async putContact(contact: Contact): Promise<void> {
    try {
      await this.store!.contacts.put(contact);
      this.refreshConversations();
    } catch (error) {
      this.fail(error, 'conversation');
    }
  }

  private async safetyNumberFor(contact: Contact): Promise<string[]> {
    const number = await safetyNumber(this.profile!.identity.publicKey, fromBase64Url(contact.pinnedKey));
    return [...number.groups];
  }

  private async withBusy(area: NoticeArea, task: () => Promise<void>): Promise<void> {
    this.set({ busy: true, notice: undefined });
    try {
      await task();
    } catch (error) {
      this.fail(error, area);
    } finally {
      this.set({ busy: false });
    }
  }

  private fail(error: unknown, area: NoticeArea): void {
    const notice: Notice = isTincanError(error)
      ? { kind: 'error', code: error.code, area }
      : { kind: 'error', code: 'UNEXPECTED', detail: toError(error).message, area };
    this.set({ notice });
  }
}
