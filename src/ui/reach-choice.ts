// <tc-reach-choice>: how far invites reach, in one line ("Works on your network only."), with "Change" opening
// the two choices: anywhere (a public STUN server learns the IP address) or the same network only. Shown with
// "New invite" and on each invite, so the person knows before sending whether it can work.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Reach } from '../app/app-state';
import { emit } from './events';
import { pairingText, reachText } from './messages';
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
      fieldset { border: 0; padding: 0; margin: 0.25rem 0 0; min-width: 0; }
    `,
  ];

  @property() reach: Reach = 'local';
  @state() private isOpen = false;

  protected override render() {
    return html`<div class="line">
        <p>${reachText[this.reach].card}</p>
        <button type="button" class="link" aria-expanded=${this.isOpen ? 'true' : 'false'} @click=${() => (this.isOpen = !this.isOpen)}>
          ${pairingText.change}</button>
      </div>
      ${this.isOpen
        ? html`<fieldset>
            <legend class="sr-only">${pairingText.reachLegend}</legend>
            ${(['anywhere', 'local'] as const).map(
              (reach) => html`<label class="choice">
                <input type="radio" name="reach" .checked=${this.reach === reach} @change=${() => emit(this, 'tc-set-reach', { reach })} />
                <span class="label">${reachText[reach].choice}</span>
              </label>`,
            )}
            <p class="hint">${pairingText.reachApplies}</p>
          </fieldset>`
        : nothing}`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-reach-choice': ReachChoice;
  }
}
