// <tc-code-card>: one code to hand to the other person, as text, QR code and link, with Copy and Share.
// Accessible names follow the UI contract: textbox "Invite code" / "Answer code", img "Invite QR code" /
// "Answer QR code", button "Copy invite" / "Copy answer", button "Share invite" / "Share answer".
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { controlStyles } from './shared-styles';
import './qr-code';

@customElement('tc-code-card')
export class CodeCard extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; }
      textarea { font: 1rem/1.4 ui-monospace, monospace; resize: none; word-break: break-all; }
      tc-qr-code { margin: 0.75rem auto 0; max-width: 320px; }
    `,
  ];

  /** 'invite' or 'answer': decides every label. */
  @property() kind: 'invite' | 'answer' = 'invite';
  @property() code = '';
  @property() link = '';
  @property() hint = '';
  @state() private copied = false;

  private get noun(): string {
    return this.kind === 'invite' ? 'Invite' : 'Answer';
  }

  /** The invite is copied as a link (it opens Tincan with the code in it); an answer goes back as the bare
   * code, since it only works on the page that made the invite. */
  private get copyText(): string {
    return this.kind === 'invite' && this.link ? this.link : this.code;
  }

  private async handleCopy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.copyText);
    } catch {
      // Clipboard refused (permissions, insecure origin): select the text so the person can copy it.
      const field = this.renderRoot.querySelector('textarea');
      field?.focus();
      field?.select();
      document.execCommand?.('copy');
    }
    this.copied = true;
    setTimeout(() => (this.copied = false), 2000);
  }

  private async handleShare(): Promise<void> {
    try {
      await navigator.share({ title: 'Tincan', text: `Tincan ${this.kind}: ${this.copyText}` });
    } catch {
      // cancelled by the person, or not allowed: nothing to do
    }
  }

  protected override render() {
    const id = `${this.kind}-code`;
    const canShare = typeof navigator.share === 'function';
    return html`
      <label for=${id}>${this.noun} code</label>
      <textarea id=${id} readonly rows="3" aria-label="${this.noun} code" .value=${this.code}
        @focus=${(e: FocusEvent) => (e.target as HTMLTextAreaElement).select()}></textarea>
      <div class="row">
        <button type="button" @click=${this.handleCopy}>Copy ${this.kind}</button>
        ${canShare ? html`<button type="button" @click=${this.handleShare}>Share ${this.kind}</button>` : nothing}
        <span role="status" aria-live="polite">${this.copied ? 'Copied.' : ''}</span>
      </div>
      ${this.hint ? html`<p class="hint">${this.hint}</p>` : nothing}
      <tc-qr-code .text=${this.link || this.code} label="${this.noun} QR code"></tc-qr-code>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-code-card': CodeCard;
  }
}
