// Styles every component shares: buttons, fields, links and choices as touch targets of at least 44 px, focus
// rings, cards, the visually hidden text of screen-reader-only labels, and the live "waiting" indicator.
// Colours come from custom properties in public/app.css (light and dark).
import { css } from 'lit';

export const controlStyles = css`
  :host { box-sizing: border-box; }
  *, *::before, *::after { box-sizing: inherit; }
  button, a.button, label.button {
    min-height: 44px; min-width: 44px; padding: 0.5rem 1rem; border-radius: 10px; border: 1px solid var(--tc-border);
    background: var(--tc-button); color: inherit; font: inherit; cursor: pointer; line-height: 1.25;
    display: inline-flex; align-items: center; justify-content: center; gap: 0.4rem; text-decoration: none;
    overflow-wrap: anywhere; text-align: center; max-width: 100%;
  }
  label.button { margin: 0; font-weight: inherit; }
  button.primary, a.button.primary, label.button.primary { background: var(--tc-accent); color: var(--tc-on-accent); border-color: transparent; font-weight: 600; }
  button.danger { border-color: var(--tc-error); color: var(--tc-error); }
  button.quiet { background: none; border-color: transparent; }
  button[aria-pressed='true'] { border-color: var(--tc-accent); box-shadow: inset 0 0 0 1px var(--tc-accent); }
  button.link { background: none; border-color: transparent; color: var(--tc-link); text-decoration: underline; padding: 0.5rem; }
  button:disabled { opacity: 0.55; cursor: default; }
  [tabindex='-1']:focus:not(:focus-visible) { outline: none; }
  button:focus-visible, a:focus-visible, textarea:focus-visible, input:focus-visible, [tabindex]:focus-visible {
    outline: 3px solid var(--tc-focus); outline-offset: 2px;
  }
  textarea, input:not([type='radio']):not([type='checkbox']) {
    width: 100%; font: inherit; padding: 0.6rem; border-radius: 10px;
    border: 1px solid var(--tc-border); background: var(--tc-field); color: inherit; min-height: 44px;
  }
  /* A file input that is itself the control (named, focusable, role button) while its <label class="button"> is
     what shows ("Attach file", "Choose the file again"): one control for keyboards, screen readers and pointers (the
     label is its touch target; with .sr-only, page checks measure the label). */
  input.file-picker[type='file'] {
    position: absolute; width: 1px; height: 1px; min-width: 0; min-height: 0; margin: 0; padding: 0; border: 0;
    opacity: 0; overflow: hidden; clip-path: inset(50%);
  }
  input.file-picker:focus-visible + label { outline: 3px solid var(--tc-focus); outline-offset: 2px; }
  input.file-picker:disabled + label { opacity: 0.55; cursor: default; }
  a { color: var(--tc-link); }
  label { font-weight: 600; display: block; margin-bottom: 0.25rem; }
  /* A radio or checkbox with its label: the whole row is the touch target. */
  .choice {
    display: grid; grid-template-columns: auto minmax(0, 1fr); column-gap: 0.6rem; align-items: center;
    min-height: 44px; padding: 0.35rem 0.5rem; border-radius: 10px; cursor: pointer;
  }
  .choice input { width: 1.3rem; height: 1.3rem; margin: 0; accent-color: var(--tc-accent); }
  .choice label, .choice .label { margin: 0; font-weight: 500; cursor: pointer; }
  .choice .hint { grid-column: 2; margin: 0.1rem 0 0; }
  .row { display: flex; gap: 0.5rem; flex-wrap: wrap; align-items: center; margin-top: 0.75rem; }
  .hint { font-size: 0.92rem; color: var(--tc-muted); margin: 0.5rem 0 0; }
  h2 { font-size: 1.15rem; margin: 0 0 0.5rem; line-height: 1.3; }
  h3 { font-size: 1rem; margin: 0 0 0.4rem; }
  p { margin: 0.5rem 0; }
  .card {
    background: var(--tc-card); border: 1px solid var(--tc-card-border); border-radius: 14px; padding: 1rem;
    min-width: 0;
  }
  .card.prominent { border: 2px solid var(--tc-accent); }
  .card.warning { border: 2px solid var(--tc-warn); background: var(--tc-warn-bg); }
  .card.danger { border: 2px solid var(--tc-error); background: var(--tc-error-bg); }
  .sr-only {
    position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
    clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; border: 0;
  }
  /* Something is happening: three dots that pulse (still under reduced motion, where the words carry it). */
  .live-dots { display: inline-flex; gap: 0.25rem; align-items: center; vertical-align: middle; }
  .live-dots i { width: 0.5rem; height: 0.5rem; border-radius: 50%; background: var(--tc-accent); animation: tc-pulse 1.2s infinite ease-in-out; }
  .live-dots i:nth-child(2) { animation-delay: 0.2s; }
  .live-dots i:nth-child(3) { animation-delay: 0.4s; }
  @keyframes tc-pulse { 0%, 80%, 100% { opacity: 0.25; transform: scale(0.8); } 40% { opacity: 1; transform: scale(1); } }
  @media (prefers-reduced-motion: reduce) { .live-dots i { animation: none; opacity: 0.8; } }
  /* Back buttons and the like: phones show one screen at a time; from 720 px the list stays beside it. */
  .phone-only { display: none !important; }
  @media (max-width: 719.98px) { .phone-only { display: inline-flex !important; } }
  .screen-header {
    display: flex; align-items: center; gap: 0.5rem; min-height: 56px; padding: 0.25rem 0;
  }
  .screen-header h2 { margin: 0; flex: 1; min-width: 0; overflow-wrap: anywhere; }
`;
