// Ringing for an incoming call: the page title says who calls, a tone plays (unless the person turned it off: a
// display preference kept in localStorage, as the alerts' are), and a system notification shows when the page is
// hidden and notifications are allowed. The tone is made with WebAudio (no sound file); a browser that does not let
// a page play sound before a tap plays nothing, and the title and dialog still say it. The words come from the shell.

const preferencesKey = 'tincan.ring';
/** One ring: two short tones, then silence, repeated. */
const ringEveryMs = 2500;
const toneHz = 440;
const toneMs = 400;

export interface RingWords {
  ringTitle(name: string): string;
  incoming: string;
}

function storage(): Storage | undefined {
  try {
    return localStorage;
  } catch {
    return undefined; // storage blocked: the choice lasts for this page only
  }
}

export class CallRinger {
  private ringing?: { callId: string; timer: ReturnType<typeof setInterval>; audio?: AudioContext; notification?: Notification };
  private sound: boolean;

  constructor(private readonly words: RingWords) {
    this.sound = storage()?.getItem(preferencesKey) !== 'off';
  }

  get isSoundOn(): boolean {
    return this.sound;
  }

  setSound(on: boolean): boolean {
    this.sound = on;
    storage()?.setItem(preferencesKey, on ? 'on' : 'off');
    if (!on) void this.ringing?.audio?.close().catch(() => undefined);
    if (this.ringing && !on) this.ringing.audio = undefined;
    return on;
  }

  /** Rings for this call (again and again until `stop`); the title is set on every call, as the shell renders. */
  ring(callId: string, name: string): void {
    document.title = this.words.ringTitle(name);
    if (this.ringing?.callId === callId) return;
    this.stop();
    let audio: AudioContext | undefined;
    if (this.sound && typeof AudioContext === 'function') {
      try {
        audio = new AudioContext();
      } catch {
        audio = undefined;
      }
    }
    const beep = () => {
      if (!audio || audio.state === 'closed') return;
      for (const offsetMs of [0, toneMs + 150]) {
        const at = audio.currentTime + offsetMs / 1000;
        const tone = audio.createOscillator();
        const gain = audio.createGain();
        tone.frequency.value = toneHz;
        gain.gain.setValueAtTime(0.2, at);
        gain.gain.setValueAtTime(0, at + toneMs / 1000);
        tone.connect(gain).connect(audio.destination);
        tone.start(at);
        tone.stop(at + toneMs / 1000);
      }
    };
    beep();
    let notification: Notification | undefined;
    if (document.visibilityState === 'hidden' && typeof Notification === 'function' && Notification.permission === 'granted') {
      try {
        notification = new Notification(this.words.ringTitle(name), { body: this.words.incoming, tag: `call-${callId}` });
        notification.onclick = () => window.focus();
      } catch {
        notification = undefined; // Chromium on Android only notifies through a service worker
      }
    }
    this.ringing = { callId, timer: setInterval(beep, ringEveryMs), ...(audio ? { audio } : {}), ...(notification ? { notification } : {}) };
  }

  /** Stops ringing (answered, declined, missed); the shell puts the usual title back. */
  stop(): void {
    const ringing = this.ringing;
    if (!ringing) return;
    this.ringing = undefined;
    clearInterval(ringing.timer);
    void ringing.audio?.close().catch(() => undefined);
    ringing.notification?.close();
  }
}
