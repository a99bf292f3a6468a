// Fixtures for the UI's component tests: app states of every screen, and a stand-in for the app facade that keeps
// a real StateStore and records every action the shell calls (the UI is tested against AppState; the app itself has
// its own tests). Plus the page-level checks every screen must pass: axe-core, no horizontal overflow, controls of
// at least 44 px, and a screenshot compared with its approved image.
import { emulateMedia, executeServerCommand, setViewport } from '@web/test-runner-commands';
import { initialState, type AppState, type ChatMessage, type ConversationView, type ExchangeView, type FileTransferView } from '../../../src/app/app-state';
import { StateStore } from '../../../src/app/state-store';
import type { FileSource } from '../../../src/chat/files/file-io';
import type { Thumbnail } from '../../../src/chat/files/thumbnail-store';
import type { AppFacade, TincanShell } from '../../../src/ui/tincan-shell';
import '../../../src/ui/tincan-shell';

export const now = Date.now();

export function conversation(patch: Partial<ConversationView> & { id: string; name: string }): ConversationView {
  return {
    verified: false,
    unread: 0,
    lastSeen: now - 60_000,
    connection: 'offline',
    typing: false,
    waiting: 0,
    oneCodeReconnect: true,
    dropped: 0,
    relaysAvailable: false,
    useRelays: false,
    mailboxShared: true,
    ...patch,
  };
}

let messageCounter = 0;

/** A message with a fresh 16-character id. */
export function message(patch: Partial<ChatMessage> = {}): ChatMessage {
  messageCounter++;
  return {
    id: `m${String(messageCounter).padStart(15, '0')}`,
    direction: 'in',
    text: `Message ${messageCounter}`,
    sentAt: now - 3_600_000 + messageCounter * 1000,
    state: 'delivered',
    index: messageCounter,
    ...patch,
  };
}

export function messages(count: number, patch: (i: number) => Partial<ChatMessage> = () => ({})): ChatMessage[] {
  return Array.from({ length: count }, (_, i) => message({ direction: i % 3 === 0 ? 'out' : 'in', ...patch(i) }));
}

export const bob = conversation({ id: 'bob', name: 'Bob', connection: 'online', path: 'on the same network', verified: true, lastText: 'See you at 6' });
/** A group of four: this device created it, so it may remove anyone. */
export const climbers = conversation({
  id: 'g:AAAAAAAAAAAAAAAAAAAAAA',
  name: 'Climbers',
  connection: 'online',
  oneCodeReconnect: false,
  lastText: 'Rope is packed',
  group: {
    isMember: true,
    isFull: false,
    tooBigToCall: false,
    members: [
      { key: 'K-alice', name: 'Alice', isSelf: true, online: false, canRemove: false, addedByName: 'Alice', verified: false, nameHadOtherKey: false },
      { key: 'K-bob', name: 'Bob', isSelf: false, online: true, canRemove: true, addedByName: 'Alice', verified: true, nameHadOtherKey: false },
      { key: 'K-carol', name: 'Carol', isSelf: false, online: false, canRemove: true, addedByName: 'Bob', verified: false, nameHadOtherKey: false },
      { key: 'K-dave-with-a-rather-long-name', name: 'Dave Longname-Mountaineer', isSelf: false, online: true, canRemove: true, addedByName: 'Carol', verified: false, nameHadOtherKey: false },
    ],
  },
});

export const carol = conversation({ id: 'carol', name: 'Carol', unread: 2, lastText: 'Did you get my photo?', closedByPeer: true, waiting: 2 });

let transferCounter = 0;

/** A file transfer of Bob's conversation with a fresh 16-character id (an OPFS-safe name). */
export function transfer(patch: Partial<FileTransferView> = {}): FileTransferView {
  transferCounter++;
  return {
    fileId: `f${String(transferCounter).padStart(15, '0')}`,
    conversationId: 'bob',
    direction: 'in',
    name: `file-${transferCounter}.pdf`,
    size: 50_000_000,
    mime: 'application/pdf',
    state: 'offered',
    bytes: 0,
    createdAt: now - 60_000 + transferCounter,
    ...patch,
  };
}

