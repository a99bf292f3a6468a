// <tc-pairing-screen>: connecting to someone, one step after another. An invite that came by link waits for
// consent (tc-invitation-card); each invite or answer in progress is a card (tc-exchange-card) with the paste box
// right under it; "New invite" with how far it reaches; "Paste a code" + "Connect"; scanning a QR code (its
// component is loaded when this screen first shows). Errors of area 'pairing' appear next to the control the
// person used last, announced as alerts. The next step gets the focus: the new code's first action, "Answer".
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, queryAll, state } from 'lit/decorators.js';
import type { ExchangeView, Invitation, Notice, Reach } from '../app/app-state';
import { emit } from './events';
import type { ExchangeCard } from './exchange-card';
import type { InvitationCard } from './invitation-card';
import { answerBoxText, homeText, knownInviterText, pairingText, shellText } from './messages';
import { controlStyles } from './shared-styles';
import './exchange-card';
import './inline-notice';
import './invitation-card';
import './reach-choice';

/** Which control the person used last: its area's errors are shown next to it. */
type PairingControl = 'invite' | 'paste' | 'cards';

const isInviterKind = (e: ExchangeView) => e.kind === 'invite' || e.kind === 'reconnect';

/**
 * @fires tc-new-invite
 * @fires tc-submit-code - { text, source: 'paste' } (the scanner fires it with source 'scan')
 * @fires tc-set-reach - { reach }
 * @fires tc-back - the back button (phones)
 */
