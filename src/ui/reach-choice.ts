// <tc-reach-choice>: how far invites reach, in one line ("Works on your network only."), with "Change" opening
// the two choices: anywhere (a public STUN server learns the IP address) or the same network only. Shown with
// "New invite" and on each invite, so the person knows before sending whether it can work; and on the profile
// screen (beforeProfile), where the line says it in plain words and the recommended reach is preselected.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Reach } from '../app/app-state';
import { emit } from './events';
import { pairingText, reachText, welcomeText } from './messages';
import { controlStyles } from './shared-styles';

/**
 * @fires tc-set-reach - { reach }
 */
@customElement('tc-reach-choice')
export class ReachChoice extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; }
      .line { display: flex; flex-wrap: wrap; align-items: center; gap: 0 0.25rem; }
      .line p { margin: 0; }
      /* The profile screen: "Change" stays beside the line, which wraps in its own column if it must (a narrow
         phone, or a scrollbar's width taken): "Create profile" stays in view under it. */
      :host([beforeprofile]) .line { flex-wrap: nowrap; justify-content: space-between; }
      :host([beforeprofile]) .line p { min-width: 0; }
      :host([beforeprofile]) .line button { flex: none; }
      fieldset { border: 0; padding: 0; margin: 0.25rem 0 0; min-width: 0; }
    `,
  ];

  @property() reach: Reach = 'local';
  /** On the profile screen: the line in plain words, the hint about TURN; the page, not the app, keeps the choice. */
  @property({ type: Boolean, reflect: true }) beforeProfile = false;
  @state() private isOpen = false;

  /** "Change" opens the choices with the focus on the chosen one, where arrow keys pick another. */
  private async toggle(): Promise<void> {
    this.isOpen = !this.isOpen;
    if (!this.isOpen) return;
    await this.updateComplete;
    const radios = [...this.renderRoot.querySelectorAll<HTMLInputElement>('input[type=radio]')];
    (radios.find((radio) => radio.checked) ?? radios[0])?.focus();
  }

  private lineText(): string {
    return this.beforeProfile && this.reach !== 'custom' ? welcomeText.reachLine[this.reach] : reachText[this.reach].card;
  }

  protected override render() {
    return html`<div class="line">
        <p>${this.lineText()}</p>
        <button type="button" class="link" aria-label=${pairingText.changeReach} aria-expanded=${this.isOpen ? 'true' : 'false'}
          @click=${() => void this.toggle()}>${pairingText.change}</button>
      </div>
      ${this.isOpen
        ? html`<fieldset>
            <legend class="sr-only">${this.beforeProfile ? welcomeText.reachLegend : pairingText.reachLegend}</legend>
            ${(['anywhere', 'local'] as const).map(
              (reach) => html`<label class="choice">
                <input type="radio" name="reach" value=${reach} .checked=${this.reach === reach} @change=${() => emit(this, 'tc-set-reach', { reach })} />
                <span class="label">${reachText[reach].choice}</span>
              </label>`,
            )}
            <p class="hint">${this.beforeProfile ? welcomeText.reachTurn : pairingText.reachApplies}</p>
          </fieldset>`
        : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-reach-choice': ReachChoice;
  }
}
