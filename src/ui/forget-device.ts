// <tc-forget-device>: "Forget this device", then a confirmation ("Erase everything" / "Cancel") before anything is
// erased. On the passphrase screen (a lost passphrase) and in the settings.
import { LitElement, css, html, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { emit } from './events';
import { accountText } from './messages';
import { controlStyles } from './shared-styles';

/**
 * @fires tc-forget-device - after the person confirmed
 */
@customElement('tc-forget-device')
export class ForgetDevice extends LitElement {
  static override styles = [controlStyles, css`:host { display: block; }`];

  /** Named in the confirmation when known. */
  @property() profileName = '';
  @state() private isConfirming = false;
  @query('button.cancel') private cancelButton?: HTMLButtonElement;

  protected override updated(changed: PropertyValues): void {
    // The confirmation opens under the button, at the bottom of a phone's settings: it is brought whole into view,
    // and the focus goes to its safe choice ("Cancel"), so a screen reader hears the question.
    if (changed.has('isConfirming') && this.isConfirming) {
      this.renderRoot.querySelector('[role=alertdialog]')?.scrollIntoView({ block: 'nearest' });
      this.cancelButton?.focus({ preventScroll: true });
    }
  }

  protected override render() {
    if (!this.isConfirming) {
      return html`<button type="button" class="danger" @click=${() => (this.isConfirming = true)}>${accountText.forget}</button>`;
    }
    return html`<div role="alertdialog" aria-label=${accountText.forgetConfirmLabel} class="card danger">
      <p><strong>${accountText.forgetConfirm(this.profileName || undefined)}</strong></p>
      <div class="row">
        <button type="button" class="danger" @click=${() => ((this.isConfirming = false), emit(this, 'tc-forget-device'))}>
          ${accountText.eraseEverything}</button>
        <button type="button" class="cancel" @click=${() => (this.isConfirming = false)}>${accountText.cancel}</button>
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-forget-device': ForgetDevice;
  }
}
