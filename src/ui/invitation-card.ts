// <tc-invitation-card>: an invite that arrived by link, before anything is sent: "You've been invited to chat",
// who it claims to come from (the name in a code is not authenticated: "someone", unless the code names a known
// contact's device), what answering shares (each side sees the other's IP address), and "Answer" / "Not now".
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import type { Invitation } from '../app/app-state';
import { emit } from './events';
import { invitationText, welcomeText } from './messages';
import { controlStyles } from './shared-styles';

/**
 * @fires tc-accept-invitation - "Answer"
 * @fires tc-decline-invitation - "Not now"
 */
@customElement('tc-invitation-card')
export class InvitationCard extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; }
      .row button { flex: 1 1 8rem; }
    `,
  ];

  @property({ attribute: false }) invitation?: Invitation;
  @property({ type: Boolean }) busy = false;
  /** On the profile screen: no buttons yet, only why to go on (nothing is sent before "Answer"). */
  @property({ type: Boolean }) beforeProfile = false;
  @query('button.primary') private answerButton?: HTMLButtonElement;

  /** The next step is to answer: focus goes there. */
  async focusAnswer(): Promise<void> {
    await this.updateComplete;
    this.answerButton?.focus();
    this.answerButton?.scrollIntoView({ block: 'nearest' });
  }

  protected override render() {
    const invitation = this.invitation;
    if (!invitation) return nothing;
    return html`<section class="card prominent" aria-labelledby="invitation-heading">
      <h2 id="invitation-heading">${invitationText.heading}</h2>
      <p>${invitation.contactName ? invitationText.fromContact(invitation.contactName) : invitationText.fromSomeone}</p>
      <p class="hint">${this.beforeProfile ? welcomeText.invitedBeforeProfile : invitationText.shares}</p>
      ${this.beforeProfile ? nothing : html`<div class="row">
        <button type="button" class="primary" ?disabled=${this.busy} @click=${() => emit(this, 'tc-accept-invitation')}>
          ${invitationText.answer}</button>
        <button type="button" @click=${() => emit(this, 'tc-decline-invitation')}>${invitationText.decline}</button>
      </div>`}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-invitation-card': InvitationCard;
  }
}