/** Transfers in every state that looks different, for the screens test. */
export const transfersOfEveryKind: readonly FileTransferView[] = [
  transfer({ name: 'holiday-photos-2031-the-whole-week-at-the-lake-with-everyone-in-it.zip', mime: 'application/zip', size: 734_003_200 }),
  transfer({ name: 'report.pdf', state: 'transferring', bytes: 21_400_000, bytesPerSecond: 19_800_000, secondsLeft: 2 }),
  transfer({ name: 'slides.key', direction: 'out', state: 'interrupted', code: 'FILE_CONNECTION_LOST', bytes: 12_000_000, mime: '' }),
  transfer({ name: 'notes.txt', direction: 'out', state: 'offered', size: 2_345, mime: 'text/plain' }),
  transfer({ name: 'video.mp4', state: 'failed', code: 'FILE_HASH_MISMATCH', bytes: 50_000_000, mime: 'video/mp4' }),
  transfer({ name: 'big.iso', direction: 'out', state: 'failed', code: 'FILE_DISK_FULL', bytes: 3_000_000 }),
  transfer({ name: 'draft.docx', direction: 'out', state: 'declined', code: 'FILE_DECLINED', size: 80_000 }),
  transfer({ name: 'scan.png', state: 'done', bytes: 1_200_000, size: 1_200_000, mime: 'image/png', finishedRef: 'opfs:zzzzzzzzzzzzzzzz' }),
];

const inviteCode = '7Q2K9M4XH8W3J6F1R5T0VBNC2D8G4L7P9Z3Y6A1S5E0U2I8O4QW7ER3TY9UI6OP2ASDF5GHJ8KL0ZXC4VBN1MQ7';

export const inviteWaiting: ExchangeView = {
  id: 'x1',
  kind: 'invite',
  state: 'waiting-for-answer',
  code: inviteCode,
  link: `https://example.github.io/tincan/#${inviteCode}`,
  createdAt: now,
};

export const answerWaiting: ExchangeView = {
  id: 'x2',
  kind: 'answer',
  state: 'waiting-for-inviter',
  code: inviteCode.split('').reverse().join(''),
  createdAt: now,
  validUntil: Date.now() + 19 * 60_000,
  inviterUnreachable: true,
};

export const mainState: AppState = {
  ...initialState,
  screen: 'main',
  profileName: 'Alice',
  reach: 'anywhere',
  reachChosen: true,
};

/** Every screen the tests look at, by name. */
export const screens: Record<string, AppState> = {
  loading: initialState,
  setup: { ...initialState, screen: 'setup' },
  'setup-invited': { ...initialState, screen: 'setup', invitation: { code: inviteCode, kind: 'invite' } },
  'setup-error': { ...initialState, screen: 'setup', notice: { kind: 'error', code: 'PASSPHRASE_MISMATCH', area: 'welcome' } },
  unlock: { ...initialState, screen: 'unlock' },
  'unlock-error': { ...initialState, screen: 'unlock', notice: { kind: 'error', code: 'WRONG_PASSPHRASE', area: 'welcome' } },
  elsewhere: { ...initialState, screen: 'elsewhere' },
  unavailable: { ...initialState, screen: 'unavailable', notice: { kind: 'error', code: 'STORAGE_UNAVAILABLE', area: 'global' } },
  home: mainState,
  'home-conversations': { ...mainState, conversations: [carol, bob], unreadTotal: 2 },
  'home-vault-health': { ...mainState, conversations: [bob], vaultHealth: { restoredOlder: true, damagedRecords: 3 } },
  'home-global-error': { ...mainState, notice: { kind: 'error', code: 'UNEXPECTED', detail: 'TypeError: x is undefined', area: 'global' } },
};

