// <tc-invitation-card>: an invite that arrived by link, before anything is sent: "You've been invited to chat",
// who it claims to come from (the name in a code is not authenticated: "someone", unless the code names a known
// contact's device), what answering shares (each side sees the other's IP address), and "Answer" / "Not now". A code
// from the device of a contact the person removed asks "Accept" / "Refuse" instead, saying when they were removed.
// On the profile screen it is the invitee's whole intro, one line: create the profile, then Answer.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import type { Invitation } from '../app/app-state';
import { emit } from './events';
import { whenText } from './message-format';
import { invitationText, relayText, welcomeText } from './messages';
import { controlStyles } from './shared-styles';

/**
 * @fires tc-accept-invitation - "Answer"
 * @fires tc-decline-invitation - "Not now"
 * @fires tc-refuse-invitation - "Refuse" (a removed contact's code)
 */
@customElement('tc-invitation-card')
export class InvitationCard extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; }
      .row button { flex: 1 1 8rem; }
      /* On the profile screen it is one line above the form: room for "Create profile" on a phone. */
      :host([beforeprofile]) .card { padding: 0.75rem; }
      :host([beforeprofile]) p { margin-bottom: 0; }
    `,
  ];

  @property({ attribute: false }) invitation?: Invitation;
  @property({ type: Boolean }) busy = false;
  /** On the profile screen: no buttons yet, only why to go on (nothing is sent before "Answer"). */
  @property({ type: Boolean, reflect: true }) beforeProfile = false;
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
    if (invitation.removedAt !== undefined && invitation.contactName !== undefined) return this.renderRemoved(invitation.contactName, invitation.removedAt);
    return html`<section class="card prominent" aria-labelledby="invitation-heading">
      <h2 id="invitation-heading">${invitationText.heading}</h2>
      ${this.beforeProfile ? this.renderBeforeProfile() : this.renderAnswer(invitation)}
    </section>`;
  }

  /** Who it says it comes from and what it shares wait for the Answer screen: here, only what to do. */
  private renderBeforeProfile() {
    return html`<p>${welcomeText.invitedBeforeProfile}</p>`;
  }

  private renderAnswer(invitation: Invitation) {
    return html`<p>${invitation.contactName ? invitationText.fromContact(invitation.contactName) : invitationText.fromSomeone}</p>
      <p class="hint">${invitationText.shares}</p>
      ${invitation.relays?.length ? html`<p class="hint">${relayText.invitationVia(invitation.relays)}</p>` : nothing}
      <div class="row">
        <button type="button" class="primary" ?disabled=${this.busy} @click=${() => emit(this, 'tc-accept-invitation')}>
          ${invitationText.answer}</button>
        <button type="button" @click=${() => emit(this, 'tc-decline-invitation')}>${invitationText.decline}</button>
      </div>`;
  }

  private renderRemoved(name: string, removedAt: number) {
    return html`<section class="card prominent" aria-labelledby="invitation-heading">
      <h2 id="invitation-heading">${invitationText.removedHeading(name)}</h2>
      <p>${invitationText.removedBody(name, whenText(removedAt))}</p>
      <p class="hint">${invitationText.shares}</p>
      <div class="row">
        <button type="button" class="primary" ?disabled=${this.busy} @click=${() => emit(this, 'tc-accept-invitation')}>${invitationText.accept}</button>
        <button type="button" @click=${() => emit(this, 'tc-refuse-invitation')}>${invitationText.refuse}</button>
      </div>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-invitation-card': InvitationCard;
  }
}
