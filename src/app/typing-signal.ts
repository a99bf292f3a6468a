// When this page tells a contact "typing" or "not typing" (issue 17): only on real changes, so a message costs no
// typing frames of its own. Pure: the app passes the time in and sends the frame this returns (chat/messenger.ts
// setTyping); tests drive it with a made-up clock.
//
//   on    at the first input after a quiet spell, and again every typingRepeatMs while the typing goes on (the peer
//         forgets "typing" after 5 s without news: app/tincan-app.ts typingIdleMs)
//   off   once, after typingPauseMs without input, or when the box is emptied, the page hidden or the conversation left
//   send  no frame: the message itself ends "typing" on the peer's screen (the receiving app clears it when the
//         message arrives). Input within typingPauseMs of a send says nothing either, so someone sending message
//         after message without a pause sends message frames only, never an "off" and an "on" around each one.

/** "Typing" is said again after this long of more typing (the peer forgets it after 5 s). */
export const typingRepeatMs = 2500;
/** This long without input (or after a send) counts as a pause: "typing" ends, or may start again. */
export const typingPauseMs = 3000;

export type TypingFrame = 'on' | 'off';

export class TypingSignal {
  private isOn = false;
  private lastOnAt = -Infinity;
  private lastInputAt = -Infinity;
  private lastSendAt = -Infinity;

  /** The person changed the text in the box; `hasText`: something is left in it. */
  input(now: number, hasText: boolean): TypingFrame | undefined {
    if (!hasText) return this.stop();
    this.lastInputAt = now;
    if (this.isOn ? now - this.lastOnAt < typingRepeatMs : now - this.lastSendAt < typingPauseMs) return undefined;
    this.isOn = true;
    this.lastOnAt = now;
    return 'on';
  }

  /** A message was sent (it ends "typing" on the peer's screen by itself). */
  sent(now: number): void {
    this.isOn = false;
    this.lastSendAt = now;
  }

  /** When idle() may next have something to say: while "typing" is on, the end of the current pause. */
  get checkAt(): number | undefined {
    return this.isOn ? this.lastInputAt + typingPauseMs : undefined;
  }

  /** The clock moved on without input: "off" once the pause is long enough. */
  idle(now: number): TypingFrame | undefined {
    return this.isOn && now - this.lastInputAt >= typingPauseMs ? this.stop() : undefined;
  }

  /** The typing ended (box emptied, page hidden, conversation left): "off" if it was on. */
  stop(): TypingFrame | undefined {
    if (!this.isOn) return undefined;
    this.isOn = false;
    return 'off';
  }
}
