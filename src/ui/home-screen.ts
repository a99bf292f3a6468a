// <tc-home-screen>: the first screen after unlock. "New invite" and "Paste or scan a code" always one tap away;
// before the first contact, one line on how to start; afterwards the list "Conversations", the offer to turn on
// notifications (asked only now that there is someone to hear from, and only when the person presses it), and on
// an iPhone's Safari the advice to add Tincan to the Home Screen so the history is not erased.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { ConversationView } from '../app/app-state';
import { emit } from './events';
import { groupText, homeText, pairingText } from './messages';
import { controlStyles } from './shared-styles';
import './conversation-list';
import './install-advice';

/**
 * @fires tc-new-invite
 * @fires tc-navigate - { view: 'pair' } ("Paste or scan a code")
 * @fires tc-enable-notifications / tc-dismiss-notifications-prompt
 * @fires tc-create-group - { name } ("New group", then "Create group")
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
      .new-group { display: flex; flex-direction: column; gap: 0.5rem; }
      .new-group .row { display: flex; gap: 0.5rem; flex-wrap: wrap; }
      .new-group input { flex: 1 1 10rem; min-width: 0; }
      .new-group p { margin: 0; }
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
  /** The "Group name" form is open (what the person is typing is theirs until "Create group"). */
  @state() private isNamingGroup = false;

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

  private async openGroupForm(): Promise<void> {
    this.isNamingGroup = true;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLInputElement>('#group-name')?.focus();
  }

  private createGroup(event: Event): void {
    event.preventDefault();
    const input = this.renderRoot.querySelector<HTMLInputElement>('#group-name');
    const name = input?.value.trim() ?? '';
    if (!name) return input?.focus();
    this.isNamingGroup = false;
    emit(this, 'tc-create-group', { name });
  }

  private renderGroupForm() {
    if (!this.isNamingGroup) {
      return html`<button type="button" class="new-group-button" @click=${() => void this.openGroupForm()}>${groupText.newGroup}</button>`;
    }
    return html`<form class="card new-group" @submit=${this.createGroup}>
      <label for="group-name">${groupText.groupName}</label>
      <div class="row">
        <input id="group-name" type="text" maxlength="64" autocomplete="off" @keydown=${(e: KeyboardEvent) => {
          if (e.key === 'Escape') this.isNamingGroup = false;
        }} />
        <button type="submit" class="primary">${groupText.createGroup}</button>
        <button type="button" @click=${() => (this.isNamingGroup = false)}>${groupText.cancel}</button>
      </div>
      <p class="hint">${groupText.limit}</p>
    </form>`;
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
      ${this.renderGroupForm()}
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
