// <tc-code-card>: one code to hand to the other person, as text, a link, a QR code, with Share and Copy.
// Accessible names follow the UI contract: textbox "Invite code" / "Answer code", img "Invite QR code" /
// "Answer QR code", button "Copy invite" / "Copy answer" (each copies exactly what the box shows), "Copy link"
// (invites: the page link with the code in it, which opens Tincan at the invite), "Share invite" / "Share answer"
// where the Web Share API exists and "Email invite" where it does not. The QR code (and the qrcode library) is
// loaded only when the person asks for it.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { emit } from './events';
import { codeCardText, codeFoldText } from './messages';
import { controlStyles } from './shared-styles';

type Copied = 'link' | 'code' | 'failed';

/**
 * @fires tc-code-handed - { kind } the code was copied or shared: the person is sending it (the next step follows)
 */
@customElement('tc-code-card')
export class CodeCard extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; }
      textarea { font: 0.95rem/1.4 ui-monospace, monospace; resize: none; word-break: break-all; margin-top: 0.25rem; }
      /* Each button keeps its words on one line (Firefox's wider font broke "Copy answer" and "Show QR code" in two on a
         360 px phone, in equal grid columns); one with no room left moves to the next row, and a row's buttons share it. */
      .actions { display: flex; flex-wrap: wrap; gap: 0.5rem; margin-top: 0.75rem; }
      .actions > * { flex: 1 1 auto; white-space: nowrap; padding: 0.5rem 0.6rem; }
      label { margin-top: 0.75rem; }
      .copied { display: flex; gap: 0.4rem; align-items: flex-start; margin: 0.6rem 0 0; padding: 0.5rem 0.6rem; border-radius: 10px;
        background: var(--tc-ok-bg); border: 1px solid var(--tc-ok); font-weight: 600; }
      .copied.failed { background: var(--tc-warn-bg); border-color: var(--tc-warn); font-weight: 500; }
      .copied.empty { margin: 0; padding: 0; border: 0; }
      .qr { margin-top: 0.75rem; text-align: center; }
      tc-qr-code { margin: 0 auto; max-width: 320px; }
    `,
  ];

  /** 'invite' or 'answer': decides every label. */
  @property() kind: 'invite' | 'answer' = 'invite';
  @property() code = '';
  /** The page link carrying the code (`<page>#<code>`); invites only. */
  @property() link = '';
  @state() private copied?: Copied;
  @state() private isQrShown = false;
  /** An invite travels as its link: its raw code (and "Copy invite") waits behind "Show code". */
  @state() private isCodeShown = false;
  @query('textarea') private field?: HTMLTextAreaElement;
  @query('.actions button') private firstAction?: HTMLButtonElement;

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    // A new code: what was copied before is not this one.
    if (changed.has('code') && changed.get('code')) this.copied = undefined;
  }

  /** Focus goes to the first way of sending the code: the next step for the person. */
  focusFirstAction(): void {
    this.firstAction?.focus();
    this.firstAction?.scrollIntoView({ block: 'nearest' });
  }

  private get isInvite(): boolean {
    return this.kind === 'invite';
  }

  private async copy(text: string, what: Copied): Promise<void> {
    try {
      await navigator.clipboard.writeText(text);
      this.copied = what;
      // Once the "copied" line is shown: what comes into view next is measured below it.
      await this.updateComplete;
      emit(this, 'tc-code-handed', { kind: this.kind });
    } catch {
      // Clipboard refused (permissions, an http page): select the code so the person can copy it.
      this.isCodeShown = true;
      await this.updateComplete;
      const field = this.field;
      field?.focus();
      field?.select();
      this.copied = 'failed';
    }
  }

  private async share(): Promise<void> {
    const text = this.isInvite ? codeCardText.shareInviteText : codeCardText.shareAnswerText;
    const data: ShareData = this.isInvite && this.link
      ? { title: codeCardText.shareTitle, text, url: this.link }
      : { title: codeCardText.shareTitle, text: `${text} ${this.code}` };
    try {
      await navigator.share(data);
      emit(this, 'tc-code-handed', { kind: this.kind });
    } catch {
      // cancelled by the person, or refused: the Copy buttons stay next to it
    }
  }

  private toggleQr(): void {
    this.isQrShown = !this.isQrShown;
    if (this.isQrShown) void import('./qr-code');
  }

  private copiedText(): string {
    switch (this.copied) {
      case 'link':
        return codeCardText.linkCopied;
      case 'code':
        return this.isInvite ? codeCardText.inviteCopied : codeCardText.answerCopied;
      case 'failed':
        return codeCardText.copyFailed;
      default:
        return '';
    }
  }

  private get canShare(): boolean {
    return typeof navigator.share === 'function';
  }

  /** Share (or, without the Web Share API, an e-mail) and Copy link: an invite travels best as a link. */
  private renderInviteActions() {
    const copyLink = html`<button type="button" class=${this.canShare ? '' : 'primary'}
      @click=${() => this.copy(this.link, 'link')}>${codeCardText.copyLink}</button>`;
    if (this.canShare) {
      return html`<button type="button" class="primary" @click=${this.share}>${codeCardText.shareInvite}</button>${copyLink}`;
    }
    const mailto = `mailto:?subject=${encodeURIComponent(codeCardText.emailSubject)}&body=${encodeURIComponent(`${codeCardText.shareInviteText} ${this.link}`)}`;
    return html`${copyLink}<a class="button" href=${mailto}>${codeCardText.emailInvite}</a>`;
  }

  /** An answer goes back as the bare code: it only works on the page that made the invite. */
  private renderAnswerActions() {
    const copy = html`<button type="button" class=${this.canShare ? '' : 'primary'}
      @click=${() => this.copy(this.code, 'code')}>${this.isInvite ? codeCardText.copyInvite : codeCardText.copyAnswer}</button>`;
    return this.canShare
      ? html`<button type="button" class="primary" @click=${this.share}>${this.isInvite ? codeCardText.shareInvite : codeCardText.shareAnswer}</button>${copy}`
      : copy;
  }

  protected override render() {
    const id = `${this.kind}-code`;
    const label = this.isInvite ? codeCardText.inviteCode : codeCardText.answerCode;
    const qrLabel = this.isInvite ? codeCardText.inviteQr : codeCardText.answerQr;
    const copiedText = this.copiedText();
    return html`
      <div class="actions">
        ${this.isInvite && this.link ? this.renderInviteActions() : this.renderAnswerActions()}
        <button type="button" aria-expanded=${this.isQrShown ? 'true' : 'false'} @click=${this.toggleQr}>
          ${this.isQrShown ? codeCardText.hideQr : codeCardText.showQr}</button>
      </div>
      <p class="copied ${this.copied === 'failed' ? 'failed' : ''} ${copiedText ? '' : 'empty'}" role="status">${copiedText}</p>
      ${this.isQrShown
        ? html`<div class="qr">
            <tc-qr-code .text=${this.isInvite && this.link ? this.link : this.code} .label=${qrLabel}></tc-qr-code>
            <p class="hint">${this.isInvite ? codeCardText.qrHintInvite : codeCardText.qrHintAnswer}</p>
          </div>`
        : nothing}
      ${this.isInvite && this.link ? this.renderFoldedCode(id, label) : this.renderCode(id, label)}
    `;
  }

  private renderCode(id: string, label: string) {
    return html`<label for=${id}>${label}</label>
      <textarea id=${id} readonly rows="4" .value=${this.code} autocomplete="off" spellcheck="false"
        @focus=${(e: FocusEvent) => (e.target as HTMLTextAreaElement).select()}></textarea>`;
  }

  /** The raw invite code, for a person who cannot send a link: folded, so the card stays short on a phone. */
  private renderFoldedCode(id: string, label: string) {
    return html`<div class="row">
        <button type="button" class="quiet" aria-expanded=${this.isCodeShown ? 'true' : 'false'} @click=${() => (this.isCodeShown = !this.isCodeShown)}>
          ${this.isCodeShown ? codeFoldText.hideCode : codeFoldText.showCode}</button>
      </div>
      ${this.isCodeShown
        ? html`${this.renderCode(id, label)}
            <div class="row">
              <button type="button" @click=${() => this.copy(this.code, 'code')}>${codeCardText.copyInvite}</button>
            </div>`
        : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-code-card': CodeCard;
  }
}
