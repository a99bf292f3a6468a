// What the two call views share (call-view.ts for two people, group-call-view.ts for a group): their frame and
// controls (callStyles), media handed down opaque from chat/ played where they are MediaStreams, and focus going to
// the call's next step.
import { css } from 'lit';

/**
 * The frame both call views share. Ringing (`.ring`, with its `.row` of answers) floats over everything; the call
 * (`.call`) covers the page on a phone and, `docked` on a wide screen, is a block at the top of the conversation's
 * pane (each view sets its height), so the log's newest messages and the composer stay in view and in reach below it.
 * Docked, it is not sticky: in a pane that scrolls (contact details, settings) it scrolls away rather than cover what
 * has focus. The own preview (`.own`, each view sets its width) goes by the call's height when docked, clear of the
 * controls. The controls are light on the call's dark ground in both themes (the theme's light button took the call's
 * white text; the dark theme's error red is too light under white text: axe).
 */
export const callStyles = css`
  :host { position: fixed; inset: 0; z-index: 50; display: block; pointer-events: none; }
  .ring, .call { pointer-events: auto; }
  :host([docked]) { position: relative; inset: auto; z-index: 5; }
  :host([docked]) .call { position: relative; inset: auto; }
  :host([docked]) .own { width: auto; max-width: none; height: 35%; }
  .ring {
    position: fixed; left: 50%; top: 1rem; transform: translateX(-50%); width: min(26rem, calc(100vw - 2rem));
    background: var(--tc-card); color: var(--tc-fg); border: 2px solid var(--tc-border); border-radius: 14px;
    padding: 1rem; box-shadow: 0 8px 30px rgb(0 0 0 / 0.35);
  }
  .ring h2 { margin: 0 0 0.25rem; font-size: 1.15rem; }
  .ring .row { display: flex; gap: 0.75rem; margin-top: 0.75rem; }
  .ring .row button { flex: 1; min-height: 3rem; }
  .call { position: absolute; inset: 0; background: #111; color: #fff; display: flex; flex-direction: column; }
  .own {
    position: absolute; right: 0.75rem; top: 0.75rem; aspect-ratio: 3 / 4;
    object-fit: cover; border-radius: 10px; border: 2px solid #fff; background: #333;
  }
  .controls {
    display: flex; justify-content: center; gap: 1rem; padding: 1rem 1rem calc(1rem + env(safe-area-inset-bottom));
    background: rgb(0 0 0 / 0.6);
  }
  .controls button {
    min-width: 4.5rem; min-height: 4.5rem; border-radius: 2.25rem; font-size: 0.9rem; background: #333; color: #fff; border-color: #777;
  }
  .controls button[aria-pressed='true'] { background: #fff; color: #111; }
  .controls .end { background: #b3261e; color: #fff; border-color: #b3261e; }
`;

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
