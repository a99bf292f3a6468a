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
import { answeredCodesCollectionName, loadAnsweredCodes, rememberAnsweredCode } from '../store/answered-codes';
import { loadRemovedContacts, removedContactOf, removedContactsCollectionName, saveRemovedContact, type RemovedContact } from '../store/removed-contacts';
import { isInviteRelayAddress, parseRelayList } from '../net/relay-address';
import { iceServersFor, reachOf, toStoredIceServers, type Reach, type RTCIceServerLike } from '../store/reach';
import type { TranscriptFormat, TranscriptLabels } from '../store/transcript';
import type { AppPlatform, TabLock } from './app-platform';
import type { DeviceLinks } from '../net/device-links';
import {
  initialState,
  type AppState,
  type ExchangeView,
  type FileTransferView,
  type GroupCallView,
  type Notice,
  type NoticeArea,
} from './app-state';
import type { GroupCallState } from '../chat/group-calls';
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
const forgotten: Partial<AppState> = { profileName: undefined, activeId: undefined, open: undefined, vaultHealth: undefined, storage: undefined, call: undefined, groupCall: undefined, groupCallsGoingOn: undefined };
/** A peer's "typing" lapses after this long without news (its page may have gone away). */
const typingIdleMs = 5_000;
/** Reads of one page before giving up while new messages keep moving the window (the log asks again later). */
const pageReadAttempts = 4;

