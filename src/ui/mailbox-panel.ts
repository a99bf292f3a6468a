// <tc-mailbox-panel>: Settings' mailbox section (docs/mailbox.md): a box for the mailbox code and "Add mailbox"
// while there is none; once added, its status and "Remove mailbox". Renders `status` from the app state; fires
// tc-add-mailbox and tc-remove-mailbox. The code is checked by the app (invite/mailbox-code.ts), whose error shows
// as the settings notice.
//
// Accessible names (the e2e tests use them): heading "Mailbox"; textbox "Mailbox code"; button "Add mailbox"; a
// status named "Mailbox" reading "Connected" or "Offline"; button "Remove mailbox".
import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { emit } from './events';
import { mailboxText } from './messages';
import { controlStyles } from './shared-styles';

/**
 * @fires tc-add-mailbox - { text }
 * @fires tc-remove-mailbox
 */
@customElement('tc-mailbox-panel')
export class MailboxPanel extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; }
      textarea { width: 100%; box-sizing: border-box; min-height: 4.5rem; font-family: ui-monospace, monospace; word-break: break-all; }
    `,
  ];

  /** undefined: no mailbox added. */
  @property() status?: 'connected' | 'offline';
  @property({ type: Boolean }) busy = false;
  @state() private text = '';

  private handleAdd(event: Event): void {
    event.preventDefault();
    emit(this, 'tc-add-mailbox', { text: this.text });
  }

  protected override willUpdate(): void {
    if (this.status) this.text = '';
  }

  protected override render() {
    return html`<section aria-labelledby="mailbox-heading">
      <h2 id="mailbox-heading">${mailboxText.heading}</h2>
      ${this.status
        ? html`<p>${mailboxText.statusName}: <span role="status" aria-label=${mailboxText.statusName}>${this.status === 'connected' ? mailboxText.connected : mailboxText.offline}</span></p>
            <button type="button" @click=${() => emit(this, 'tc-remove-mailbox')}>${mailboxText.remove}</button>`
        : html`<p class="hint">${mailboxText.intro}</p>
            <form novalidate @submit=${this.handleAdd}>
              <label for="mailbox-code">${mailboxText.codeLabel}</label>
              <textarea id="mailbox-code" autocomplete="off" autocapitalize="off" spellcheck="false" .value=${this.text}
                @input=${(e: Event) => (this.text = (e.target as HTMLTextAreaElement).value)}></textarea>
              <div class="row"><button type="submit" class="primary" ?disabled=${this.busy}>${mailboxText.add}</button></div>
            </form>`}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-mailbox-panel': MailboxPanel;
  }
}
