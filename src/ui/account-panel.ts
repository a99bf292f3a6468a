// <tc-account-panel>: the profile's own actions: backup, passphrase change, lock, and forgetting this device
// (with a confirmation). Network settings sit beside it in the shell.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { controlStyles } from './shared-styles';

export interface ChangePassphraseDetail {
  oldPassphrase: string;
  newPassphrase: string;
  repeat: string;
}

@customElement('tc-account-panel')
export class AccountPanel extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; }
      section + section { margin-top: 1.25rem; }
      form > * + * { margin-top: 0.5rem; }
      .danger { border-color: var(--tc-error); }
    `,
  ];

  @property() profileName = '';
  @property({ type: Boolean }) busy = false;
  @state() private isConfirmingForget = false;

  private fire(type: string, detail?: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  private handleChange(event: SubmitEvent): void {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
    const detail: ChangePassphraseDetail = { oldPassphrase: value('old'), newPassphrase: value('new'), repeat: value('repeat') };
    this.fire('tc-change-passphrase', detail);
    form.reset();
  }

  protected override render() {
    return html`
      <section aria-labelledby="backup-heading">
        <h2 id="backup-heading">Backup</h2>
        <p class="hint">An encrypted file of your profile, contacts and history. Restore it on another device with your passphrase.</p>
        <button type="button" @click=${() => this.fire('tc-export-backup')}>Export backup</button>
      </section>
      <section aria-labelledby="pass-heading">
        <h2 id="pass-heading">Change passphrase</h2>
        <form @submit=${this.handleChange}>
          <label for="old">Current passphrase</label>
          <input id="old" name="old" type="password" autocomplete="current-password" required />
          <label for="new">New passphrase</label>
          <input id="new" name="new" type="password" autocomplete="new-password" required />
          <label for="repeat">Repeat new passphrase</label>
          <input id="repeat" name="repeat" type="password" autocomplete="new-password" required />
          <button type="submit" ?disabled=${this.busy}>Change passphrase</button>
        </form>
      </section>
      <section aria-labelledby="device-heading">
        <h2 id="device-heading">This device</h2>
        <div class="row">
          <button type="button" @click=${() => this.fire('tc-lock')}>Lock</button>
          <button type="button" class="danger" @click=${() => (this.isConfirmingForget = true)}>Forget this device</button>
        </div>
        ${this.isConfirmingForget
          ? html`<div role="alertdialog" aria-label="Confirm forgetting this device">
              <p><strong>Erase ${this.profileName ? `${this.profileName}'s` : 'the'} profile, contacts and all history from this device?</strong>
                This cannot be undone. Export a backup first if you want to keep them.</p>
              <div class="row">
                <button type="button" class="danger" @click=${() => ((this.isConfirmingForget = false), this.fire('tc-forget-device'))}>Erase everything</button>
                <button type="button" @click=${() => (this.isConfirmingForget = false)}>Cancel</button>
              </div>
            </div>`
          : nothing}
      </section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-account-panel': AccountPanel;
  }
}