interface Runtime {
  status?: PeerStatus;
  typing: boolean;
  /** In a group: who is typing. */
  typingName?: string;
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
  /** "Save" copies being written (lock waits for them), and whether a lock is under way. */
  private readonly saves = new Set<Promise<string | undefined>>();
  private isLocking = false;
  /** Contacts the person removed (store/removed-contacts.ts), read at unlock. */
  private removedContacts: RemovedContact[] = [];
  /** Loaded at unlock (unlocked-modules.ts). */
  private modules?: UnlockedModules;
  /** The chat stack of the unlocked profile (chat/chat-core.ts); its parts below, as the actions use them. */
  private core?: ChatCore;
  private files?: FileTransfers;
  private thumbnails?: ThumbnailStore;
  /** The unlock's sweep of plaintext copies a crash left ("Save"), while it runs. */
  private sweepingExports?: Promise<unknown>;
  private links?: DeviceLinks;
  private mailbox?: InstanceType<UnlockedModules['MailboxKeeper']>;
  /** Reconnects made through a mailbox: no code to show the person (app/mailbox-keeper.ts). */
  private readonly quietExchanges = new Set<string>();
  private tabLock?: TabLock;
  /** A code that arrived (by link) before the vault was unlocked. */
  private deferred?: { text: string; source: CodeSource };
  private readonly runtime = new Map<string, Runtime>();
  private readonly restoredContacts = new Set<string>();
  /** What the contact of the open conversation was told of the person's typing; typingContactId: that contact. */
  private readonly typing = new TypingSignal();
  private typingContactId?: string;
  /** The group this page last joined, and through whom (that contact's "connected" opens the group). */
  private joinedVia?: { groupId: string; by: string };
  /** Conversations asked to be opened so far (only the last one asked for opens). */
  private selections = 0;
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
    // A "Save" under way finishes its copy first (so none is left after the copies are removed), then hands out no
    // download (the copy goes with the lock): the unlock screen says so instead of nothing.
    const wasSaving = this.saves.size > 0;
    this.isLocking = true;
    try {
      await Promise.allSettled([...this.saves]);
      await this.messenger?.flush().catch(() => undefined);
      this.leave({ sayBye: true });
      if (hasKeptFiles) await this.options.platform.removeExports?.().catch(() => undefined);
      await this.store?.lock();
    } finally {
      this.isLocking = false;
    }
    // Spreading initialState leaves its optional fields as they were: the open conversation's messages would stay
    // in memory while locked and be shown again after the next unlock instead of what the store holds. A notice
    // (a code's error, a conversation's warning) is about what the lock put away: it goes too.
    const notice: Notice | undefined = wasSaving ? { kind: 'warning', code: 'FILE_SAVE_LOCKED', area: 'welcome' } : undefined;
    this.set({ ...initialState, ...forgotten, screen: 'unlock', reachChosen: this.s.reachChosen, notice });
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
    const relaySocket = this.options.platform.relaySocket;
    const core = await modules.openChatCore({
      store,
      profile,
      links,
      fileSinks: this.options.platform.fileSinks(this.storeName),
      ...(relaySocket ? { relaySocket } : {}),
      now: this.now,
    });
    this.core = core;
    this.files = core.files;
    this.thumbnails = core.thumbnails;
    this.messenger = core.messenger;
    // Chat works without files: say why files do not.
    if (core.files) this.watchFiles(core.files);
    else this.fail(core.filesError, 'global');
    this.watchMessenger(core.messenger);
    this.watchCalls(core.messenger);
    void this.refreshStorage();
    // Plaintext copies made by "Save" are removed at lock; a crash leaves them until now.
    if (this.hasKeptFiles()) this.sweepingExports = this.options.platform.removeExports?.().catch(() => undefined);
    this.set({ autoAcceptImageBytes: await loadAutoAcceptImageBytes(store.collection(fileSettingsCollectionName)) });
    this.removedContacts = await loadRemovedContacts(store.collection(removedContactsCollectionName)).catch(() => []);
    core.messenger.pairing.rememberAnswered(await loadAnsweredCodes(store.collection(answeredCodesCollectionName)).catch(() => []));
    this.set({ screen: 'main', profileName: profile.name, iceServers, reach: reachOf(iceServers), reachChosen: saved !== undefined });
    this.refreshConversations();
    this.startMailbox(modules, store, profile, core.messenger);
    const code = this.deferred;
    this.deferred = undefined;
    if (code) await this.submitCode(code.text, code.source);
  }

  private leave({ sayBye }: { sayBye: boolean }): void {
    this.mailbox?.dispose();
    this.mailbox = undefined;
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
    this.removedContacts = [];
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

  /** Saves this device's Nostr relays from the settings box (one address a line; empty turns relays off). */
  async saveRelays(text: string): Promise<void> {
    const relays = this.messenger?.relays;
    if (!relays) return;
    const { relays: list, bad } = parseRelayList(text);
    if (bad.length) return this.set({ notice: { kind: 'error', code: 'RELAY_ADDRESS', area: 'settings', detail: bad[0]! } });
    try {
      await this.messenger!.setRelays(list);
      this.showRelays();
      this.refreshConversations();
    } catch (error) {
      this.fail(error, 'settings');
    }
  }

  /** "Use relays with …" for one contact. */
  async setUseRelays(contactId: string, use: boolean): Promise<void> {
    try {
      await this.messenger?.setUseRelays(contactId, use);
      this.refreshConversations(contactId);
    } catch (error) {
      this.fail(error, 'conversation');
    }
  }

  private showRelays(): void {
    const relays = this.messenger?.relays;
    const statuses = relays?.statuses();
    this.set({ relays: (relays?.relays() ?? []).map((url) => ({ url, status: statuses?.get(url) ?? 'connecting' })) });
  }

  /** The first-run choice, or the invite card's "Change": same network only, or anywhere (public STUN). */
  async setReach(reach: Exclude<Reach, 'custom'>): Promise<void> {
    await this.saveIceServers(iceServersFor(reach));
  }

  // -----------------------------------------------------------------------------------------------------------
  // The mailbox (docs/mailbox.md)

  private startMailbox(modules: UnlockedModules, store: TincanStore, profile: Profile, messenger: Messenger): void {
    const dial = this.options.platform.dialDirect;
    if (!dial) return;
    const keeper = new modules.MailboxKeeper({
      collection: store.collection(modules.mailboxCollectionName),
      contactMailboxes: store.collection(modules.contactMailboxesCollectionName),
      dial: (target) => dial(target),
      identity: profile.identity,
      displayName: profile.name,
      contactKeys: () => new Map(store.contacts.all().filter((c) => !c.movedTo).map((c) => [c.id, c.pinnedKey])),
      sharesMailbox: (contactId) => store.contacts.get(contactId)?.mailboxShared !== false,
      deliver: (item) => void messenger.delivery.ready.then(() => messenger.delivery.receiveCarried(item)),
      addCarrier: (carrier) => messenger.delivery.addCarrier(carrier),
      held: (member, id) => messenger.delivery.markHeld(member, [id]),
      tell: (contactId, code) => messenger.tellMailbox(contactId, code),
      isOnline: (contactId) => messenger.peers.isOnline(contactId),
      reconnectCode: async (contactId) => {
        const exchange = await messenger.reconnect(contactId);
        this.quiet(exchange, messenger);
        const cancel = (): void => messenger.pairing.cancel(exchange.id);
        if (exchange.kind === 'reconnect' && exchange.code) return { code: exchange.code, cancel };
        cancel(); // no one-code reconnect here: an ordinary invite needs an answer carried back
        return undefined;
      },
      useReconnectCode: async (_contactId, code) => {
        const canonical = normalizeCode(code);
        const decoded = decodeCode(canonical);
        // Only a reconnect code (for this device's certificate: it connects silently or not at all). The seal proved
        // it came from the contact's key, and the connection's Hello proves that key again; the contact's device may
        // have a new certificate (docs/one-code-reconnect.md §2), so the code's is not checked against the pinned one.
        if (decoded.kind !== 'invite' || !decoded.reconnectFor) throw new TincanError('CODE_NOT_TINCAN', 'not a reconnect code');
        this.quiet(await messenger.useCode(decoded, canonical), messenger);
      },
    });
    this.mailbox = keeper;
    keeper.on('status', (mailbox) => this.set({ mailbox }));
    keeper.on('error', (code) => this.showError(code, 'settings'));
    messenger.on('contact', () => keeper.tellContacts());
    messenger.on('connected', ({ contactId }) => keeper.tellContact(contactId));
    messenger.delivery.on('mailbox', ({ contactId, code }) =>
      void (code === undefined ? keeper.forget(contactId) : keeper.learn(contactId, code)).catch(() => undefined));
    void keeper.start().catch((error) => this.fail(error, 'settings'));
  }

  /** "Add mailbox": the code from the mailbox's output; the first visit makes this person its owner. */
  async addMailbox(text: string): Promise<void> {
    await this.withBusy('settings', async () => {
      await this.mailbox?.add(text);
    });
  }

  async removeMailbox(): Promise<void> {
    await this.mailbox?.remove().catch((error) => this.fail(error, 'settings'));
  }

  /** "Let <name> use my mailbox" for one contact (docs/mailbox.md §5): kept with the contact; off, the contact is told
   * to forget the code and the mailbox stops serving its key. */
  async setMailboxShared(contactId: string, shared: boolean): Promise<void> {
    try {
      await this.messenger?.setMailboxShared(contactId, shared);
      this.mailbox?.shareChanged(contactId);
      this.refreshConversations(contactId);
    } catch (error) {
      this.fail(error, 'conversation');
    }
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

  /** `consented`: the person pressed "Answer" on the invitation card, so the code is answered now.
   * `relayConsented`: that card said the answer also goes through the inviter's relays, and what they learn. */
  private async takeCode(text: string, source: CodeSource, { consented, relayConsented = false }: { consented: boolean; relayConsented?: boolean }): Promise<void> {
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
    // A code from a removed contact's device, however it came: asked first, and refused once the person refused.
    const removed = decoded.kind === 'invite' && !consented ? this.removedByCertificate(decoded.fields.fingerprint) : undefined;
    if (removed?.isRefused) return this.fail(new TincanError('RECONNECT_REFUSED', removed.id), source === 'link' ? 'global' : 'pairing');
    if (removed) {
      this.set({ invitation: { code: canonical, kind: 'reconnect', contactName: removed.name, removedAt: removed.removedAt }, notice: undefined });
      return;
    }
    // An ordinary invite from a contact's device is an old one, answered before (a new answer to it could never
    // connect), or one the contact made just now: it waits for the person, who answers it or reconnects instead.
    const knownInviter = decoded.kind === 'invite' && !decoded.reconnectFor && !consented ? this.contactByCertificate(decoded.fields.fingerprint) : undefined;
    if ((source === 'link' && decoded.kind === 'invite' && !consented) || knownInviter) {
      const contact = knownInviter ?? (decoded.kind === 'invite' && decoded.reconnectFor ? this.contactByCertificate(decoded.fields.fingerprint) : undefined);
      const relays = decoded.kind === 'invite' && this.messenger?.relays ? (decoded.relay?.addresses.filter(isInviteRelayAddress) ?? []) : [];
      this.set({
        invitation: {
          code: canonical,
          kind: decoded.kind === 'invite' && decoded.reconnectFor ? 'reconnect' : 'invite',
          ...(contact ? { contactName: contact.displayName } : {}),
          ...(knownInviter ? { knownContactId: knownInviter.id } : {}),
          ...(relays.length ? { relays } : {}),
        },
        notice: undefined,
      });
      return;
    }
    await this.useCode(decoded, canonical, { relayConsented });
  }

  /** The person agreed to answer the invite that came by link (or to take a removed contact back). */
  async acceptInvitation(): Promise<void> {
    const invitation = this.s.invitation;
    if (!invitation) return;
    this.set({ invitation: undefined });
    if (invitation.removedAt !== undefined) await this.forgetRemoval(invitation.code).catch((error) => this.fail(error, 'pairing'));
    await this.takeCode(invitation.code, 'paste', { consented: true, relayConsented: !!invitation.relays?.length });
  }

  /** "Refuse" a removed contact that wants to reconnect: this and later codes from that device are refused. */
  async refuseInvitation(): Promise<void> {
    const invitation = this.s.invitation;
    const removed = invitation && this.removedOfCode(invitation.code);
    this.deferred = undefined;
    this.set({ invitation: undefined });
    if (!removed || !this.store) return;
    const refused = { ...removed, isRefused: true };
    this.removedContacts = this.removedContacts.map((r) => (r.id === removed.id ? refused : r));
    await saveRemovedContact(this.store.collection(removedContactsCollectionName), refused).catch((error) => this.fail(error, 'pairing'));
  }

  /** The removed contact whose device made `code`, if any. */
  private removedOfCode(code: string): RemovedContact | undefined {
    try {
      const decoded = decodeCode(normalizeCode(code));
      return decoded.kind === 'invite' ? this.removedByCertificate(decoded.fields.fingerprint) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The person took a removed contact back: its entry goes. */
  private async forgetRemoval(code: string): Promise<void> {
    const removed = this.removedOfCode(code);
    if (!removed || !this.store) return;
    this.removedContacts = this.removedContacts.filter((r) => r.id !== removed.id);
    await this.store.collection(removedContactsCollectionName).remove(removed.id);
  }

  declineInvitation(): void {
    this.deferred = undefined;
    this.set({ invitation: undefined });
  }

  private async useCode(decoded: DecodedCode, canonical: string, options: { relayConsented?: boolean } = {}): Promise<void> {
    await this.pairingAction(() => this.messenger!.useCode(decoded, canonical, options));
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
    return this.store?.contacts.all().find((c) => !!c.dtlsFingerprint && !c.movedTo && isFingerprint(c.dtlsFingerprint, fingerprint));
  }

  /** A removed contact whose device certificate made the code, unless a current contact has it (taken back). */
  private removedByCertificate(fingerprint: Uint8Array): RemovedContact | undefined {
    if (this.contactByCertificate(fingerprint)) return undefined;
    return this.removedContacts.find((r) => isFingerprint(r.dtlsFingerprint, fingerprint));
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

  /** The page is going away (`pagehide`: closed, reloaded, navigated from): each connected contact is told so at once
   * (chat/messenger.ts closeSessionsOnPageExit). */
  leavePage(): void {
    this.messenger?.closeSessionsOnPageExit();
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
    // The last one asked for is the one shown (a newcomer's page opens the inviter's conversation, then the group).
    const ticket = ++this.selections;
    if (store && this.isGroup(contactId)) return this.selectGroup(contactId, ticket);
    if (!store || !store.contacts.get(contactId)) return;
    try {
      const loaded = await store.log.loadNewest(contactId, pageSize);
      if (ticket !== this.selections) return;
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

  // -----------------------------------------------------------------------------------------------------------
  // Groups (chat/group/, docs/groups.md)

  /** "Create group": the group opens, ready for "Invite to group". */
  async createGroup(name: string): Promise<void> {
    const title = normalizeDisplayName(name);
    if (!title || !this.messenger) return this.fail(new TincanError('PROFILE_INCOMPLETE'), 'global');
    try {
      const group = await this.messenger.groups.create(title);
      this.refreshConversations();
      await this.selectConversation(group.id);
    } catch (error) {
      this.fail(error, 'global');
    }
  }

  /** "Invite to group": an ordinary invite card; whoever answers it joins the open group. */
  async inviteToGroup(groupId: string): Promise<void> {
    await this.pairingAction(() => this.messenger!.inviteToGroup(groupId));
  }

  /** "Remove <name>" (where the rules allow it), or "Leave group" with the own key. */
  async removeFromGroup(groupId: string, memberKey: string): Promise<void> {
    try {
      await this.messenger?.groups.remove(groupId, memberKey);
    } catch (error) {
      this.fail(error, 'conversation');
    }
  }

  /**
   * "Safety number with <name>" in a group's members: the contact holding that member's key opens (made from the log's
   * name when this device has none yet), so the 1:1 panel shows the number and its verified mark is the one record
   * for that key. Resolves with its id once it is the active conversation; undefined for a key no contact holds any
   * more (a replaced one).
   */
  async openMemberSafetyNumber(groupId: string, memberKey: string): Promise<string | undefined> {
    try {
      const contact = await this.messenger?.contactForMember(groupId, memberKey);
      if (!contact) return undefined;
      await this.selectConversation(contact.id);
      return this.s.activeId === contact.id ? contact.id : undefined;
    } catch (error) {
      this.fail(error, 'conversation');
      return undefined;
    }
  }

  async leaveGroup(groupId: string): Promise<void> {
    const self = this.messenger?.groups.view(groupId).members.find((m) => m.isSelf);
    if (self) await this.removeFromGroup(groupId, self.key);
  }

  private isGroup(id: string): boolean {
    return !!this.messenger?.groups.views().some((g) => g.id === id);
  }

  private async selectGroup(groupId: string, ticket: number): Promise<void> {
    try {
      const loaded = await this.store!.log.loadNewest(groupId, pageSize);
      if (ticket !== this.selections) return;
      this.set({ activeId: groupId, open: { ...newestWindow(groupId, loaded.entries.map(toChatMessage), loaded.hasOlder), senders: this.sendersOf(groupId) } });
      this.markRead(groupId);
      this.refreshConversations();
    } catch (error) {
      this.fail(error, 'conversation');
    }
  }

  /** Names of a group's senders by identity key, as its log has them (members who left keep theirs). */
  private sendersOf(groupId: string): Readonly<Record<string, string>> {
    const names: Record<string, string> = { ...this.s.open?.senders };
    for (const m of this.messenger?.groups.view(groupId).members ?? []) names[m.key] = m.name;
    return names;
  }

  private contactIdOfKey(key: string): string {
    const found = this.store?.contacts.findByKey(key);
    return found?.movedTo ?? found?.id ?? key;
  }

  /** Back to the conversation list (phones). */
  closeConversation(): void {
    this.set({ activeId: undefined, open: undefined });
  }

  /** Loads the page before the oldest message shown; the window keeps at most windowSize messages. */
  async loadOlder(): Promise<void> {
    try {
      // A page read while new messages trimmed the window's front (or while another page was put there) does not
      // join it: it is read again from the window's new end.
      for (let attempt = 0; attempt < pageReadAttempts; attempt++) {
        const open = this.s.open;
        const end = olderPageEnd(open);
        if (!open || end === undefined) return;
        const loaded = await this.store!.log.loadBefore(open.id, end, pageSize);
        const current = this.s.open;
        if (current?.id !== open.id) return;
        const next = withOlder(current, end, loaded.entries.map(toChatMessage), loaded.hasOlder);
        if (next) return this.set({ open: next });
      }
    } catch (error) {
      this.fail(error, 'conversation');
    }
  }

  /** Loads the page after the newest message shown (the window was moved into the past). */
  async loadNewer(): Promise<void> {
    try {
      for (let attempt = 0; attempt < pageReadAttempts; attempt++) {
        const open = this.s.open;
        if (!open?.hasNewer) return;
        const page = newerPage(open, this.store!.log.summary(open.id)?.count ?? 0)!;
        const loaded = await this.store!.log.loadBefore(open.id, page.before, page.limit);
        const current = this.s.open;
        if (current?.id !== open.id) return;
        // Against the count now: messages stored while the page was read are still below the window.
        const next = withNewer(current, page, loaded.entries.map(toChatMessage), this.store!.log.summary(open.id)?.count ?? 0);
        if (next) return this.set({ open: next });
      }
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

  /** Whether members of a group shared with this contact may hold messages for it while it is away (opt-in). */
  heldViaMembers(contactId: string): boolean {
    return this.messenger?.heldViaMembers(contactId) ?? false;
  }

  async setHeldViaMembers(contactId: string, on: boolean): Promise<void> {
    try {
      await this.messenger?.setHeldViaMembers(contactId, on);
    } catch (error) {
      this.fail(error, 'conversation');
    }
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
      const removed = this.store!.contacts.get(contactId);
      await this.store!.contacts.remove(contactId);
      // Kept, so this contact's codes ask before they bring the contact back.
      const entry = removed && removedContactOf(removed, this.now());
      if (entry) {
        this.removedContacts = [...this.removedContacts.filter((r) => r.id !== entry.id), entry];
        await saveRemovedContact(this.store!.collection(removedContactsCollectionName), entry);
      }
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

  /** Offers a file (picked, dropped or pasted) to the open conversation's contact; it goes when they accept. In a
   * group it is offered in a group message, which members get as any message (also later), and each member takes it
   * from a member who has it (chat/files/group-file.ts). Resolves with the transfer's id once the offer is made (the
   * UI keeps the file for a preview of its own). */
  async sendFile(source: FileSource, name: string, mime: string): Promise<string | undefined> {
    const contactId = this.s.activeId;
    if (!contactId || !this.files || !this.messenger) return void this.fail(new TincanError('NO_CONVERSATION'), 'composer');
    if (this.isGroup(contactId)) {
      try {
        return (await this.messenger.sendFileToGroup(contactId, source, name, mime)).fileId;
      } catch (error) {
        this.fail(error, 'composer');
        return undefined;
      }
    }
    const conversation = this.messenger.conversationIdOf(contactId);
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
  async acceptFile(fileId: string, sink?: FileSink, options: { readonly asPicture?: boolean } = {}): Promise<void> {
    try {
      const stored = this.files?.storedBytes(fileId);
      if (stored !== undefined && !(await this.hasRoomFor(stored))) throw new TincanError('FILE_NO_ROOM', `${stored} bytes to keep`);
      await this.files?.accept(fileId, sink, options);
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
    if (this.isLocking) return undefined;
    const saving = this.copyForSave(fileId);
    this.saves.add(saving);
    try {
      const url = await saving;
      return this.isLocking ? undefined : url;
    } finally {
      this.saves.delete(saving);
    }
  }

  private async copyForSave(fileId: string): Promise<string | undefined> {
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

  /** An offered picture small enough for the person's setting is accepted at once (chat/files/file-acceptance.ts),
   * as a picture: if its first bytes are not one, the person is asked (incoming-transfer.ts); previews come from the
   * decoded bytes (platform/image-preview.ts). */
  private autoAccept(view: TransferView): void {
    const kept = keptIncomingBytes(
      this.s.transfers.filter((t) => t.conversationId === (view.group ?? view.peerId)),
      (fileId) => this.autoAccepting.has(fileId),
    );
    const budgetBytes = this.options.autoAcceptBudgetBytes ?? defaultAutoAcceptBudgetBytes;
    if (!isAutoAccepted(view, { limitBytes: this.s.autoAcceptImageBytes, keptBytes: kept, budgetBytes })) return;
    this.autoAccepting.add(view.fileId);
    // Without room it stays offered, without a notice: the person sees the offer and why when they accept.
    void this.hasRoomFor(this.files?.storedBytes(view.fileId) ?? view.size)
      .then((room) => (room ? this.acceptFile(view.fileId, undefined, { asPicture: true }) : undefined))
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
  // Calls (chat/calls.ts holds their state; docs/calls.md)

  /** "Voice call" / "Video call" in the open conversation (a group's: a group call): the microphone (and camera) are
   * asked for now. */
  async startCall(video: boolean): Promise<void> {
    const contactId = this.s.activeId;
    if (!contactId || !this.messenger) return;
    const isGroup = !!this.s.conversations.find((c) => c.id === contactId)?.group;
    const calls = isGroup ? this.messenger.groupCalls : this.messenger.calls;
    await calls.start(contactId, video).catch((error: unknown) => this.fail(error, 'conversation'));
  }

  /** "Join call" in the open group's conversation: this device joins the group's call going on (it left, declined or
   * missed it); the microphone (and camera) are asked for now. */
  async joinGroupCall(): Promise<void> {
    const groupId = this.s.activeId;
    if (!groupId || !this.messenger) return;
    await this.messenger.groupCalls.join(groupId).catch((error: unknown) => this.fail(error, 'conversation'));
  }

  /** The calls of the call going on: a group's, or two people's. */
  private get ongoingCalls(): Messenger['calls'] | Messenger['groupCalls'] | undefined {
    return this.s.groupCall ? this.messenger?.groupCalls : this.messenger?.calls;
  }

  /** "Accept call": the microphone (and camera) are asked for now. */
  async acceptCall(): Promise<void> {
    await this.ongoingCalls?.accept();
  }

  declineCall(): void {
    this.ongoingCalls?.decline();
  }

  endCall(): void {
    this.ongoingCalls?.hangUp();
  }

  setCallMuted(muted: boolean): void {
    this.ongoingCalls?.setMuted(muted);
  }

  async setCameraOff(off: boolean): Promise<void> {
    await this.ongoingCalls?.setCameraOff(off).catch((error: unknown) => this.fail(error, 'conversation'));
  }

  async switchCamera(): Promise<void> {
    await this.messenger?.calls.switchCamera().catch((error: unknown) => this.fail(error, 'conversation'));
  }

  private watchCalls(messenger: Messenger): void {
    const { calls } = messenger;
    calls.on('call', (call) => {
      const name = call && this.store?.contacts.get(call.contactId)?.displayName;
      this.set({ call: call && { ...call, name: name ?? '' } });
    });
    calls.on('notice', ({ contactId, code }) => this.noticeFor(contactId, code));
    calls.on('record', ({ contactId, message }) => this.handleAdded(contactId, message));
    // Group calls (chat/group-calls.ts): each member's tile is named from the group's member list by its key.
    const { groupCalls } = messenger;
    groupCalls.on('call', (call) => this.set({ groupCall: call && this.groupCallView(messenger, call) }));
    groupCalls.on('notice', ({ groupId, code }) => this.noticeFor(groupId, code));
    groupCalls.on('record', ({ conversationId, message }) => this.handleAdded(conversationId, message));
    groupCalls.on('going-on', (calls) => this.set({ groupCallsGoingOn: calls }));
  }

  private groupCallView(messenger: Messenger, call: GroupCallState): GroupCallView {
    const group = messenger.groups.views().find((g) => g.id === call.groupId);
    const nameOf = (key: string) => group?.members.find((m) => m.key === key)?.name ?? '';
    return { ...call, name: group?.name ?? '', members: call.members.map((m) => ({ ...m, name: nameOf(m.key) })) };
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
    // Automatic reconnects through relays (chat/relay-reconnect.ts) and through a mailbox have nothing to show or
    // send by hand.
    messenger.on('exchanges', (exchanges) => this.showExchanges(exchanges));
    messenger.pairing.on('answered', ({ inviteText }) => {
      if (this.store) void rememberAnsweredCode(this.store.collection(answeredCodesCollectionName), inviteText, this.now()).catch(() => undefined);
    });
    messenger.on('exchange-failed', ({ exchange, code, link }) => {
      if (!code || code === 'CHANNEL_CLOSED' || exchange.automatic || this.quietExchanges.has(exchange.id)) return;
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
    messenger.on('relay-answer-refused', ({ exchangeId, tell }) => {
      if (tell && this.s.exchanges.some((e) => e.id === exchangeId)) this.set({ notice: { kind: 'error', code: 'RELAY_ANSWER_REFUSED', area: 'pairing' } });
    });
    messenger.on('contact', () => this.refreshConversations());
    messenger.relays?.on('relays', () => this.showRelays());
    messenger.relays?.on('contact', ({ contactId }) => this.refreshConversations(contactId));
    this.showRelays();
    messenger.on('connected', ({ contactId, groupId, automatic }) => {
      this.refreshConversations();
      if (automatic) return;
      // A newcomer's page may take in the group's log (and open the group) before its link is reported connected.
      const joined = this.joinedVia?.by === contactId ? this.joinedVia.groupId : undefined;
      void this.selectConversation(groupId ?? joined ?? contactId);
    });
    messenger.groups.on('changed', (group) => {
      this.refreshConversations();
      const open = this.s.open;
      if (open?.id === group.id) this.set({ open: { ...open, senders: this.sendersOf(group.id) } });
    });
    messenger.groups.on('joined', ({ groupId, by }) => {
      this.joinedVia = { groupId, by };
      void this.selectConversation(groupId);
    });
    messenger.groups.on('introduction-refused', ({ groupId, name }) =>
      this.set({ notice: { kind: 'error', code: 'GROUP_INTRO_TAMPERED', area: 'conversation', conversationId: groupId, name } }),
    );
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
    messenger.on('typing', ({ conversationId, active, from }) => this.setPeerTyping(conversationId, active, from));
    messenger.on('reach', ({ contactId }) => this.refreshConversations(contactId));
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

  private setPeerTyping(contactId: string, active: boolean, from?: string): void {
    const runtime = this.runtimeOf(contactId);
    clearTimeout(runtime.typingTimer);
    if (runtime.typing === active && !active) return;
    runtime.typing = active;
    runtime.typingName = active && from && from !== contactId ? this.store?.contacts.get(from)?.displayName : undefined;
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
    // A group's entry shows its members' connections: a member's event remakes the whole list.
    const inGroup = conversationId !== undefined && this.s.conversations.some((v) => v.group?.members.some((m) => !m.isSelf && this.contactIdOfKey(m.key) === conversationId));
    if (contact && !contact.movedTo && !inGroup && this.s.conversations.some((v) => v.id === conversationId)) {
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
      reachedVia: (id) => this.messenger?.reachedVia(id),
      isTyping: (id) => !!this.runtime.get(id)?.typing,
      waiting: (id) => store.outbox.pendingCount(id),
      restored: this.restoredContacts,
      ...(describePath ? { describePath } : {}),
      supportsOneCodeReconnect: !!this.links?.supportsOneCodeReconnect,
      groups: this.messenger?.groups.views() ?? [],
      typingIn: (groupId) => {
        const runtime = this.runtime.get(groupId);
        return runtime?.typing ? runtime.typingName : undefined;
      },
      ...(this.messenger?.relays ? { relays: (id: string) => this.messenger!.relays!.contactView(id) } : {}),
    };
  }

  private showExchanges(exchanges: readonly Exchange[]): void {
    this.set({ exchanges: exchanges.filter((e) => !e.automatic && !this.quietExchanges.has(e.id)).map((e) => this.exchangeView(e)) });
  }

  /** An exchange made through a mailbox: kept off screen. */
  private quiet(exchange: Exchange | undefined, messenger: Messenger): void {
    if (!exchange) return;
    this.quietExchanges.add(exchange.id);
    this.showExchanges(messenger.pairing.exchanges());
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

/** Whether a pinned fingerprint (base64url) is `fingerprint`. */
function isFingerprint(pinned: string, fingerprint: Uint8Array): boolean {
  try {
    const bytes = fromBase64Url(pinned);
    return bytes.length === fingerprint.length && bytes.every((b, i) => b === fingerprint[i]);
  } catch {
    return false;
  }
}
