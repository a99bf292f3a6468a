// <tc-inline-notice>: one notice (an error, a warning or an info) shown next to the control that caused it,
// announced through role="alert". Long words wrap and "Dismiss" moves under the text on a narrow screen, so the
// notice never makes the page wider than the phone.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Notice } from '../app/app-state';
import { emit } from './events';
import { noticeText, shellText } from './messages';
import { controlStyles } from './shared-styles';

/**
 * @fires tc-dismiss-notice - the person pressed "Dismiss"
 */
@customElement('tc-inline-notice')
export class InlineNotice extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; }
      :host([hidden]) { display: none; }
      .notice {
        display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 0.75rem; padding: 0.6rem 0.75rem;
        border-radius: 10px; border: 2px solid var(--tc-warn); background: var(--tc-warn-bg); color: var(--tc-fg);
      }
      .notice.error { border-color: var(--tc-error); background: var(--tc-error-bg); }
      .notice.info { border-color: var(--tc-border); background: var(--tc-card); }
      .text { flex: 1 1 14rem; min-width: 0; overflow-wrap: anywhere; margin: 0; }
      .detail { display: block; font-size: 0.85rem; color: var(--tc-muted); margin-top: 0.25rem; }
      button { margin-left: auto; }
    `,
  ];

  @property({ attribute: false }) notice?: Notice;
  /** Whether the notice has a "Dismiss" button (errors next to a form go away on the next attempt instead). */
  @property({ type: Boolean }) dismissible = false;

  protected override render() {
    const notice = this.notice;
    // The alert element stays in the page while empty: screen readers announce what is put into it.
    return html`<div role="alert" class=${notice ? `notice ${notice.kind}` : ''}>${notice
      ? html`<p class="text">${noticeText(notice)}${notice.code && notice.detail
            ? html`<span class="detail">${notice.detail}</span>`
            : nothing}</p>
          ${this.dismissible ? html`<button type="button" @click=${() => emit(this, 'tc-dismiss-notice')}>${shellText.dismiss}</button>` : nothing}`
      : nothing}</div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-inline-notice': InlineNotice;
  }
}