/** Screens past home: reached by the route (the shell's own place), set up by the test. */
export const deepScreens: Record<string, { state: AppState; view: 'pair' | 'chat' | 'contact' | 'settings' }> = {
  pair: { state: mainState, view: 'pair' },
  'pair-invite': { state: { ...mainState, exchanges: [inviteWaiting] }, view: 'pair' },
  'pair-answer': { state: { ...mainState, exchanges: [answerWaiting] }, view: 'pair' },
  'pair-invited': { state: { ...mainState, invitation: { code: inviteCode, kind: 'reconnect', contactName: 'Bob' } }, view: 'pair' },
  'pair-error': {
    state: { ...mainState, exchanges: [inviteWaiting], notice: { kind: 'error', code: 'CODE_CHECKSUM', area: 'pairing' } },
    view: 'pair',
  },
  chat: {
    state: {
      ...mainState,
      conversations: [bob, carol],
      activeId: 'bob',
      open: { id: 'bob', messages: messages(30, (i) => (i === 5 ? { text: 'Look: https://example.org/a_(b) and more.' } : {})), hasOlder: true, hasNewer: false },
    },
    view: 'chat',
  },
  'chat-group': {
    state: {
      ...mainState,
      conversations: [climbers, bob, carol],
      activeId: climbers.id,
      open: {
        id: climbers.id,
        messages: [
          message({ from: 'K-bob', text: 'Rope is packed' }),
          message({ from: 'K-carol', text: 'Bringing snacks' }),
          message({ direction: 'out', state: 'sent', delivery: { acknowledged: 1, members: 3 }, text: 'See you at the wall' }),
        ],
        hasOlder: false,
        hasNewer: false,
        senders: { 'K-bob': 'Bob', 'K-carol': 'Carol' },
      },
    },
    view: 'chat',
  },
  'chat-offline': {
    state: {
      ...mainState,
      conversations: [bob, carol],
      activeId: 'carol',
      open: { id: 'carol', messages: messages(4, (i) => (i === 3 ? { direction: 'out', state: 'waiting' } : {})), hasOlder: false, hasNewer: false },
      notice: { kind: 'warning', code: 'PEER_STORAGE_FULL', name: 'Carol', area: 'conversation' },
    },
    view: 'chat',
  },
  'chat-files': {
    state: {
      ...mainState,
      conversations: [bob, carol],
      activeId: 'bob',
      open: { id: 'bob', messages: messages(6), hasOlder: false, hasNewer: false },
      transfers: transfersOfEveryKind,
    },
    view: 'chat',
  },
  'chat-files-offline': {
    state: {
      ...mainState,
      conversations: [bob, carol],
      activeId: 'carol',
      open: { id: 'carol', messages: messages(2), hasOlder: false, hasNewer: false },
      transfers: [transfer({ conversationId: 'carol', name: 'photo.jpg', state: 'interrupted', code: 'FILE_CONNECTION_LOST', bytes: 4_000_000, size: 9_000_000, mime: 'image/jpeg' })],
      notice: { kind: 'error', code: 'FILE_NEEDS_CONNECTION', area: 'composer' },
    },
    view: 'chat',
  },
  'chat-lookalike': {
    state: {
      ...mainState,
      conversations: [conversation({ id: 'bob2', name: 'Bоb', lookalikeOf: { id: 'bob', name: 'Bob' }, connection: 'online' }), bob],
      activeId: 'bob2',
      open: { id: 'bob2', messages: [message({ text: 'Hi, it is me, Bob, on my new phone' })], hasOlder: false, hasNewer: false },
    },
    view: 'chat',
  },
  contact: {
    state: {
      ...mainState,
      conversations: [conversation({ id: 'bob', name: 'Bob', connection: 'online', path: 'through NAT', keyChangedAt: now - 86_400_000, restoredOlder: true, dropped: 4 })],
      activeId: 'bob',
      open: {
        id: 'bob',
        messages: [],
        hasOlder: false,
        hasNewer: false,
        safetyNumber: ['12345', '67890', '12345', '67890', '12345', '67890', '12345', '67890', '12345', '67890', '12345', '67890'],
      },
    },
    view: 'contact',
  },
  settings: { state: { ...mainState, conversations: [bob], iceServers: [{ urls: 'stun:stun.l.google.com:19302' }], autoAcceptImageBytes: 5_000_000 }, view: 'settings' },
  // Last, so the messages of the screens above keep their numbers (their approved screenshots show them).
  // A voice call with Bob going on, his conversation open: full-screen on a phone; on a wide screen docked over the
  // conversation, its newest messages and the composer under it.
  'chat-call': {
    state: {
      ...mainState,
      conversations: [bob, carol],
      activeId: 'bob',
      open: { id: 'bob', messages: messages(30), hasOlder: true, hasNewer: false },
      call: { id: 'AAAAAAAAAAAAAAAAAAAAAA', contactId: 'bob', name: 'Bob', video: false, direction: 'out', phase: 'in-call', muted: false, cameraOff: true },
    },
    view: 'chat',
  },
};

