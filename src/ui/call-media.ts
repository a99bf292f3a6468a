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

/** The next step gets focus: "Accept call" (`.accept`) when it rings, "End call" (`.end`) once the call view opens. */
export function focusCallStep(root: ParentNode, call: CallStep | undefined, was: CallStep | undefined): void {
  if (call?.phase === 'ringing-in' && was?.id !== call.id) root.querySelector<HTMLButtonElement>('.accept')?.focus();
  else if (call && call.phase !== 'ringing-in' && (was?.id !== call.id || was.phase === 'ringing-in')) root.querySelector<HTMLButtonElement>('.end')?.focus();
}
