// <tc-connect-panel>: making an invite, pasting a code, handing back the answer. Renders `pairing`;
// sends tc-new-invite and tc-submit-code up.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import type { Pairing } from '../app/app-state';
import { emit } from './events';
import { controlStyles } from './shared-styles';
import './code-card';
import './qr-scanner';

const stateText: Record<Pairing['state'], string> = {
  gathering: 'Preparing the connection…',
  'waiting-for-answer': 'Waiting for the answer code. Keep this page open.',
  'waiting-for-inviter': 'Waiting for your contact to paste this answer. Keep this page open.',
  connecting: 'Connecting…',
  connected: 'Connected.',
  closed: 'The connection closed.',
  failed: 'The connection failed.',
};

@customElement('tc-connect-panel')
export class ConnectPanel extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; }
      ol { padding-left: 1.25rem; margin: 0 0 0.75rem; }
      section + section { margin-top: 1.25rem; }
      textarea { font: 1rem/1.4 ui-monospace, monospace; resize: vertical; }
      .status { font-weight: 600; margin: 0.75rem 0 0; }
    `,
  ];

  @property({ attribute: false }) pairing?: Pairing;
  @query('#paste') private pasteField!: HTMLTextAreaElement;

  private handleSubmit(event: Event): void {
    event.preventDefault();
    emit(this, 'tc-submit-code', this.pasteField.value);
  }

  private handlePasteKey(event: KeyboardEvent): void {
    if (event.key === 'Enter' && !event.shiftKey) this.handleSubmit(event);
  }

  /** Clears the paste box; the shell calls it once a code was taken. */
  clearPaste(): void {
    if (this.pasteField) this.pasteField.value = '';
  }

  protected override render() {
    const p = this.pairing;
    const validUntil = p?.validUntil ? new Date(p.validUntil).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '';
    return html`
      <section aria-labelledby="start">
        <h2 id="start">Start a conversation</h2>
        <ol>
          <li>Press <b>New invite</b> and send the invite to your contact (copy, share or show the QR code).</li>
          <li>Your contact pastes it into Tincan and sends you back an <b>answer code</b>.</li>
          <li>Paste the answer below and press <b>Connect</b>.</li>
        </ol>
        <button type="button" class="primary" @click=${() => emit(this, 'tc-new-invite', undefined)}
          ?disabled=${p?.role === 'inviter' && p.state === 'gathering'}>New invite</button>
        ${p?.role === 'inviter' && p.code
          ? html`<tc-code-card kind="invite" .code=${p.code} .link=${p.link ?? ''}
              hint="This invite works only while this page stays open: if you reload or close it, make a new invite."></tc-code-card>`
          : nothing}
      </section>
      <section aria-labelledby="paste-heading">
        <h2 id="paste-heading">Got a code?</h2>
        <tc-qr-scanner></tc-qr-scanner>
        <form @submit=${this.handleSubmit}>
          <label for="paste">Paste a code</label>
          <textarea id="paste" rows="2" aria-label="Paste a code" autocomplete="off" autocapitalize="characters"
            spellcheck="false" placeholder="Invite or answer code, or a Tincan link"
            @keydown=${this.handlePasteKey}></textarea>
          <div class="row"><button type="submit" class="primary">Connect</button></div>
        </form>
        ${p?.role === 'answerer' && p.code
          ? html`<tc-code-card kind="answer" .code=${p.code}
              hint="Send this answer back to the person who invited you and keep this page open until you are connected. On the same network it stays valid for 20 minutes${validUntil ? ` (until ${validUntil})` : ''}; across different networks, routers forget the way after about 30 seconds, so send it back quickly."></tc-code-card>`
          : nothing}
      </section>
      ${p ? html`<p class="status" role="status">${stateText[p.state]}</p>` : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-connect-panel': ConnectPanel;
  }
}