@customElement('tc-pairing-screen')
export class PairingScreen extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: flex; flex-direction: column; gap: 1rem; min-width: 0; }
      ol { margin: 0.25rem 0 0.75rem; padding-left: 1.4rem; }
      ol li + li { margin-top: 0.35rem; }
      textarea { font: 1rem/1.4 ui-monospace, monospace; resize: vertical; }
      form .row button { flex: 1 1 auto; }
      .new-invite { width: 100%; }
      tc-reach-choice { margin-top: 0.5rem; }
      tc-inline-notice { margin-top: 0.75rem; }
      tc-qr-scanner { margin-top: 0.75rem; }
    `,
  ];

  @property({ attribute: false }) exchanges: readonly ExchangeView[] = [];
  @property({ attribute: false }) invitation?: Invitation;
  @property({ attribute: false }) notice?: Notice;
  @property() reach: Reach = 'local';
  @property({ type: Boolean }) busy = false;
  /** No conversation yet: the three steps are explained. */
  @property({ type: Boolean }) isFirstContact = true;
  @state() private lastControl: PairingControl = 'paste';
  /** "Paste answer" could not read the clipboard: the person pastes into the box instead. */
  @state() private isClipboardRefused = false;
  @query('#paste') private pasteField?: HTMLTextAreaElement;
  @query('tc-invitation-card') private invitationCard?: InvitationCard;
  @queryAll('tc-exchange-card') private cards!: NodeListOf<ExchangeCard>;
  /** Exchanges whose code was already shown: only a new code moves the focus. */
  private readonly codesSeen = new Set<string>();
  /** Where this screen is shown (the shell's shadow root): told when the person leaves it, once it is detached. */
  private shownIn?: Node;

  /** Clears the paste box once its code was taken. */
  clearPaste(): void {
    if (this.pasteField) this.pasteField.value = '';
  }

  focusPaste(): void {
    this.pasteField?.focus();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.shownIn = this.getRootNode();
    // The scanner (camera, picture decoding) is not needed before this screen shows.
    void import('./qr-scanner');
  }

  /** Leaving the Connect screen (Settings, a conversation, the lock) leaves its error about a code behind: a banner
   * on the next screen would speak of a code that is no longer in view. Sent from where the screen was, since a
   * detached element's events reach no one. */
  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.notice && this.shownIn) emit(this.shownIn, 'tc-dismiss-notice');
    this.shownIn = undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('exchanges') && !changed.get('exchanges')) {
      // The first list: codes already on screen before this component existed count as seen.
      for (const e of this.exchanges) if (e.code) this.codesSeen.add(e.id);
    }
  }

  protected override async updated(changed: PropertyValues<this>): Promise<void> {
    // An error shows next to the control that caused it: on a phone that may be below the fold, so bring it up.
    if (changed.has('notice') && this.notice && this.isShown()) {
      const shown = this.renderRoot.querySelector('tc-inline-notice');
      await (shown as LitElement | null)?.updateComplete;
      shown?.scrollIntoView({ block: 'nearest' });
    }
    if (changed.has('invitation') && this.invitation && !changed.get('invitation')) {
      await this.invitationCard?.focusAnswer();
      return;
    }
    if (!changed.has('exchanges')) return;
    const fresh = this.exchanges.find((e) => e.code && !this.codesSeen.has(e.id) && (e.kind !== 'reconnect-answer' || e.showFallback));
    for (const e of this.exchanges) if (e.code) this.codesSeen.add(e.id);
    if (!fresh || !this.isShown()) return;
    const card = [...this.cards].find((c) => c.exchange.id === fresh.id);
    await card?.focusNextStep();
  }

  /** Hidden (display: none) on a phone that shows another screen: focus must not jump there. */
  private isShown(): boolean {
    return this.getClientRects().length > 0;
  }

  private handleSubmit(event: Event): void {
    event.preventDefault();
    this.lastControl = 'paste';
    emit(this, 'tc-submit-code', { text: this.pasteField?.value ?? '', source: 'paste' });
  }

  private handlePasteKey(event: KeyboardEvent): void {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) this.handleSubmit(event);
  }

  /** A code pasted into the empty box is taken at once: pasting it is the step, "Connect" would be one tap more.
   * Text pasted into a box that holds some already (a code put together by hand) waits for "Connect". */
  private handlePaste(event: ClipboardEvent): void {
    const field = event.target as HTMLTextAreaElement;
    if (field.value.trim()) return;
    // The pasted text is in the box only after the event.
    setTimeout(() => {
      if (field.value.trim()) this.handleSubmit(new Event('submit'));
    }, 0);
  }

  /** The invite was copied or shared: the next step is the answer, so its box comes into view. */
  private handleCodeHanded(event: HTMLElementEventMap['tc-code-handed']): void {
    if (event.detail.kind !== 'invite') return;
    this.pasteField?.scrollIntoView({ block: 'nearest' });
  }

  /** "Paste answer": the clipboard's text, taken at once (the browser may ask first, or refuse). */
  private async pasteFromClipboard(): Promise<void> {
    this.lastControl = 'paste';
    let text = '';
    try {
      text = await navigator.clipboard.readText();
    } catch {
      // refused: said below, and the box takes a paste by keyboard or menu
    }
    this.isClipboardRefused = !text.trim();
    if (this.isClipboardRefused || !this.pasteField) {
      this.pasteField?.focus();
      return;
    }
    this.pasteField.value = text;
    this.handleSubmit(new Event('submit'));
  }

  private newInvite(): void {
    this.lastControl = 'invite';
    emit(this, 'tc-new-invite');
  }

  /** An invite from a contact's device: maybe one answered before, which cannot connect again. */
  private renderKnownInviter(invitation: Invitation) {
    const contactId = invitation.knownContactId;
    const name = invitation.contactName;
    if (!contactId || !name) return nothing;
    const reconnect = (): void => {
      emit(this, 'tc-decline-invitation');
      emit(this, 'tc-reconnect', { conversationId: contactId });
    };
    return html`<div class="card">
      <p>${knownInviterText.body(name)}</p>
      <div class="row"><button type="button" ?disabled=${this.busy} @click=${reconnect}>${knownInviterText.reconnect(name)}</button></div>
    </div>`;
  }

  private noticeAt(control: PairingControl) {
    return this.lastControl === control && this.notice ? html`<tc-inline-notice .notice=${this.notice} dismissible></tc-inline-notice>` : nothing;
  }

  private renderStart(isQuiet: boolean) {
    return html`<section class="card" aria-labelledby="start-heading">
      <h2 id="start-heading">${homeText.emptyHeading}</h2>
      ${this.isFirstContact && !this.exchanges.length && !this.invitation ? html`<ol>${pairingText.steps.map((step) => html`<li>${step}</li>`)}</ol>` : nothing}
      <button type="button" class="new-invite ${isQuiet ? '' : 'primary'}" ?disabled=${this.busy} @click=${this.newInvite}>
        ${pairingText.newInvite}</button>
      <tc-reach-choice .reach=${this.reach}></tc-reach-choice>
      ${this.noticeAt('invite')}
    </section>`;
  }

  /** "Paste a code" + "Connect". Inside the invite card that waits for an answer (`answerFor`), with its hint and
   * "Paste answer" where the browser lets a page read the clipboard; else in "Got a code?". */
  private renderPasteForm(answerFor?: ExchangeView) {
    const hint = answerFor
      ? answerFor.kind === 'reconnect' && answerFor.contactName ? answerBoxText.hintReconnect(answerFor.contactName) : pairingText.pasteHintInviter
      : undefined;
    const canReadClipboard = !!answerFor && typeof navigator.clipboard?.readText === 'function';
    return html`<form @submit=${this.handleSubmit} slot=${answerFor ? 'answer' : nothing}>
        <label for="paste">${pairingText.pasteLabel}</label>
        <textarea id="paste" rows="2" autocomplete="off" autocapitalize="characters" spellcheck="false"
          placeholder=${pairingText.pastePlaceholder} aria-describedby=${hint ? 'paste-hint' : nothing}
          @keydown=${this.handlePasteKey} @paste=${this.handlePaste}></textarea>
        ${hint ? html`<p class="hint" id="paste-hint">${hint}</p>` : nothing}
        ${this.isClipboardRefused && canReadClipboard ? html`<p class="hint" role="status">${answerBoxText.clipboardRefused}</p>` : nothing}
        <div class="row">
          ${canReadClipboard ? html`<button type="button" @click=${this.pasteFromClipboard}>${answerBoxText.pasteAnswer}</button>` : nothing}
          <button type="submit" class="primary">${pairingText.connect}</button>
        </div>
        ${this.noticeAt('paste')}
      </form>`;
  }

  private renderPaste(formInCard: boolean) {
    return html`<section class="card" aria-labelledby="paste-heading">
      <h2 id="paste-heading">${pairingText.gotCode}</h2>
      ${formInCard ? nothing : this.renderPasteForm()}
      <tc-qr-scanner @tc-submit-code=${() => (this.lastControl = 'paste')} @tc-scan-error=${() => (this.lastControl = 'paste')}></tc-qr-scanner>
    </section>`;
  }

  protected override render() {
    const openInvite = this.exchanges.some((e) => isInviterKind(e) && e.state !== 'failed' && e.state !== 'closed');
    // One primary action at a time: while a code is being exchanged, "New invite" is not it.
    const exchanging = this.exchanges.some((e) => e.state !== 'failed' && e.state !== 'closed') || !!this.invitation;
    // The newest invite waiting for its answer (a one-code reconnect's answer is a fallback) holds the paste box.
    const answerFor = this.exchanges.find((e) => isInviterKind(e) && !!e.code && (e.state === 'waiting-for-answer' || e.state === 'waiting-for-peer'));
    return html`
      <div class="screen-header">
        <button type="button" class="back quiet phone-only" @click=${() => emit(this, 'tc-back')}>
          <span aria-hidden="true">←</span>${shellText.back}</button>
        <h2 tabindex="-1">${pairingText.heading}</h2>
      </div>
      ${this.invitation
        ? html`<tc-invitation-card .invitation=${this.invitation} ?busy=${this.busy}
            @tc-accept-invitation=${() => (this.lastControl = 'cards')}></tc-invitation-card>
          ${this.renderKnownInviter(this.invitation)}`
        : nothing}
      ${this.exchanges.map((e) => html`<tc-exchange-card .exchange=${e} .reach=${this.reach} @tc-code-handed=${this.handleCodeHanded}>${e === answerFor
        ? this.renderPasteForm(e) : nothing}</tc-exchange-card>`)}
      ${this.noticeAt('cards')}
      ${openInvite ? nothing : this.renderStart(exchanging)}
      ${this.renderPaste(!!answerFor)}
      ${openInvite ? this.renderStart(true) : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-pairing-screen': PairingScreen;
  }
}
