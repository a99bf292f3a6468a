// <tc-home-screen>: the first screen after unlock. "New invite" and "Paste or scan a code" always one tap away;
// before the first contact, one line on how to start; afterwards the list "Conversations", the offer to turn on
// notifications (asked only now that there is someone to hear from, and only when the person presses it), and on
// an iPhone's Safari the advice to add Tincan to the Home Screen so the history is not erased.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { ConversationView } from '../app/app-state';
import { emit } from './events';
import { homeText, pairingText } from './messages';
import { controlStyles } from './shared-styles';
import './conversation-list';
import './install-advice';

/**
 * @fires tc-new-invite
 * @fires tc-navigate - { view: 'pair' } ("Paste or scan a code")
 * @fires tc-enable-notifications / tc-dismiss-notifications-prompt
 */
@customElement('tc-home-screen')
export class HomeScreen extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: flex; flex-direction: column; gap: 1rem; min-width: 0; }
      .actions { display: grid; grid-template-columns: 1fr 1fr; gap: 0.5rem; }
      .actions button { width: 100%; }
      ol { margin: 0.25rem 0 0; padding-left: 1.4rem; }
      h2.list { margin: 0.25rem 0 0; }
    `,
  ];

  @property({ attribute: false }) conversations: readonly ConversationView[] = [];
  @property() activeId = '';
  @property({ type: Boolean }) showNotifyPrompt = false;
  @property({ type: Boolean }) showHomeScreenAdvice = false;
  @property({ type: Boolean }) busy = false;
  /** A code is being exchanged (the pairing screen shows it): "New invite" is not the next step then, and the
   * first-contact steps are on the pairing screen already. */
  @property({ type: Boolean }) exchanging = false;

  /** Focus lands on the first action ("New invite"): after creating a profile, it is the next step. */
  async focusFirstAction(): Promise<void> {
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLButtonElement>('.actions button')?.focus();
  }

  /** Back from a conversation: focus returns to its button in the list (or to the first action). */
  async focusConversation(conversationId: string): Promise<void> {
    await this.updateComplete;
    const list = this.renderRoot.querySelector('tc-conversation-list');
    await list?.updateComplete;
    if (!list?.focusConversation(conversationId)) await this.focusFirstAction();
  }

  private renderNotifyPrompt() {
    if (!this.showNotifyPrompt) return nothing;
    return html`<section class="card" aria-labelledby="notify-heading">
      <h2 id="notify-heading">${homeText.notifyHeading}</h2>
      <p class="hint">${homeText.notifyBody}</p>
      <div class="row">
        <button type="button" class="primary" @click=${() => emit(this, 'tc-enable-notifications')}>${homeText.notifyOn}</button>
        <button type="button" @click=${() => emit(this, 'tc-dismiss-notifications-prompt')}>${homeText.notifyLater}</button>
      </div>
    </section>`;
  }

  protected override render() {
    const hasConversations = this.conversations.length > 0;
    return html`
      <div class="actions">
        <button type="button" class=${this.exchanging ? '' : 'primary'} ?disabled=${this.busy} @click=${() => emit(this, 'tc-new-invite')}>${pairingText.newInvite}</button>
        <button type="button" @click=${() => emit(this, 'tc-navigate', { view: 'pair' })}>${pairingText.pasteOrScan}</button>
      </div>
      ${hasConversations
        ? html`${this.renderNotifyPrompt()}
            <h2 class="list">${homeText.listHeading}</h2>
            <tc-conversation-list .conversations=${this.conversations} .activeId=${this.activeId}></tc-conversation-list>
            ${this.showHomeScreenAdvice ? html`<tc-install-advice></tc-install-advice>` : nothing}`
        : this.exchanging
          ? nothing
          : html`<section class="card" aria-labelledby="start-heading">
              <h2 id="start-heading">${homeText.emptyHeading}</h2>
              <ol>${pairingText.steps.map((step) => html`<li>${step}</li>`)}</ol>
            </section>`}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-home-screen': HomeScreen;
  }
}
