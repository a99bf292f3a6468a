// <tc-contact-panel>: who this conversation is with and whether that is proven: the safety number (digits and a
// QR code to compare, or a scan of theirs), the verified mark, a moved device or a record restored from an older
// copy, how the connection runs, and the conversation's own actions (export, disconnect, delete). Loaded lazily:
// nothing here is needed before unlock, and the QR code brings its library.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { ConversationView, Notice, OpenConversation } from '../app/app-state';
import { emit } from './events';
import { whenText } from './message-format';
import { connectionStatusText } from './chat-screen';
import { chatText, contactText, mailboxText, relayText, shellText } from './messages';
import { controlStyles } from './shared-styles';
import './inline-notice';

/**
 * @fires tc-back
 * @fires tc-set-verified - { verified }
 * @fires tc-export-transcript - { format }
 * @fires tc-disconnect / tc-delete-conversation - { conversationId }
 * @fires tc-submit-code - { text, source: 'scan' } a scanned safety number (the app compares it)
 * @fires tc-set-use-relays - { conversationId, use }
 * @fires tc-set-mailbox-shared - { conversationId, shared } "Let <name> use my mailbox"
 */
@customElement('tc-contact-panel')
export class ContactPanel extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: flex; flex-direction: column; gap: 1rem; min-width: 0; }
      .back { display: inline-flex; }
      .verified { color: var(--tc-ok-text); font-weight: 600; }
      .digits {
        font: 1.15rem/1.7 ui-monospace, monospace; display: grid; grid-template-columns: repeat(4, auto); gap: 0 0.9rem;
        justify-content: start; margin: 0.5rem 0;
      }
      @media (max-width: 340px) { .digits { grid-template-columns: repeat(3, auto); } }
      tc-qr-code { max-width: 240px; }
      .actions { display: flex; flex-direction: column; align-items: stretch; gap: 0.5rem; }
    `,
  ];

  @property({ attribute: false }) conversation?: ConversationView;
  @property({ attribute: false }) open?: OpenConversation;
  /** A notice of area 'conversation' (a compared safety number, say), shown by the safety number. */
  @property({ attribute: false }) notice?: Notice;
  @state() private isSafetyShown = false;

  override connectedCallback(): void {
    super.connectedCallback();
    void import('./qr-scanner');
  }

  /** Opens the safety number (a group member's "Safety number with <name>" comes here for it). */
  showSafetyNumber(): void {
    if (!this.isSafetyShown) this.toggleSafety();
  }

  private toggleSafety(): void {
    this.isSafetyShown = !this.isSafetyShown;
    if (this.isSafetyShown) void import('./qr-code');
  }

  private renderSafety(c: ConversationView) {
    const digits = this.open?.id === c.id ? (this.open.safetyNumber ?? []) : [];
    return html`<section role="region" aria-label=${contactText.safetyNumber} class="card">
      <p>${contactText.safetyExplain(c.name)}</p>
      <div class="digits">${digits.map((group) => html`<span>${group}</span>`)}</div>
      ${digits.length ? html`<tc-qr-code .text=${digits.join('')} .label=${contactText.safetyQr}></tc-qr-code>` : nothing}
      <p class="hint">${contactText.safetyScan(c.name)}</p>
      <tc-qr-scanner></tc-qr-scanner>
      <div class="row">
        ${c.verified
          ? html`<button type="button" @click=${() => emit(this, 'tc-set-verified', { verified: false })}>${contactText.clearVerified}</button>`
          : html`<button type="button" class="primary" @click=${() => emit(this, 'tc-set-verified', { verified: true })}>${contactText.markVerified}</button>`}
      </div>
    </section>`;
  }

  protected override render() {
    const c = this.conversation;
    if (!c) return nothing;
    const keyChangedWhen = whenText(c.keyChangedAt);
    return html`
      <div class="screen-header">
        <button type="button" class="back quiet" @click=${() => emit(this, 'tc-back')}>
          <span aria-hidden="true">←</span>${shellText.back}</button>
        <h2 tabindex="-1">${contactText.heading(c.name)}</h2>
      </div>
      <p role="status" aria-label=${chatText.connection}>${connectionStatusText(c)}</p>
      <p>${c.verified ? html`<span class="verified">✓ ${contactText.verified}</span>` : contactText.notVerified}
        ${c.connection === 'online' && c.path ? html` · ${contactText.path(c.path)}` : nothing}</p>
      ${c.keyChangedAt !== undefined
        ? html`<p class="card warning">${contactText.keyChanged(c.name, keyChangedWhen)}</p>`
        : nothing}
      ${c.restoredOlder ? html`<p class="card warning">${contactText.restoredOlder(c.name)}</p>` : nothing}
      ${c.dropped > 0 ? html`<p class="hint">${contactText.dropped(c.dropped)}</p>` : nothing}
      <div>
        <button type="button" aria-expanded=${this.isSafetyShown ? 'true' : 'false'} @click=${this.toggleSafety}>
          ${contactText.safetyNumber}</button>
      </div>
      ${this.isSafetyShown ? this.renderSafety(c) : nothing}
      <div>
        <label class="choice">
          <input type="checkbox" .checked=${c.useRelays} ?disabled=${!c.relaysAvailable} aria-describedby="relays-hint"
            @change=${(e: Event) => emit(this, 'tc-set-use-relays', { conversationId: c.id, use: (e.target as HTMLInputElement).checked })} />
          <span class="label">${relayText.useWith(c.name)}</span>
        </label>
        <p class="hint" id="relays-hint">${relayText.useWithHint(c.relaysAvailable)}</p>
      </div>
      ${c.group ? nothing : html`<div>
        <label class="choice">
          <input type="checkbox" .checked=${c.mailboxShared} aria-describedby="mailbox-share-hint"
            @change=${(e: Event) => emit(this, 'tc-set-mailbox-shared', { conversationId: c.id, shared: (e.target as HTMLInputElement).checked })} />
          <span class="label">${mailboxText.shareWith(c.name)}</span>
        </label>
        <p class="hint" id="mailbox-share-hint">${mailboxText.shareWithHint}</p>
      </div>`}
      ${this.notice?.area === 'conversation' && (!this.notice.conversationId || this.notice.conversationId === c.id) ? html`<tc-inline-notice .notice=${this.notice} dismissible></tc-inline-notice>` : nothing}
      <div class="actions">
        <button type="button" @click=${() => emit(this, 'tc-export-transcript', { format: 'text' })}>${contactText.exportText}</button>
        <button type="button" @click=${() => emit(this, 'tc-export-transcript', { format: 'markdown' })}>${contactText.exportMarkdown}</button>
        <p class="hint">${contactText.exportWarning}</p>
        ${c.connection === 'online'
          ? html`<button type="button" @click=${() => emit(this, 'tc-disconnect', { conversationId: c.id })}>${chatText.disconnect}</button>`
          : nothing}
        <button type="button" class="danger" @click=${() => emit(this, 'tc-delete-conversation', { conversationId: c.id })}>
          ${contactText.delete}</button>
      </div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-contact-panel': ContactPanel;
  }
}