type Call = [name: string, args: unknown[]];

/** Stands in for TincanApp: the state is a real StateStore; actions are recorded, and may be scripted by a test. */
export class FixtureApp implements AppFacade {
  readonly state: StateStore<AppState>;
  readonly calls: Call[] = [];
  /** Optional behaviour per action (e.g. newInvite puts an exchange into the state). */
  readonly script: Partial<Record<string, (...args: never[]) => unknown>> = {};

  constructor(state: AppState) {
    this.state = new StateStore<AppState>(state);
  }

  set(patch: Partial<AppState>): void {
    this.state.set(patch);
  }

  private call(name: string, args: unknown[]): unknown {
    this.calls.push([name, args]);
    const scripted = this.script[name] as ((...a: unknown[]) => unknown) | undefined;
    return scripted?.(...args);
  }

  called(name: string): unknown[][] {
    return this.calls.filter(([n]) => n === name).map(([, args]) => args);
  }

  async useHere() { this.call('useHere', []); }
  passphraseWeakness(passphrase: string) {
    this.call('passphraseWeakness', [passphrase]);
    return passphrase && passphrase.length < 8 ? ('too-short' as const) : undefined;
  }
  async createProfile(name: string, passphrase: string, repeat: string, reach?: 'local' | 'anywhere' | 'custom') {
    await this.call('createProfile', [name, passphrase, repeat, reach]);
  }
  async unlock(passphrase: string) { await this.call('unlock', [passphrase]); }
  async importBackup(file: Uint8Array, passphrase: string) { await this.call('importBackup', [file, passphrase]); }
  async exportBackup() { this.call('exportBackup', []); return undefined; }
  async changePassphrase(oldPassphrase: string, newPassphrase: string, repeat: string) {
    this.call('changePassphrase', [oldPassphrase, newPassphrase, repeat]);
    return true;
  }
  async forgetDevice() { this.call('forgetDevice', []); }
  async lock() { this.call('lock', []); }
  async acknowledgeVaultHealth() { this.call('acknowledgeVaultHealth', []); }
  async saveIceServers(servers: readonly { urls: string | readonly string[] }[]) { this.call('saveIceServers', [servers]); }
  async setReach(reach: 'local' | 'anywhere') { this.call('setReach', [reach]); }
  async addMailbox(text: string) { this.call('addMailbox', [text]); }
  async removeMailbox() { this.call('removeMailbox', []); }
  async newInvite() { await this.call('newInvite', []); }
  async reconnect(contactId: string) { await this.call('reconnect', [contactId]); }
  async createGroup(name: string) { await this.call('createGroup', [name]); }
  async inviteToGroup(groupId: string) { await this.call('inviteToGroup', [groupId]); }
  async leaveGroup(groupId: string) { await this.call('leaveGroup', [groupId]); }
  async removeFromGroup(groupId: string, memberKey: string) { await this.call('removeFromGroup', [groupId, memberKey]); }
  async openMemberSafetyNumber(groupId: string, memberKey: string) {
    const opened = await this.call('openMemberSafetyNumber', [groupId, memberKey]);
    return typeof opened === 'string' ? opened : undefined;
  }
  cancelExchange(exchangeId: string) { this.call('cancelExchange', [exchangeId]); }
  async submitCode(text: string, source: 'paste' | 'scan' | 'link' = 'paste') { await this.call('submitCode', [text, source]); }
  async acceptInvitation() { await this.call('acceptInvitation', []); }
  declineInvitation() { this.call('declineInvitation', []); }
  async refuseInvitation() { await this.call('refuseInvitation', []); }
  async sendMessage(text: string) { await this.call('sendMessage', [text]); return true; }
  setTyping(active: boolean) { this.call('setTyping', [active]); }
  async selectConversation(contactId: string) { await this.call('selectConversation', [contactId]); }
  closeConversation() {
    this.call('closeConversation', []);
    this.set({ activeId: undefined, open: undefined });
  }
  async loadOlder() { await this.call('loadOlder', []); }
  async loadNewer() { await this.call('loadNewer', []); }
  async setVerified(verified: boolean) { this.call('setVerified', [verified]); }
  async saveRelays(text: string) { this.call('saveRelays', [text]); }
  async setUseRelays(conversationId: string, use: boolean) { this.call('setUseRelays', [conversationId, use]); }
  async setMailboxShared(conversationId: string, shared: boolean) { this.call('setMailboxShared', [conversationId, shared]); }
  async moveToNewDevice() { this.call('moveToNewDevice', []); }
  async confirmDifferentPerson() { this.call('confirmDifferentPerson', []); }
  async deleteConversation(contactId: string) { this.call('deleteConversation', [contactId]); }
  async exportTranscript(contactId: string, format: 'text' | 'markdown', labels: unknown) {
    this.call('exportTranscript', [contactId, format, labels]);
    return undefined;
  }
  disconnect(contactId: string) { this.call('disconnect', [contactId]); }
  async startCall(video: boolean) { this.call('startCall', [video]); }
  async acceptCall() { this.call('acceptCall', []); }
  async joinGroupCall() { this.call('joinGroupCall', []); }
  declineCall() { this.call('declineCall', []); }
  endCall() { this.call('endCall', []); }
  setCallMuted(muted: boolean) { this.call('setCallMuted', [muted]); }
  async setCameraOff(off: boolean) { this.call('setCameraOff', [off]); }
  async switchCamera() { this.call('switchCamera', []); }
  async sendFile(source: unknown, name: string, mime: string) { return (await this.call('sendFile', [source, name, mime])) as string | undefined; }
  async acceptFile(fileId: string) { await this.call('acceptFile', [fileId]); }
  declineFile(fileId: string) { this.call('declineFile', [fileId]); }
  cancelTransfer(fileId: string) { this.call('cancelTransfer', [fileId]); }
  async discardFile(fileId: string) { await this.call('discardFile', [fileId]); return true; }
  async resumeFile(fileId: string, source: unknown) { await this.call('resumeFile', [fileId, source]); }
  async setAutoAcceptImages(maxBytes: number) { this.call('setAutoAcceptImages', [maxBytes]); }
  async saveFile(fileId: string) { return (await this.call('saveFile', [fileId])) as string | undefined; }
  async openReceivedFile(fileId: string) { return (await this.call('openReceivedFile', [fileId])) as FileSource | undefined; }
  async thumbnail(fileId: string) { return (await this.call('thumbnail', [fileId])) as Thumbnail | undefined; }
  async keepThumbnail(fileId: string, thumbnail: Thumbnail) { await this.call('keepThumbnail', [fileId, thumbnail]); }
  showError(code: string, area?: string) { this.call('showError', [code, area]); }
  dismissNotice() {
    this.call('dismissNotice', []);
    this.set({ notice: undefined });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Page helpers

let appCss: HTMLLinkElement | undefined;

/** The page's own stylesheet (colours, body), as index.html loads it. */
export async function loadAppCss(): Promise<void> {
  if (appCss) return;
  // What index.html sets on the page itself.
  document.documentElement.lang = 'en';
  document.body.style.margin = '0';
  appCss = document.createElement('link');
  appCss.rel = 'stylesheet';
  appCss.href = '/public/app.css';
  const loaded = new Promise((resolve) => appCss!.addEventListener('load', resolve, { once: true }));
  document.head.append(appCss);
  await loaded;
}

export async function mountShell(app: FixtureApp): Promise<TincanShell> {
  await loadAppCss();
  const shell = document.createElement('tc-tincan-shell');
  shell.app = app;
  document.body.append(shell);
  await settle(shell);
  return shell;
}

/** Waits until the shell and everything under it rendered (lazy chunks included), and a frame went by. */
export async function settle(root: Element = document.body): Promise<void> {
  // Lazily loaded components (settings, contact panel, QR code, scanner) upgrade once their chunk arrives, and one may
  // appear only once another has rendered (the pairing screen's scanner): render, then look for one still waiting.
  for (let waitedMs = 0; waitedMs < 5000; waitedMs += 50) {
    for (let round = 0; round < 4; round++) {
      await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
      const pending = allElements(root).filter((el): el is Element & { updateComplete: Promise<unknown> } => 'updateComplete' in el);
      await Promise.all(pending.map((el) => el.updateComplete));
    }
    if (!allElements(root).some((el) => el.localName.startsWith('tc-') && !customElements.get(el.localName))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every element under root, through open shadow roots. */
export function allElements(root: Element | ShadowRoot | Document): Element[] {
  const found: Element[] = [];
  const visit = (node: Element | ShadowRoot | Document) => {
    for (const el of node.querySelectorAll('*')) {
      found.push(el);
      if (el.shadowRoot) visit(el.shadowRoot);
    }
  };
  visit(root);
  if (root instanceof Element && root.shadowRoot) visit(root.shadowRoot);
  return found;
}

export function isVisible(el: Element): boolean {
  const box = el.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) return false;
  const style = getComputedStyle(el);
  return style.visibility !== 'hidden' && style.display !== 'none';
}

/** The accessible-ish name of a control (aria-label, label, text), good enough to find it in tests. */
export function nameOf(el: Element): string {
  const label = el.getAttribute('aria-label');
  if (label) return label.trim();
  const root = el.getRootNode() as Document | ShadowRoot;
  if (el.id) {
    const forLabel = root.querySelector(`label[for="${el.id}"]`);
    if (forLabel) return (forLabel.textContent ?? '').replace(/\s+/g, ' ').trim();
  }
  const wrapping = el.closest('label');
  if (wrapping) return (wrapping.textContent ?? '').replace(/\s+/g, ' ').trim();
  return (el.textContent ?? '').replace(/\s+/g, ' ').trim();
}

/** A visible control by role-ish selector and name, through shadow roots. */
export function control<T extends HTMLElement = HTMLElement>(root: Element, selector: string, name: string | RegExp): T {
  const found = allElements(root).find(
    (el) => el.matches(selector) && isVisible(el) && (typeof name === 'string' ? nameOf(el) === name : name.test(nameOf(el))),
  );
  if (!found) throw new Error(`no visible ${selector} named ${String(name)}`);
  return found as T;
}

export const button = (root: Element, name: string | RegExp) => control<HTMLButtonElement>(root, 'button, a.button', name);
export const textbox = (root: Element, name: string | RegExp) => control<HTMLInputElement | HTMLTextAreaElement>(root, 'textarea, input', name);

/** Elements that stick out of the viewport sideways (the page would scroll sideways on a phone). */
export function horizontalOverflow(root: Element): string[] {
  const width = document.documentElement.clientWidth;
  const problems: string[] = [];
  if (document.documentElement.scrollWidth > width) problems.push(`page scrollWidth ${document.documentElement.scrollWidth} > ${width}`);
  for (const el of allElements(root)) {
    if (!isVisible(el) || el.closest('.sr-only') || el.classList.contains('sr-only')) continue;
    const box = el.getBoundingClientRect();
    if (box.right > width + 0.5 || box.left < -0.5) problems.push(`${el.localName}.${el.className}: ${Math.round(box.left)}..${Math.round(box.right)}`);
  }
  return problems;
}

/** Visible controls smaller than a 44 × 44 px touch target (a radio or checkbox counts by its label's row). */
export function smallControls(root: Element, minPx = 44): string[] {
  const problems: string[] = [];
  for (const el of allElements(root)) {
    if (!el.matches('button, a[href], input, textarea, select, [role=button]') || !isVisible(el)) continue;
    if (el.closest('.sr-only')) continue;
    let box = el.getBoundingClientRect();
    if (el.matches('input[type=radio], input[type=checkbox]')) {
      const row = el.closest('label, .choice');
      if (!row) {
        problems.push(`${nameOf(el)}: a choice without a label row`);
        continue;
      }
      box = row.getBoundingClientRect();
      if (box.height < minPx) problems.push(`${nameOf(el)}: row ${Math.round(box.width)}x${Math.round(box.height)}`);
      continue;
    }
    // A link inside running text (a message) is not a control of its own.
    if (el.matches('a[href]:not(.button)') && el.closest('p')) continue;
    if (box.width < minPx - 0.5 || box.height < minPx - 0.5) problems.push(`${el.localName} "${nameOf(el)}": ${Math.round(box.width)}x${Math.round(box.height)}`);
  }
  return problems;
}

interface AxeResults {
  violations: { id: string; impact: string; help: string; nodes: { target: unknown[] }[] }[];
}

/** axe-core's findings in `context` (the whole page by default; it walks open shadow roots itself). */
export async function axeViolations(context: Node = document, { seriousOnly = false } = {}): Promise<string[]> {
  const w = window as unknown as { axe?: { run: (c: Node, o: object) => Promise<AxeResults> } };
  if (!w.axe) {
    await new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = '/node_modules/axe-core/axe.min.js';
      script.onload = resolve;
      script.onerror = reject;
      document.head.append(script);
    });
  }
  const { violations } = await w.axe!.run(context, { resultTypes: ['violations'] });
  return violations
    .filter((v) => !seriousOnly || v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id} (${v.help}): ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

/** axe-core's serious and critical findings on the whole page. */
export const seriousAxeViolations = () => axeViolations(document, { seriousOnly: true });

export const sizes = { phone: { width: 360, height: 740 }, desktop: { width: 1280, height: 800 } } as const;

/** The viewport and colour scheme; `still` also asks for reduced motion (no pulsing dots in a screenshot). */
export async function useView(size: keyof typeof sizes, colorScheme: 'light' | 'dark', { still = false } = {}): Promise<void> {
  await setViewport(sizes[size]);
  await emulateMedia({ colorScheme, reducedMotion: still ? 'reduce' : 'no-preference' });
}

export interface AxNode {
  readonly role: string;
  readonly name: string;
  readonly focused: boolean;
}

/** The page's accessibility tree as Chromium computes it (real roles and accessible names). */
export async function accessibilityTree(): Promise<AxNode[]> {
  return (await executeServerCommand<AxNode[], undefined>('tc-ax-nodes')) ?? [];
}

/**
 * A screenshot of the top of each screen (panes scrolled up, no focus ring, no caret), as a person first sees it,
 * compared with its approved image (test/screenshot-plugin.mjs): a sentence naming the screen, how much of it differs
 * and where the new and diff images are, or undefined when it matches.
 */
export async function screenshotMismatch(name: string, root?: Element): Promise<string | undefined> {
  // A focused text box's caret blinks: transparent, it is the same in every shot (caret-color is inherited, into
  // shadow roots too), even if something takes focus after the blur below.
  document.documentElement.style.caretColor = 'transparent';
  if (root) {
    (focused() as HTMLElement | null)?.blur();
    for (const el of allElements(root)) if (el.matches('.side, .main-pane, .single')) el.scrollTop = 0;
    // The logo and QR codes are <img>s: a shot taken before one is decoded would lack it.
    const images = allElements(root).filter((el): el is HTMLImageElement => el instanceof HTMLImageElement);
    await Promise.all(images.map((img) => img.decode().catch(() => undefined)));
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
  const result = await executeServerCommand<{ mismatch?: string }, { name: string }>('tc-screenshot', { name });
  if (!result) throw new Error(`the server command tc-screenshot did not answer for ${name}`);
  return result.mismatch;
}

/** The element with focus, through shadow roots. */
export function focused(): Element | null {
  let active: Element | null = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}
