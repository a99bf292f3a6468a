// <tc-tincan-shell>: the one connected component. Reads the app's state through a reactive controller (at most one
// render per animation frame), passes properties down, and turns every child event into one app action. It holds
// no protocol state; what it does hold is the person's place in the UI:
//   - which screen of the main view shows (home, pair, chat, contact, settings). Phones show one at a time, each
//     with a browser history entry so the back gesture works; from 720 px the home screen (the list) stays on the
//     left and the others show on the right.
//   - where focus goes after each step (the next action), and where a notice shows (by its `area`, next to the
//     control that caused it; anywhere else it is a banner under the header).
//   - alerts: the unread count in the title and the app badge, and notifications when the person turned them on.
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { AppState, ConversationView, FileTransferView, Notice, NoticeArea } from '../app/app-state';
import type { TincanApp } from '../app/tincan-app';
import { fileSource } from '../platform/file-source';
import { CallMediaSession } from '../platform/call-media-session';
import { CallRinger } from '../platform/call-ring';
import { UnreadAlerts, type NotificationAvailability } from '../platform/unread-alerts';
import { applyUpdate, onUpdateAvailable } from '../pwa/register-sw';
import type { ChatScreen } from './chat-screen';
import type { MainView, TincanEventMap, TincanEventName } from './events';
import { fileUrls } from './file-urls';
import { withShownNames } from './shown-names';
import type { HomeScreen } from './home-screen';
import { alertText, appName, callText, contactText, conversationText, pageTitle, shellText, transcriptLabels } from './messages';
import type { ContactPanel } from './contact-panel';
import type { PairingScreen } from './pairing-screen';
import { controlStyles } from './shared-styles';
import { needsHomeScreenForStorage } from './storage-advice';
import { StoreController } from './store-controller';
import type { WelcomeScreen } from './welcome-screen';
import './inline-notice';
import './welcome-screen';

/** What the shell uses of the app: its state and actions (the real TincanApp, or a fixture in tests). */
export type AppFacade = Pick<
  TincanApp,
  | 'state' | 'useHere' | 'passphraseWeakness' | 'createProfile' | 'unlock' | 'importBackup' | 'exportBackup'
  | 'changePassphrase' | 'forgetDevice' | 'lock' | 'acknowledgeVaultHealth' | 'saveIceServers' | 'setReach' | 'addMailbox' | 'removeMailbox'
  | 'newInvite' | 'reconnect' | 'cancelExchange' | 'submitCode' | 'acceptInvitation' | 'declineInvitation' | 'refuseInvitation'
  | 'sendMessage' | 'setTyping' | 'selectConversation' | 'closeConversation' | 'loadOlder' | 'loadNewer'
  | 'setVerified' | 'saveRelays' | 'setUseRelays' | 'setMailboxShared' | 'moveToNewDevice' | 'confirmDifferentPerson' | 'deleteConversation' | 'exportTranscript'
  | 'disconnect' | 'showError' | 'dismissNotice'
  | 'sendFile' | 'acceptFile' | 'declineFile' | 'cancelTransfer' | 'discardFile' | 'resumeFile' | 'setAutoAcceptImages'
  | 'saveFile' | 'openReceivedFile' | 'thumbnail' | 'keepThumbnail'
  | 'startCall' | 'joinGroupCall' | 'acceptCall' | 'declineCall' | 'endCall' | 'setCallMuted' | 'setCameraOff' | 'switchCamera'
  | 'createGroup' | 'inviteToGroup' | 'leaveGroup' | 'removeFromGroup' | 'openMemberSafetyNumber'
>;

/** From this width the list and the open screen show side by side (the components' CSS uses the same). */
const twoPaneQuery = '(min-width: 720px)';

/** The history entry's state: how deep in the stack of screens it is (0 = home). */
interface HistoryState {
  readonly tcDepth: number;
}

