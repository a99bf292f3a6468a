// The call in the system's media controls (Media Session API): while a call is connecting or going on, the
// browser's media notification and lock screen name the call, and their buttons end it or mute it where the browser
// offers call actions ("hangup", "togglemicrophone": Chromium, e.g. in its Picture-in-Picture window). Firefox and
// Safari refuse those actions (setActionHandler throws a TypeError: MDN's compatibility data,
// https://github.com/mdn/browser-compat-data/blob/main/api/MediaSession.json); each refused action is skipped, the
// metadata stays. What keeps a voice call playing with the screen locked, per browser: docs/calls.md.

export interface CallSessionWords {
  title(name: string): string;
  app: string;
}

export interface CallSessionActions {
  hangUp(): void;
  setMuted(muted: boolean): void;
}

/** The call as the controls show it. */
export interface CallSessionCall {
  readonly id: string;
  readonly name: string;
  readonly muted: boolean;
}

/** Call actions of the Media Session spec that TypeScript's DOM types do not list yet. */
type CallAction = 'hangup' | 'togglemicrophone';
type CallActionSession = { setActionHandler(action: CallAction, handler: (() => void) | null): void };
type MicrophoneSession = { setMicrophoneActive?(active: boolean): Promise<void> | void };

export class CallMediaSession {
  private shown?: CallSessionCall;
  /** The actions this browser took (the rest threw). */
  actions: CallAction[] = [];

  constructor(
    private readonly words: CallSessionWords,
    private readonly handlers: CallSessionActions,
  ) {}

  /** Shows this call in the media controls, or takes the last one away (undefined). */
  show(call: CallSessionCall | undefined): void {
    const session = typeof navigator !== 'undefined' ? navigator.mediaSession : undefined;
    if (!session) return;
    const was = this.shown;
    this.shown = call;
    if (!call) {
      if (was) this.clear(session);
      return;
    }
    if (was?.id !== call.id) {
      if (typeof MediaMetadata === 'function') session.metadata = new MediaMetadata({ title: this.words.title(call.name), artist: this.words.app });
      session.playbackState = 'playing';
      this.actions = [];
      this.setAction(session, 'hangup', () => this.handlers.hangUp());
      this.setAction(session, 'togglemicrophone', () => this.shown && this.handlers.setMuted(!this.shown.muted));
    }
    if (was?.id !== call.id || was.muted !== call.muted) {
      void Promise.resolve((session as MicrophoneSession).setMicrophoneActive?.(!call.muted)).catch(() => undefined);
    }
  }

  private setAction(session: MediaSession, action: CallAction, handler: (() => void) | null): void {
    try {
      (session as unknown as CallActionSession).setActionHandler(action, handler);
      if (handler) this.actions.push(action);
    } catch {
      // not a call action this browser knows (Firefox, Safari)
    }
  }

  private clear(session: MediaSession): void {
    session.metadata = null;
    session.playbackState = 'none';
    for (const action of this.actions) this.setAction(session, action, null);
    this.actions = [];
  }
}
