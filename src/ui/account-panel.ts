// <tc-account-panel>: the profile's own actions: backup, passphrase change, lock, and forgetting this device
// (with a confirmation). Network and notification settings sit beside it on the settings screen.
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { emit } from './events';
import { accountText } from './messages';
import { controlStyles } from './shared-styles';
import './forget-device';

/**
 * @fires tc-export-backup
 * @fires tc-change-passphrase - { oldPassphrase, newPassphrase, repeat }
 * @fires tc-lock
 * @fires tc-forget-device - after the person confirmed
 */
@customElement('tc-account-panel')
export class AccountPanel extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; }
      section + section { margin-top: 1.5rem; }
      form > * + * { margin-top: 0.5rem; }
      form label { margin-top: 0.75rem; }
      tc-forget-device { margin-top: 0.75rem; }
    `,
  ];

  @property() profileName = '';
  @property({ type: Boolean }) busy = false;

  private handleChange(event: SubmitEvent): void {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
    emit(this, 'tc-change-passphrase', { oldPassphrase: value('old'), newPassphrase: value('new'), repeat: value('repeat') });
    form.reset();
  }

  protected override render() {
    return html`
      <section aria-labelledby="backup-heading">
        <h2 id="backup-heading">${accountText.backupHeading}</h2>
        <p class="hint">${accountText.backupHint}</p>
        <div class="row"><button type="button" @click=${() => emit(this, 'tc-export-backup')}>${accountText.exportBackup}</button></div>
      </section>
      <section aria-labelledby="pass-heading">
        <h2 id="pass-heading">${accountText.passphraseHeading}</h2>
        <form @submit=${this.handleChange}>
          <label for="old">${accountText.current}</label>
          <input id="old" name="old" type="password" autocomplete="current-password" required />
          <label for="new">${accountText.next}</label>
          <input id="new" name="new" type="password" autocomplete="new-password" required />
          <label for="repeat">${accountText.repeat}</label>
          <input id="repeat" name="repeat" type="password" autocomplete="new-password" required />
          <div class="row"><button type="submit" ?disabled=${this.busy}>${accountText.change}</button></div>
        </form>
      </section>
      <section aria-labelledby="device-heading">
        <h2 id="device-heading">${accountText.deviceHeading}</h2>
        <div class="row">
          <button type="button" @click=${() => emit(this, 'tc-lock')}>${accountText.lock}</button>
        </div>
        <tc-forget-device .profileName=${this.profileName}></tc-forget-device>
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-account-panel': AccountPanel;
  }
}
