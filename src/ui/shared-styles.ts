// Styles every component shares: buttons, fields, focus rings, touch targets of at least 44 px.
import { css } from 'lit';

export const controlStyles = css`
  button {
    min-height: 44px; min-width: 44px; padding: 0 1rem; border-radius: 8px; border: 1px solid var(--tc-border);
    background: var(--tc-button); color: inherit; font: inherit; cursor: pointer;
  }
  button.primary { background: var(--tc-accent); color: var(--tc-on-accent); border-color: transparent; font-weight: 600; }
  button:disabled { opacity: 0.5; cursor: default; }
  button:focus-visible, textarea:focus-visible, input:focus-visible { outline: 3px solid var(--tc-focus); outline-offset: 2px; }
  textarea, input {
    width: 100%; box-sizing: border-box; font: inherit; padding: 0.6rem; border-radius: 8px;
    border: 1px solid var(--tc-border); background: var(--tc-field); color: inherit; min-height: 44px;
  }
  label { font-weight: 600; display: block; margin-bottom: 0.25rem; }
  .row { display: flex; gap: 0.5rem; flex-wrap: wrap; align-items: center; margin-top: 0.5rem; }
  .hint { font-size: 0.9rem; opacity: 0.85; margin: 0.5rem 0 0; }
  h2 { font-size: 1.1rem; margin: 0 0 0.5rem; }
`;