/** Lets the browser save bytes as a file (the page never uploads anything). */
function download(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  downloadUrl(url, name);
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function downloadUrl(url: string, name: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
}

/** Whether conversation `id` is online now and was not at the last render. */
function cameOnline(was: AppState | undefined, s: AppState, id: string): boolean {
  const now = s.conversations.find((c) => c.id === id)?.connection;
  const before = was?.conversations.find((c) => c.id === id)?.connection;
  return now === 'online' && before !== undefined && before !== 'online';
}

/** A group's member list grew (someone answered its "Invite to group"): back to the group from the invite card. */
function membersGrew(was: AppState | undefined, s: AppState, id: string): boolean {
  const now = s.conversations.find((c) => c.id === id)?.group?.members.length ?? 0;
  const before = was?.conversations.find((c) => c.id === id)?.group?.members.length ?? 0;
  return before > 0 && now > before;
}

function safeFileName(name: string): string {
  return name.replace(/[^\p{L}\p{N}_-]+/gu, '-').slice(0, 40) || 'contact';
}

function todayStamp(): string {
  return new Date().toISOString().slice(0, 10);
}

/** The deepest element with focus, through shadow roots (tests and focus checks use it too). */
export function deepActiveElement(root: Document | ShadowRoot = document): Element | null {
  const active = root.activeElement;
  return active?.shadowRoot ? (deepActiveElement(active.shadowRoot) ?? active) : active;
}

@customElement('tc-tincan-shell')
export class TincanShell extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; }
      [tabindex='-1']:focus:not(:focus-visible) { outline: none; }
      .frame { display: flex; flex-direction: column; height: 100dvh; max-width: 82rem; margin: 0 auto; }
      .app-header {
        display: flex; align-items: center; gap: 0.6rem; padding: 0.4rem 1rem; min-height: 56px;
        border-bottom: 1px solid var(--tc-card-border);
      }
      .app-header img { width: 34px; height: 34px; display: block; }
      /* Single-column screens (profile, passphrase): the header lines up with the form under it. */
      .frame.single-column .app-header { width: 100%; max-width: 34rem; margin: 0 auto; border-bottom: 0; }
      .app-header h1 { font-size: 1.3rem; margin: 0; flex: 1; letter-spacing: 0.01em; }
      .banners { display: flex; flex-direction: column; gap: 0.5rem; padding: 0.5rem 1rem 0; }
      .banners:empty { display: none; }
      .banner { display: flex; flex-wrap: wrap; gap: 0.5rem 0.75rem; align-items: center; }
      .banner p { flex: 1 1 14rem; margin: 0; min-width: 0; }
      .single { flex: 1; min-height: 0; overflow-y: auto; }
      .centered { max-width: 34rem; margin: 0 auto; padding: 1.5rem 1rem; }
      .panes { flex: 1; min-height: 0; display: grid; grid-template-columns: minmax(0, 1fr); grid-template-rows: minmax(0, 1fr); }
      .side, .main-pane { min-height: 0; min-width: 0; overflow-y: auto; padding: 0.75rem 1rem 1.5rem; }
      .main-pane.chat { overflow: hidden; padding: 0; display: flex; flex-direction: column; }
      .main-pane.chat tc-chat-screen { flex: 1; }
      .placeholder { display: grid; place-items: center; text-align: center; color: var(--tc-muted); min-height: 60%; }
      .placeholder img { width: 96px; height: 96px; opacity: 0.9; }
      @media (max-width: 719.98px) {
        .panes.at-home .main-pane, .panes:not(.at-home) .side { display: none; }
        .frame.deep .app-header { display: none; }
      }
      @media (min-width: 720px) {
        .panes { grid-template-columns: minmax(17rem, 22rem) minmax(0, 1fr); }
        .side { border-right: 1px solid var(--tc-card-border); }
        .main-pane { padding: 0.75rem 1.25rem 1.5rem; }
      }
    `,
  ];

  @property({ attribute: false }) app!: AppFacade;
  /** Screens on top of home, deepest last; stack[0] is always 'home'. */
  @state() private stack: readonly MainView[] = ['home'];
  @state() private isWide = false;
  @state() private isUpdateReady = false;
  @state() private notifications: NotificationAvailability = 'unsupported';
  @state() private showNotificationContent = false;
  @state() private isNotifyPromptDismissed = false;
  private readonly alerts = new UnreadAlerts({ pageTitle, alertText });
  private readonly ringer = new CallRinger({ ringTitle: callText.ringTitle, incoming: callText.incoming });
  @state() private ringSound = this.ringer.isSoundOn;
  private readonly callSession = new CallMediaSession(
    { title: callText.sessionTitle, app: callText.sessionApp },
    { hangUp: () => this.app.endCall(), setMuted: (muted) => this.app.setCallMuted(muted) },
  );
  private readonly showHomeScreenAdvice = needsHomeScreenForStorage();
  private controller?: StoreController<AppState>;
  /** The state at the last render: transitions (a new conversation, a new screen) are found against it. */
  private previous?: AppState;
  /** A conversation the person picked (rather than one the app opened after connecting). */
  private requestedConversation?: string;
  /** A group member's contact whose details ("Safety number with <name>") show once the shell follows it. */
  private detailsFor?: string;
  /** The conversation shown last, to give its list button the focus back. */
  private lastConversation?: string;
  /** A reconnected conversation was just shown: the message box gets the focus after this render. */
  private isComposerNext = false;
  private stopWatchingUpdates?: () => void;
  private transfersCache?: { all: readonly FileTransferView[]; conversationId: string; shown: readonly FileTransferView[] };
  private wideQuery?: MediaQueryList;

  constructor() {
    super();
    for (const [type, handler] of Object.entries(this.handlers)) this.addEventListener(type, handler as EventListener);
    this.addEventListener('keydown', this.handleKeydown);
  }

  private get s(): AppState {
    return withShownNames(this.app.state.state);
  }

  private get top(): MainView {
    return this.stack.at(-1) ?? 'home';
  }

  override connectedCallback(): void {
    this.controller ??= new StoreController(this, this.app.state);
    fileUrls.attach(this.app);
    super.connectedCallback();
    this.stopWatchingUpdates = onUpdateAvailable(() => (this.isUpdateReady = true));
    this.wideQuery = matchMedia(twoPaneQuery);
    this.isWide = this.wideQuery.matches;
    this.wideQuery.addEventListener('change', this.handleWidthChange);
    addEventListener('popstate', this.handlePopState);
    // An entry of an earlier page (a reload deep in the screens) is not ours any more: start at home.
    if ((history.state as HistoryState | null)?.tcDepth) history.replaceState({ tcDepth: 0 } satisfies HistoryState, '');
    this.notifications = this.alerts.availability();
    const preferences = this.alerts.preferences();
    this.showNotificationContent = preferences.showContent;
    this.isNotifyPromptDismissed = preferences.promptDismissed;
    this.alerts.onOpenConversation = (id) => this.openConversation(id);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopWatchingUpdates?.();
    this.wideQuery?.removeEventListener('change', this.handleWidthChange);
    removeEventListener('popstate', this.handlePopState);
  }

  private readonly handleWidthChange = (event: MediaQueryListEvent): void => {
    this.isWide = event.matches;
  };

  // -----------------------------------------------------------------------------------------------------------
  // Screens and history

  /** Shows a screen. Pairing, settings and chat replace each other on top of home; contact sits above chat. */
  private navigate(view: MainView): void {
    if (view === 'home') return this.goHome();
    if (view === 'settings') void import('./settings-screen');
    if (view === 'contact') void import('./contact-panel');
    if (this.top === view) return;
    const base = view === 'contact' && this.stack.includes('chat') ? this.stack.slice(0, this.stack.indexOf('chat') + 1) : ['home' as const];
    const next = [...base, view];
    const replace = this.stack.length >= next.length;
    this.stack = next;
    const entry: HistoryState = { tcDepth: next.length - 1 };
    if (replace) history.replaceState(entry, '');
    else history.pushState(entry, '');
  }

  private back(): void {
    if (this.stack.length > 1) history.back();
  }

  private goHome(): void {
    if (this.stack.length > 1) history.go(-(this.stack.length - 1));
  }

  private readonly handlePopState = (event: PopStateEvent): void => {
    const depth = Math.max(0, (event.state as HistoryState | null)?.tcDepth ?? 0);
    if (depth >= this.stack.length - 1) return;
    const left = this.stack.slice(depth + 1);
    this.stack = this.stack.slice(0, depth + 1);
    if (left.includes('chat') && this.s.activeId) {
      this.lastConversation = this.s.activeId;
      this.app.closeConversation();
    }
    void this.focusAfterBack();
  };

  private async focusAfterBack(): Promise<void> {
    await this.updateComplete;
    if (this.top === 'home') {
      const home = this.renderRoot.querySelector<HomeScreen>('tc-home-screen');
      if (this.lastConversation) await home?.focusConversation(this.lastConversation);
      else await home?.focusFirstAction();
    } else {
      await this.focusView(this.top);
    }
  }

  /** Focus goes to the shown screen's heading, so the next Tab starts there (and a screen reader says where). */
  private async focusView(view: MainView): Promise<void> {
    await this.updateComplete;
    const element = this.renderRoot.querySelector<LitElement>(`.main-pane [data-view='${view}']`);
    await element?.updateComplete;
    if (view === 'chat') return (element as ChatScreen | null)?.focusHeading();
    element?.shadowRoot?.querySelector<HTMLElement>('h2[tabindex]')?.focus();
  }

  private openConversation(conversationId: string): void {
    this.requestedConversation = conversationId;
    if (this.s.activeId === conversationId && this.s.open) {
      this.navigate('chat');
      void this.focusConversationStart();
      return;
    }
    void this.app.selectConversation(conversationId);
  }

  private async focusConversationStart(): Promise<void> {
    await this.updateComplete;
    const chat = this.renderRoot.querySelector<ChatScreen>('tc-chat-screen');
    // A phone's keyboard would cover half the conversation: there, focus goes to the name, not the message box.
    if (this.isWide) await chat?.focusComposer();
    else await chat?.focusHeading();
  }

  private readonly handleKeydown = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape' || event.defaultPrevented || this.stack.length < 2) return;
    const target = event.composedPath()[0];
    // Escape in a box with text leaves the text alone.
    if ((target instanceof HTMLTextAreaElement || target instanceof HTMLInputElement) && target.value) return;
    event.preventDefault();
    this.back();
  };

  // -----------------------------------------------------------------------------------------------------------
  // State transitions

  protected override willUpdate(): void {
    const s = this.s;
    const was = this.previous;
    if (s.screen !== 'main') {
      if (this.stack.length > 1) this.stack = ['home'];
    } else if (was?.screen !== 'main') {
      void import('./after-unlock');
      this.stack = ['home'];
    }
    if (s.screen === 'main') this.followConversation(was, s);
    // An invite that came by link: its consent card is on the pairing screen (also right after the profile exists).
    if (s.screen === 'main' && s.invitation && (!was?.invitation || was.screen !== 'main')) this.navigate('pair');
  }

  /**
   * The app opened or closed a conversation: show it, or leave it. A known contact reconnected from the pairing
   * screen keeps the same conversation open (its id does not change), so coming online counts too.
   */
  private followConversation(was: AppState | undefined, s: AppState): void {
    if (s.activeId && s.activeId !== was?.activeId) {
      this.lastConversation = s.activeId;
      if (this.top !== 'settings' || this.requestedConversation === s.activeId) this.navigate('chat');
      if (this.detailsFor === s.activeId) void this.showSafetyNumber();
      this.detailsFor = undefined;
    } else if (!s.activeId && was?.activeId && (this.top === 'chat' || this.top === 'contact')) {
      this.goHome();
    } else if (s.activeId && this.top === 'pair' && (cameOnline(was, s, s.activeId) || membersGrew(was, s, s.activeId))) {
      this.navigate('chat');
      this.isComposerNext = true;
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    const s = this.s;
    const was = this.previous;
    this.previous = s;
    this.alerts.showUnread(s.screen === 'main' ? s.unreadTotal : 0);
    const ringing = s.call?.phase === 'ringing-in' ? s.call : s.groupCall?.phase === 'ringing-in' ? s.groupCall : undefined;
    if (ringing) this.ringer.ring(ringing.id, ringing.name || conversationText.unnamed);
    else this.ringer.stop();
    const call = s.call?.phase === 'ringing-in' ? undefined : s.call;
    this.callSession.show(call && { id: call.id, name: call.name || conversationText.unnamed, muted: call.muted });
    if (s.screen === 'main' && was?.screen === 'main') this.notifyNewMessages(was, s);
    void this.moveFocus(was, s);
  }

  /** Where focus goes after a step: the next action. */
  private async moveFocus(was: AppState | undefined, s: AppState): Promise<void> {
    if (s.screen === 'main' && was && was.screen !== 'main') {
      // Just created a profile or unlocked: an invitation's "Answer" (the pairing screen focuses it), or "New invite".
      if (s.invitation) return;
      await import('./after-unlock');
      await this.updateComplete;
      await this.renderRoot.querySelector<HomeScreen>('tc-home-screen')?.focusFirstAction();
      return;
    }
    if (s.screen === 'elsewhere' && was?.screen !== 'elsewhere') {
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLButtonElement>('#use-here')?.focus();
      return;
    }
    if (this.isComposerNext) {
      this.isComposerNext = false;
      await this.updateComplete;
      await this.renderRoot.querySelector<ChatScreen>('tc-chat-screen')?.focusComposer();
      return;
    }
    if (s.screen === 'main' && s.activeId && s.activeId !== was?.activeId) {
      await import('./after-unlock');
      if (this.requestedConversation === s.activeId) {
        this.requestedConversation = undefined;
        await this.focusConversationStart();
      } else if (this.top === 'chat') {
        // Connected (the app opened the conversation): the next thing to do is to write.
        await this.updateComplete;
        await this.renderRoot.querySelector<ChatScreen>('tc-chat-screen')?.focusComposer();
      }
    }
  }

  /** A notification per conversation whose unread count grew while the person looks elsewhere. */
  private notifyNewMessages(was: AppState, s: AppState): void {
    if (this.notifications !== 'granted' || s.unreadTotal <= was.unreadTotal) return;
    const before = new Map(was.conversations.map((c) => [c.id, c.unread]));
    const hidden = document.visibilityState === 'hidden';
    for (const c of s.conversations) {
      const grown = c.unread - (before.get(c.id) ?? 0);
      if (grown > 0 && (hidden || c.id !== s.activeId)) {
        void this.alerts.notify({ conversationId: c.id, name: c.name, count: c.unread, ...(c.lastText ? { lastText: c.lastText } : {}) });
      }
    }
  }

  // -----------------------------------------------------------------------------------------------------------
  // Events from the components: one app action each

  private readonly handlers: { [K in TincanEventName]?: (event: TincanEventMap[K]) => void } = {
    'tc-create-profile': (e) => {
      void import('./after-unlock');
      void this.app.createProfile(e.detail.name, e.detail.passphrase, e.detail.repeat, e.detail.reach);
    },
    'tc-unlock': (e) => {
      void import('./after-unlock');
      void this.app.unlock(e.detail.passphrase);
    },
    'tc-import-backup': (e) => void this.app.importBackup(e.detail.bytes, e.detail.passphrase),
    'tc-forget-device': () => void this.app.forgetDevice(),
    'tc-use-here': () => void this.app.useHere(),
    'tc-acknowledge-vault-health': () => void this.app.acknowledgeVaultHealth(),
    'tc-export-backup': () => void this.exportBackup(),
    'tc-change-passphrase': (e) => void this.app.changePassphrase(e.detail.oldPassphrase, e.detail.newPassphrase, e.detail.repeat),
    'tc-lock': () => {
      this.goHome();
      fileUrls.clear();
      void this.app.lock();
    },
    'tc-save-settings': (e) => void this.app.saveIceServers(e.detail.iceServers),
    'tc-set-reach': (e) => void this.app.setReach(e.detail.reach),
    'tc-add-mailbox': (e) => void this.app.addMailbox(e.detail.text),
    'tc-remove-mailbox': () => void this.app.removeMailbox(),
    'tc-new-invite': () => {
      this.navigate('pair');
      void this.app.newInvite();
    },
    'tc-submit-code': (e) => void this.submitCode(e.detail.text, e.detail.source, e.composedPath()),
    'tc-scan-error': (e) => this.app.showError(e.detail.code, this.areaOf(e.composedPath())),
    'tc-accept-invitation': () => void this.app.acceptInvitation(),
    'tc-decline-invitation': () => this.app.declineInvitation(),
    'tc-refuse-invitation': () => void this.app.refuseInvitation(),
    'tc-cancel-exchange': (e) => this.app.cancelExchange(e.detail.exchangeId),
    'tc-select-conversation': (e) => this.openConversation(e.detail.conversationId),
    'tc-create-group': (e) => void this.app.createGroup(e.detail.name),
    'tc-invite-to-group': (e) => {
      this.navigate('pair');
      void this.app.inviteToGroup(e.detail.conversationId);
    },
    'tc-leave-group': (e) => void this.app.leaveGroup(e.detail.conversationId),
    'tc-remove-member': (e) => void this.app.removeFromGroup(e.detail.conversationId, e.detail.memberKey),
    'tc-member-safety-number': (e) => void this.openMemberSafetyNumber(e.detail.conversationId, e.detail.memberKey),
    'tc-reconnect': (e) => {
      this.navigate('pair');
      void this.app.reconnect(e.detail.conversationId);
    },
    'tc-disconnect': (e) => this.app.disconnect(e.detail.conversationId),
    'tc-start-call': (e) => void this.app.startCall(e.detail.video),
    'tc-accept-call': () => void this.app.acceptCall(),
    'tc-join-call': () => void this.app.joinGroupCall(),
    'tc-decline-call': () => this.app.declineCall(),
    'tc-end-call': () => this.app.endCall(),
    'tc-set-muted': (e) => this.app.setCallMuted(e.detail.muted),
    'tc-set-camera-off': (e) => void this.app.setCameraOff(e.detail.off),
    'tc-switch-camera': () => void this.app.switchCamera(),
    'tc-set-ring-sound': (e) => {
      this.ringSound = this.ringer.setSound(e.detail.on);
    },
    'tc-delete-conversation': (e) => this.deleteConversation(e.detail.conversationId),
    'tc-send-message': (e) => void this.app.sendMessage(e.detail.text),
    'tc-typing': (e) => this.app.setTyping(e.detail.active),
    'tc-load-older': () => void this.app.loadOlder(),
    'tc-load-newer': () => void this.app.loadNewer(),
    'tc-set-verified': (e) => void this.app.setVerified(e.detail.verified),
    'tc-save-relays': (e) => void this.app.saveRelays(e.detail.text),
    'tc-set-use-relays': (e) => void this.app.setUseRelays(e.detail.conversationId, e.detail.use),
    'tc-set-mailbox-shared': (e) => void this.app.setMailboxShared(e.detail.conversationId, e.detail.shared),
    'tc-move-to-new-device': () => void this.app.moveToNewDevice(),
    'tc-confirm-different-person': () => void this.app.confirmDifferentPerson(),
    'tc-export-transcript': (e) => void this.exportTranscript(e.detail.format),
    'tc-send-files': (e) => void this.sendFiles(e.detail.files),
    'tc-accept-file': (e) => void this.app.acceptFile(e.detail.fileId),
    'tc-decline-file': (e) => this.app.declineFile(e.detail.fileId),
    'tc-cancel-transfer': (e) => this.app.cancelTransfer(e.detail.fileId),
    'tc-save-file': (e) => void this.saveFile(e.detail.fileId),
    'tc-discard-file': (e) => {
      fileUrls.forget(e.detail.fileId);
      void this.app.discardFile(e.detail.fileId);
    },
    'tc-resume-file': (e) => void this.app.resumeFile(e.detail.fileId, fileSource(e.detail.file)),
    'tc-file-error': (e) => this.app.showError(e.detail.code, 'composer'),
    'tc-set-auto-accept-images': (e) => void this.app.setAutoAcceptImages(e.detail.maxBytes),
    'tc-navigate': (e) => this.show(e.detail.view),
    'tc-back': () => this.back(),
    'tc-dismiss-notice': () => this.app.dismissNotice(),
    'tc-enable-notifications': () => void this.enableNotifications(),
    'tc-dismiss-notifications-prompt': () => {
      this.isNotifyPromptDismissed = this.alerts.setPreferences({ promptDismissed: true }).promptDismissed;
    },
    'tc-set-notification-content': (e) => {
      this.showNotificationContent = this.alerts.setPreferences({ showContent: e.detail.show }).showContent;
    },
  };

  /** A scan inside the contact panel compares safety numbers: its errors belong there. */
  private areaOf(path: EventTarget[]): NoticeArea {
    return path.some((t) => t instanceof HTMLElement && t.localName === 'tc-contact-panel') ? 'conversation' : 'pairing';
  }

  private async submitCode(text: string, source: 'paste' | 'scan', path: EventTarget[]): Promise<void> {
    await this.app.submitCode(text, source);
    const notice = this.app.state.state.notice;
    if (notice?.kind === 'error' && notice.area === this.areaOf(path)) return;
    this.renderRoot.querySelector<PairingScreen>('tc-pairing-screen')?.clearPaste();
  }

  /**
   * "Safety number with <name>": the member's contact opens, then its details with the safety number above its chat.
   * The shell follows a newly active conversation to its chat at its next render (at most one a frame): the details
   * come once it has, never before (the chat would replace them).
   */
  private async openMemberSafetyNumber(groupId: string, memberKey: string): Promise<void> {
    const contactId = await this.app.openMemberSafetyNumber(groupId, memberKey);
    if (!contactId) return;
    if (this.previous?.activeId === contactId) void this.showSafetyNumber();
    else this.detailsFor = contactId;
  }

  /** The active contact's details with its safety number open. */
  private async showSafetyNumber(): Promise<void> {
    this.show('contact');
    await import('./contact-panel');
    await this.updateComplete;
    const panel = this.renderRoot.querySelector<ContactPanel>('tc-contact-panel');
    await panel?.updateComplete;
    panel?.showSafetyNumber();
  }

  /** The person asked for a screen: show it and put the focus at its start (the paste box on the pairing screen). */
  private show(view: MainView): void {
    this.navigate(view);
    if (view === 'pair') void this.focusPaste();
    else if (view !== 'chat') void this.focusView(view);
  }

  private async focusPaste(): Promise<void> {
    await import('./after-unlock');
    await this.updateComplete;
    const pairing = this.renderRoot.querySelector<PairingScreen>('tc-pairing-screen');
    await pairing?.updateComplete;
    pairing?.focusPaste();
  }

  private async exportBackup(): Promise<void> {
    const bytes = await this.app.exportBackup();
    if (bytes) download(`tincan-backup-${todayStamp()}.tincan`, bytes as Uint8Array<ArrayBuffer>, 'application/octet-stream');
  }

  private async exportTranscript(format: 'text' | 'markdown'): Promise<void> {
    const contact = this.activeConversation();
    if (!contact) return;
    const text = await this.app.exportTranscript(contact.id, format, transcriptLabels(contact.name));
    if (text !== undefined) {
      download(`tincan-${safeFileName(contact.name)}.${format === 'markdown' ? 'md' : 'txt'}`, text, 'text/plain;charset=utf-8');
    }
  }

  /** "Save": the app decrypts the file into a temporary copy (removed when the file is removed or at lock), and the
   * browser downloads it from there. */
  private async saveFile(fileId: string): Promise<void> {
    const name = this.s.transfers.find((t) => t.fileId === fileId)?.name;
    const url = name !== undefined ? await this.app.saveFile(fileId) : undefined;
    if (url) downloadUrl(url, name!);
  }

  /** Offers each file in turn (each is hashed before its offer goes); the page keeps it for its own preview. */
  private async sendFiles(files: readonly File[]): Promise<void> {
    for (const file of files) {
      const fileId = await this.app.sendFile(fileSource(file), file.name, file.type);
      if (fileId) fileUrls.rememberOutgoing(fileId, file);
    }
  }

  private deleteConversation(conversationId: string): void {
    const contact = this.s.conversations.find((c) => c.id === conversationId);
    // A native confirm: modal, accessible, and cannot be mistaken for page content.
    if (contact && confirm(contactText.deleteConfirm(contact.name))) {
      this.lastConversation = undefined;
      this.goHome();
      void this.app.deleteConversation(conversationId);
    }
  }

  private async enableNotifications(): Promise<void> {
    this.notifications = await this.alerts.requestPermission();
  }

  private activeConversation(): ConversationView | undefined {
    const s = this.s;
    return s.activeId ? s.conversations.find((c) => c.id === s.activeId) : undefined;
  }

  // -----------------------------------------------------------------------------------------------------------
  // Rendering

  /** Whether the component for a notice's area is on screen; if not, the notice is a banner. */
  private isAreaShown(area: NoticeArea): boolean {
    const s = this.s;
    switch (area) {
      case 'welcome':
        return s.screen === 'setup' || s.screen === 'unlock';
      case 'pairing':
        return s.screen === 'main' && this.top === 'pair';
      case 'composer':
        return s.screen === 'main' && this.top === 'chat' && !!this.activeConversation();
      case 'conversation':
        return s.screen === 'main' && (this.top === 'chat' || this.top === 'contact') && !!this.activeConversation();
      case 'settings':
        return s.screen === 'main' && this.top === 'settings';
      default:
        return false;
    }
  }

  private renderBanners(s: AppState, bannerNotice: Notice | undefined) {
    return html`<div class="banners">${this.isUpdateReady
        ? html`<div class="card banner" role="status"><p>${shellText.updateReady}</p>
            <button type="button" @click=${() => applyUpdate()}>${shellText.reload}</button></div>`
        : nothing}${bannerNotice
        ? html`<tc-inline-notice .notice=${bannerNotice} dismissible></tc-inline-notice>`
        : nothing}${s.screen === 'main' && s.vaultHealth
        ? html`<section class="card warning banner" aria-label=${shellText.vaultHealthHeading}>
            <p>${s.vaultHealth.restoredOlder ? shellText.vaultRestoredOlder : ''}
              ${s.vaultHealth.damagedRecords > 0 ? shellText.vaultDamaged(s.vaultHealth.damagedRecords) : ''}</p>
            <button type="button" @click=${() => void this.app.acknowledgeVaultHealth()}>
              ${shellText.ok}</button>
          </section>`
        : nothing}</div>`;
  }

  private renderMainPane(s: AppState, notice: Notice | undefined) {
    const active = this.activeConversation();
    switch (this.top) {
      case 'pair':
        return html`<tc-pairing-screen data-view="pair" .exchanges=${s.exchanges} .invitation=${s.invitation} .reach=${s.reach}
          .notice=${notice?.area === 'pairing' ? notice : undefined} ?busy=${s.busy}
          ?isFirstContact=${s.conversations.length === 0}></tc-pairing-screen>`;
      case 'chat':
        if (!active) break;
        return html`<tc-chat-screen data-view="chat" .conversation=${active} .open=${s.open} ?isInCall=${!!s.call || !!s.groupCall}
          ?hasCallToJoin=${!!s.groupCallsGoingOn?.some((c) => c.groupId === active.id && c.id !== s.groupCall?.id)}
          ?callToJoinIsVideo=${!!s.groupCallsGoingOn?.some((c) => c.groupId === active.id && c.id !== s.groupCall?.id && c.video)}
          .transfers=${this.transfersOf(s, active.id)} ?compact=${!this.isWide}
          .unreadElsewhere=${s.conversations.reduce((sum, c) => (c.id === active.id ? sum : sum + c.unread), 0)}
          .notice=${notice?.area === 'conversation' || notice?.area === 'composer' ? notice : undefined}></tc-chat-screen>`;
      case 'contact':
        if (!active) break;
        return html`<tc-contact-panel data-view="contact" .conversation=${active} .open=${s.open}
          .notice=${notice?.area === 'conversation' ? notice : undefined}></tc-contact-panel>`;
      case 'settings':
        return html`<tc-settings-screen data-view="settings" .iceServers=${s.iceServers} .profileName=${s.profileName ?? ''}
          .autoAcceptImageBytes=${s.autoAcceptImageBytes} .transfers=${s.transfers} .storage=${s.storage} .mailbox=${s.mailbox}
          ?busy=${s.busy} .notice=${notice?.area === 'settings' ? notice : undefined} .notifications=${this.notifications}
          ?showContent=${this.showNotificationContent} ?ringSound=${this.ringSound} .relays=${s.relays}></tc-settings-screen>`;
      default:
        break;
    }
    return html`<div class="placeholder"><div>
      <img src="logo.svg" alt="" width="96" height="96" />
      <p>${s.conversations.length ? shellText.pickConversation : shellText.nothingYet}</p>
    </div></div>`;
  }

  /**
   * The conversation's transfers; the same array while they do not change (the chat screen and its log render less),
   * also when only another conversation's transfers changed.
   */
  private transfersOf(s: AppState, conversationId: string): readonly FileTransferView[] {
    const cached = this.transfersCache;
    if (cached?.all === s.transfers && cached.conversationId === conversationId) return cached.shown;
    const filtered = s.transfers.filter((t) => t.conversationId === conversationId);
    const isSame = cached?.conversationId === conversationId && cached.shown.length === filtered.length && filtered.every((t, i) => t === cached.shown[i]);
    const shown = isSame ? cached.shown : filtered;
    this.transfersCache = { all: s.transfers, conversationId, shown };
    return shown;
  }

  private renderMain(s: AppState, notice: Notice | undefined) {
    const atHome = this.top === 'home';
    const showNotifyPrompt = s.conversations.length > 0 && this.notifications === 'default' && !this.isNotifyPromptDismissed;
    return html`<main class="panes ${atHome ? 'at-home' : ''}">
      <div class="side">
        <tc-home-screen .conversations=${s.conversations} .activeId=${s.activeId ?? ''} ?busy=${s.busy}
          ?exchanging=${!!s.invitation || s.exchanges.some((e) => e.state !== 'failed' && e.state !== 'closed')}
          ?showNotifyPrompt=${showNotifyPrompt} ?showHomeScreenAdvice=${this.showHomeScreenAdvice}></tc-home-screen>
      </div>
      <div class="main-pane ${this.top === 'chat' && this.activeConversation() ? 'chat' : ''}">
        ${this.isWide ? this.renderCalls(s) : nothing}
        ${atHome && !this.isWide ? nothing : this.renderMainPane(s, notice)}
      </div>
    </main>`;
  }

  /** The call going on: over the whole page on a phone, docked at the top of the main pane on a wide screen. */
  private renderCalls(s: AppState) {
    return html`${s.call ? html`<tc-call-view .call=${s.call} ?docked=${this.isWide}></tc-call-view>` : nothing}
      ${s.groupCall ? html`<tc-group-call-view .call=${s.groupCall} ?docked=${this.isWide}></tc-group-call-view>` : nothing}`;
  }

  private renderSingle(s: AppState, notice: Notice | undefined) {
    switch (s.screen) {
      case 'setup':
      case 'unlock':
        return html`<div class="single"><tc-welcome-screen .mode=${s.screen} ?busy=${s.busy} .invitation=${s.invitation}
          .notice=${notice?.area === 'welcome' ? notice : undefined} ?showHomeScreenAdvice=${this.showHomeScreenAdvice && s.screen === 'setup'}
          .weaknessOf=${(p: string) => this.app.passphraseWeakness(p)}></tc-welcome-screen></div>`;
      case 'elsewhere':
        return html`<div class="single"><section class="centered" aria-labelledby="elsewhere-heading">
          <h2 id="elsewhere-heading">${shellText.elsewhereHeading}</h2>
          <p>${shellText.elsewhereBody}</p>
          <button type="button" class="primary" id="use-here" ?disabled=${s.busy} @click=${() => void this.app.useHere()}>
            ${shellText.useHere}</button>
        </section></div>`;
      case 'unavailable':
        return html`<div class="single"><p class="centered">${shellText.unavailable}</p></div>`;
      default:
        return html`<div class="single"><p class="centered" role="status">${shellText.loading}</p></div>`;
    }
  }

  protected override render() {
    const s = this.s;
    const notice = s.notice;
    const bannerNotice = notice && !this.isAreaShown(notice.area) ? notice : undefined;
    const deep = s.screen === 'main' && this.top !== 'home';
    return html`<div class="frame ${deep ? 'deep' : ''} ${s.screen === 'main' ? '' : 'single-column'}">
      <header class="app-header">
        <img src="logo.svg" alt="" width="34" height="34" />
        <h1>${appName}</h1>
        ${s.screen === 'main'
          ? html`<button type="button" aria-pressed=${this.top === 'settings' ? 'true' : 'false'}
              @click=${() => (this.top === 'settings' ? this.back() : this.show('settings'))}>
              ${shellText.settings}</button>`
          : nothing}
      </header>
      ${this.renderBanners(s, bannerNotice)}
      ${s.screen === 'main' ? this.renderMain(s, notice) : this.renderSingle(s, notice)}
      ${s.screen === 'main' && !this.isWide ? this.renderCalls(s) : nothing}
    </div>`;
  }

  /** The welcome screen, for tests and focus checks. */
  get welcomeScreen(): WelcomeScreen | null {
    return this.renderRoot.querySelector('tc-welcome-screen');
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-tincan-shell': TincanShell;
  }
}
