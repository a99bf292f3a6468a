// <tc-exchange-card>: one invite or answer in progress, as the step the person is at. Inviter: send the invite
// (Share / Copy link / QR), then "Waiting for your friend's answer" with a live indicator and the time left.
// Answerer: one prominent "Send this answer back" card, then it waits. A one-code reconnect says who alone can
// use it. The card only shows an ExchangeView; the pairing screen puts the paste box into its "answer" slot, right
// under "Waiting for …'s answer".
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import type { ExchangeView, Reach } from '../app/app-state';
import type { CodeCard } from './code-card';
import { emit } from './events';
import { timeLeftText } from './message-format';
import { pairingText, relayText } from './messages';
import { controlStyles } from './shared-styles';
import './code-card';
import './reach-choice';

const answerByRelayText = { sending: relayText.answerSending, sent: relayText.answerSent, unreachable: relayText.answerUnreachable } as const;

/** How often the time left is redrawn. */
const countdownIntervalMs = 1000;
/** An answer nobody connected with for this long may be to an invite someone else used first: the card says so. */
export const noOneCameAfterMs = 90_000;

/**
 * @fires tc-cancel-exchange - { exchangeId }
 * @fires tc-set-reach - { reach } from the invite's "Change" (tc-reach-choice)
 * @slot answer - an inviter's paste box for the answer, under the waiting line
 */
