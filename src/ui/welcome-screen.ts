// <tc-welcome>: the profile screen. First visit: name, passphrase twice, "Create profile" (or restore a backup).
// Later visits: passphrase, "Unlock". Sends tc-create-profile / tc-unlock / tc-import-backup up.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { controlStyles } from './shared-styles';

export interface CreateProfileDetail {
  name: string;
  passphrase: string;
  repeat: string;
}

@customElement('tc-welcome')
export class WelcomeScreen extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; max-width: 30rem; margin: 0 auto; padding: 1rem; }
      form > * + * { margin-top: 0.75rem; }
      .warning { color: var(--tc-warn); font-size: 0.95rem; }
      .restore { margin-top: 2rem; }
      p { margin: 0.5rem 0; }
    `,
  ];

  @property() mode: 'setup' | 'unlock' = 'setup';
  @property({ type: Boolean }) busy = false;
  /** Computes the weak-passphrase warning (the app's rule), or undefined. */
  @property({ attribute: false }) warnFor: (passphrase: string) => string | undefined = () => undefined;
  @state() private warning?: string;
  @state() private isRestoreOpen = false;
  @state() private isConfirmingForget = false;

  private fire(type: 'tc-forget-device'): void {
    this.dispatchEvent(new CustomEvent(type, { bubbles: true, composed: true }));
  }

  private value(form: HTMLFormElement, name: string): string {
    return (form.elements.namedItem(name) as HTMLInputElement).value;
  }

  private handleCreate(event: SubmitEvent): void {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const detail: CreateProfileDetail = {
      name: this.value(form, 'name'),
      passphrase: this.value(form, 'passphrase'),
      repeat: this.value(form, 'repeat'),
    };
    this.dispatchEvent(new CustomEvent('tc-create-profile', { detail, bubbles: true, composed: true }));
  }

  private handleUnlock(event: SubmitEvent): void {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    this.dispatchEvent(new CustomEvent('tc-unlock', { detail: this.value(form, 'passphrase'), bubbles: true, composed: true }));
  }

  private async handleImport(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const file = (form.elements.namedItem('backup') as HTMLInputElement).files?.[0];
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    const detail = { bytes, passphrase: this.value(form, 'backup-passphrase') };
    this.dispatchEvent(new CustomEvent('tc-import-backup', { detail, bubbles: true, composed: true }));
  }

  protected override render() {
    if (this.mode === 'unlock') {
      return html`
        <h2>Welcome back</h2>
        <p>Your history on this device is encrypted. Enter your passphrase to open it.</p>
        <form @submit=${this.handleUnlock}>
          <div>
            <label for="passphrase">Passphrase</label>
            <input id="passphrase" name="passphrase" type="password" autocomplete="current-password" required />
          </div>
          <button type="submit" class="primary" ?disabled=${this.busy}>${this.busy ? 'Unlocking…' : 'Unlock'}</button>
        </form>
        <p class="hint">Forgot it? Without the passphrase nobody can read the history, not even you. You can only erase it
          and start over.</p>
        ${this.isConfirmingForget
          ? html`<div role="alertdialog" aria-label="Confirm forgetting this device">
              <p><strong>Erase the profile, contacts and all history on this device?</strong> This cannot be undone.</p>
              <div class="row">
                <button type="button" @click=${() => ((this.isConfirmingForget = false), this.fire('tc-forget-device'))}>Erase everything</button>
                <button type="button" @click=${() => (this.isConfirmingForget = false)}>Cancel</button>
              </div>
            </div>`
          : html`<button type="button" @click=${() => (this.isConfirmingForget = true)}>Forget this device</button>`}
      `;
    }
    return html`
      <h2>Create your profile</h2>
      <p>No account, no server: your name goes only to the people you connect with. Your messages are kept on this device, encrypted with your passphrase.</p>
      <form @submit=${this.handleCreate}>
        <div>
          <label for="name">Your name</label>
          <input id="name" name="name" autocomplete="nickname" maxlength="64" required />
        </div>
        <div>
          <label for="passphrase">Passphrase</label>
          <input id="passphrase" name="passphrase" type="password" autocomplete="new-password" required
            aria-describedby="strength" @input=${(e: Event) => (this.warning = this.warnFor((e.target as HTMLInputElement).value))} />
          <p id="strength" class="warning" aria-live="polite">${this.warning ?? ''}</p>
        </div>
        <div>
          <label for="repeat">Repeat passphrase</label>
          <input id="repeat" name="repeat" type="password" autocomplete="new-password" required />
        </div>
        <button type="submit" class="primary" ?disabled=${this.busy}>${this.busy ? 'Creating…' : 'Create profile'}</button>
      </form>
      <div class="restore">
        <button type="button" aria-expanded=${this.isRestoreOpen} @click=${() => (this.isRestoreOpen = !this.isRestoreOpen)}>
          Restore from a backup</button>
        ${this.isRestoreOpen ? html`<form @submit=${this.handleImport}>
          <div>
            <label for="backup">Backup file</label>
            <input id="backup" name="backup" type="file" accept=".tincan,application/octet-stream" required />
          </div>
          <div>
            <label for="backup-passphrase">Backup passphrase</label>
            <input id="backup-passphrase" name="backup-passphrase" type="password" autocomplete="current-password" required />
          </div>
          <button type="submit" ?disabled=${this.busy}>Restore backup</button>
        </form>` : nothing}
      </div>
      ${this.busy ? html`<p role="status">Deriving the key from your passphrase…</p>` : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-welcome': WelcomeScreen;
  }
}
