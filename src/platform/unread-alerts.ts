// Telling the person that messages arrived while they look elsewhere: the page title ("(2) Tincan"), the
// installed app's badge (Badging API, where it exists) and, only if the person turned them on, system
// notifications. A notification names who wrote; the message itself only if the person allowed that (a setting,
// kept in localStorage: it is a display preference, not a secret). Permission is asked only from a button the
// person pressed, never at load (browsers block or penalise prompts nobody asked for). The words come from whoever
// makes it (the shell passes ui/messages.ts's): platform/ imports nothing from ui/.

/** Where the "show message text" choice and the dismissed prompt are kept. */
const preferencesKey = 'tincan.alerts';

export interface AlertPreferences {
  /** Notifications may show the message's text (otherwise only "New message" and the sender). */
  readonly showContent: boolean;
  /** The person said "Not now" to the notifications prompt. */
  readonly promptDismissed: boolean;
}

export type NotificationAvailability = 'unsupported' | 'default' | 'granted' | 'denied';

/** What a notification is about: one conversation's new messages. */
export interface NewMessagesAlert {
  readonly conversationId: string;
  readonly name: string;
  /** New unread messages since the last alert for this conversation. */
  readonly count: number;
  readonly lastText?: string;
}

/** What the alerts say: the page title for an unread count, a notification's title and body. */
export interface AlertWords {
  pageTitle(unread: number): string;
  readonly alertText: {
    title(name: string): string;
    body(count: number): string;
  };
}

/** The browser objects used, injectable so tests can watch them. */
export interface AlertEnvironment {
  readonly document: Document;
  readonly navigator: Navigator;
  readonly storage?: Storage;
  readonly Notification?: typeof Notification;
}

const defaultPreferences: AlertPreferences = { showContent: false, promptDismissed: false };
/** The longest message text put into a notification. */
const maxNotificationTextChars = 140;

function browserEnvironment(): AlertEnvironment {
  let storage: Storage | undefined;
  try {
    storage = localStorage;
  } catch {
    // storage blocked (some private modes): preferences last for this page only
  }
  return { document, navigator, storage, Notification: typeof Notification === 'function' ? Notification : undefined };
}

export class UnreadAlerts {
  private lastBadge?: number;
  private memoryPreferences = defaultPreferences;
  /** Clicking a notification: the app opens that conversation. */
  onOpenConversation?: (conversationId: string) => void;

  constructor(
    private readonly words: AlertWords,
    private readonly env: AlertEnvironment = browserEnvironment(),
  ) {}

  /** The unread total in the title and on the app badge. Cheap to call on every render. */
  showUnread(total: number): void {
    const title = this.words.pageTitle(total);
    if (this.env.document.title !== title) this.env.document.title = title;
    if (total === this.lastBadge) return;
    this.lastBadge = total;
    const nav = this.env.navigator as Navigator & { setAppBadge?: (n?: number) => Promise<void>; clearAppBadge?: () => Promise<void> };
    // Badging API: only installed apps show it; elsewhere the call does nothing or does not exist.
    const done = total > 0 ? nav.setAppBadge?.(total) : nav.clearAppBadge?.();
    done?.catch(() => {
      // not allowed here (not installed, or a policy): the title still says it
    });
  }

  availability(): NotificationAvailability {
    const N = this.env.Notification;
    return N ? N.permission : 'unsupported';
  }

  /** Asks for permission; call only from the person's own press of a button. */
  async requestPermission(): Promise<NotificationAvailability> {
    const N = this.env.Notification;
    if (!N) return 'unsupported';
    try {
      return await N.requestPermission();
    } catch {
      return N.permission;
    }
  }

  preferences(): AlertPreferences {
    try {
      const raw = this.env.storage?.getItem(preferencesKey);
      if (!raw) return this.memoryPreferences;
      const parsed = JSON.parse(raw) as Partial<AlertPreferences>;
      return { showContent: parsed.showContent === true, promptDismissed: parsed.promptDismissed === true };
    } catch {
      return this.memoryPreferences;
    }
  }

  setPreferences(patch: Partial<AlertPreferences>): AlertPreferences {
    const next = { ...this.preferences(), ...patch };
    this.memoryPreferences = next;
    try {
      this.env.storage?.setItem(preferencesKey, JSON.stringify(next));
    } catch {
      // kept in memory only
    }
    return next;
  }

  /** Shows one notification per conversation (a newer one replaces it: same tag), if the person allowed them. */
  async notify(alert: NewMessagesAlert): Promise<void> {
    const N = this.env.Notification;
    if (!N || N.permission !== 'granted' || alert.count <= 0) return;
    const { showContent } = this.preferences();
    const text = showContent && alert.lastText ? alert.lastText.slice(0, maxNotificationTextChars) : this.words.alertText.body(alert.count);
    const options: NotificationOptions = { body: text, tag: `tincan-${alert.conversationId}`, icon: 'icons/icon-192.png' };
    try {
      const notification = new N(this.words.alertText.title(alert.name), options);
      notification.onclick = () => {
        this.env.document.defaultView?.focus();
        this.onOpenConversation?.(alert.conversationId);
        notification.close();
      };
    } catch {
      // Chrome on Android allows notifications only through the service worker ("Illegal constructor").
      const registration = await this.env.navigator.serviceWorker?.getRegistration().catch(() => undefined);
      await registration?.showNotification(this.words.alertText.title(alert.name), options).catch(() => undefined);
    }
  }
}