@customElement('tc-exchange-card')
export class ExchangeCard extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; }
      .card { display: flex; flex-direction: column; gap: 0.25rem; }
      .waiting {
        display: flex; flex-wrap: wrap; align-items: center; gap: 0.35rem 0.6rem; margin-top: 0.75rem; font-weight: 600;
        padding: 0.6rem 0.75rem; border-radius: 10px; background: var(--tc-bg);
      }
      .waiting .left { font-weight: 500; color: var(--tc-muted); }
      tc-reach-choice { margin: 0.25rem 0 0.25rem; }
      .warn { margin-top: 0.75rem; }
      .cancel { align-self: flex-start; }
      ::slotted(*) { margin-top: 0.75rem; }
    `,
  ];

  @property({ attribute: false }) exchange!: ExchangeView;
  /** How far new invites reach (shown on invites, with "Change"). */
  @property() reach: Reach = 'local';
  @query('tc-code-card') private codeCard?: CodeCard;
  private countdown?: ReturnType<typeof setInterval>;

  override connectedCallback(): void {
    super.connectedCallback();
    this.countdown = setInterval(() => {
      if (this.exchange?.validUntil !== undefined) this.requestUpdate();
    }, countdownIntervalMs);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.countdown);
  }

  /** The next step: the first way of sending the code, once there is one. */
  async focusNextStep(): Promise<boolean> {
    await this.updateComplete;
    const card = this.codeCard;
    if (!card) return false;
    await card.updateComplete;
    card.focusFirstAction();
    return true;
  }

  private get isInviter(): boolean {
    return this.exchange.kind === 'invite' || this.exchange.kind === 'reconnect';
  }

  private renderReach() {
    return this.exchange.kind === 'invite' ? html`<tc-reach-choice .reach=${this.reach}></tc-reach-choice>` : nothing;
  }

  private renderWaiting(text: string) {
    const left = timeLeftText(this.exchange.validUntil);
    // Only the words are a live region: the time left changes every second and is not announced.
    return html`<div class="waiting">
      <span class="live-dots" aria-hidden="true"><i></i><i></i><i></i></span>
      <span role="status">${text}</span>
      ${left ? html`<span class="left">${pairingText.timeLeft(left)}</span>` : nothing}
    </div>`;
  }

  private renderState() {
    const e = this.exchange;
    const name = e.contactName;
    switch (e.state) {
      case 'gathering':
        return this.renderWaiting(pairingText.gathering);
      case 'waiting-for-answer':
        return this.renderWaiting(e.kind === 'reconnect' && name ? pairingText.waitingForReconnect(name) : pairingText.waitingForAnswer(name));
      case 'waiting-for-peer':
        // A one-code reconnect: the contact's answer is set already, so the code is live until they open it.
        return this.renderWaiting(name ? pairingText.waitingForReconnect(name) : pairingText.waitingForAnswer());
      case 'waiting-for-inviter':
        return this.renderWaiting(pairingText.waitingForInviter(name));
      case 'connecting':
        return this.renderWaiting(e.kind === 'reconnect-answer' && !e.showFallback ? pairingText.reconnectAnswering(name) : pairingText.connecting);
      case 'connected':
        return html`<p class="waiting" role="status">${pairingText.connected}</p>`;
      case 'closed':
      case 'failed':
        return html`<p class="waiting" role="status">${pairingText.ended}</p>`;
      default:
        // Every link state has its sentence: a new one is a type error here, never "This code has ended."
        return e.state satisfies never;
    }
  }

  private renderInviter() {
    const e = this.exchange;
    const name = e.contactName;
    const heading = e.kind === 'reconnect' && name ? pairingText.reconnectHeading(name) : pairingText.inviteHeading;
    return html`<section class="card prominent" aria-labelledby="heading-${e.id}">
      <h2 id="heading-${e.id}">${heading}</h2>
      ${this.renderReach()}
      ${e.kind === 'reconnect' && name && !e.oneCodeUnavailable ? html`<p class="hint">${pairingText.reconnectOnly(name)}</p>` : nothing}
      ${e.oneCodeUnavailable && name ? html`<p class="hint">${pairingText.oneCodeUnavailable(name)}</p>` : nothing}
      ${e.code ? html`<tc-code-card kind="invite" .code=${e.code} .link=${e.link ?? ''}></tc-code-card>` : nothing}
      ${this.renderState()}
      <!-- The answer's way back, right under "Waiting for …'s answer" (the pairing screen puts its paste box here). -->
      <slot name="answer"></slot>
      ${e.code && e.awaitsRelay ? html`<p class="hint">${relayText.inviteAwaits}</p>` : nothing}
      ${e.code ? html`<p class="hint">${pairingText.inviteKeepOpen}</p>` : nothing}
      <button type="button" class="quiet cancel" @click=${() => emit(this, 'tc-cancel-exchange', { exchangeId: e.id })}>
        ${pairingText.cancelInvite}</button>
    </section>`;
  }

  private renderAnswerer() {
    const e = this.exchange;
    const name = e.contactName;
    // A one-code reconnect connects without an answer: its code is shown only once that seems not to work.
    const showCode = !!e.code && (e.kind === 'answer' || e.showFallback);
    return html`<section class="card prominent" aria-labelledby="heading-${e.id}">
      <h2 id="heading-${e.id}">${showCode ? pairingText.answerHeading : pairingText.reconnectAnswering(name)}</h2>
      ${showCode
        ? html`<p>${e.kind === 'reconnect-answer' ? pairingText.reconnectFallback(name) : pairingText.answerBody(name)}</p>
            <tc-code-card kind="answer" .code=${e.code ?? ''}></tc-code-card>`
        : nothing}
      ${showCode && e.answerByRelay ? html`<p class="hint">${answerByRelayText[e.answerByRelay]}</p>` : nothing}
      ${e.inviterUnreachable ? html`<p class="card warning warn">${pairingText.inviterUnreachable}</p>` : nothing}
      ${this.renderState()}
      ${e.kind === 'answer' && e.state === 'waiting-for-inviter' && Date.now() - e.createdAt >= noOneCameAfterMs
        ? html`<p class="hint">${pairingText.noOneCame(name)}</p>`
        : nothing}
      <button type="button" class="quiet cancel" @click=${() => emit(this, 'tc-cancel-exchange', { exchangeId: e.id })}>
        ${pairingText.cancelAnswer}</button>
    </section>`;
  }

  protected override render() {
    if (!this.exchange) return nothing;
    return this.isInviter ? this.renderInviter() : this.renderAnswerer();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-exchange-card': ExchangeCard;
  }
}
