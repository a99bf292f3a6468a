// What the two call views share (call-view.ts for two people, group-call-view.ts for a group): media handed down
// opaque from chat/ are played where they are MediaStreams, and focus goes to the call's next step.

/** Plays `media` in `element` when it is a MediaStream (the browser's handle chat/ passes on unopened). */
export function playMedia(element: HTMLMediaElement | null, media: unknown): void {
  if (!element) return;
  const stream = typeof MediaStream !== 'undefined' && media instanceof MediaStream ? media : null;
  if (element.srcObject !== stream) {
    element.srcObject = stream;
    if (stream) void element.play().catch(() => undefined);
  }
}

interface CallStep {
  readonly id: string;
  readonly phase: string;
}

/**
 * The step focus last went to, as "<call id> ringing" or "<call id> call": a view mounted again for the same step (a
 * window that crossed the phone/desktop width moves the call between its two places, tincan-shell.ts) leaves the
 * focus where the person put it, in the composer say, instead of taking it back to the call.
 */
let focusedStep: string | undefined;

/** The next step gets focus, once per step: "Accept call" (`.accept`) when it rings, "End call" (`.end`) once the
 * call view opens. */
export function focusCallStep(root: ParentNode, call: CallStep | undefined): void {
  if (!call) return;
  const isRinging = call.phase === 'ringing-in';
  const step = `${call.id} ${isRinging ? 'ringing' : 'call'}`;
  if (step === focusedStep) return;
  focusedStep = step;
  root.querySelector<HTMLButtonElement>(isRinging ? '.accept' : '.end')?.focus();
}
