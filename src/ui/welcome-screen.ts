// <tc-welcome-screen>: the profile screen. First visit: what Tincan is (three lines on a phone), name, passphrase
// twice, how far invites reach (the recommended reach preselected, one line with "Change"), "Create profile" (in view
// on a 360x740 phone), or a backup to restore. Later visits: the passphrase and "Unlock". An invite that arrived by
// link is announced on top instead of the intro ("You've been invited to chat": create the profile, then Answer); it is
// answered only after the profile exists and the person presses Answer.
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import type { Invitation, Notice, Reach } from '../app/app-state';
import type { PassphraseWeakness } from '../crypto/vault';
import { emit } from './events';
import { passphraseWeaknessMessages, welcomeText } from './messages';
import { controlStyles } from './shared-styles';
import './forget-device';
import './inline-notice';
import './install-advice';
import './invitation-card';
import './reach-choice';

/**
 * @fires tc-create-profile - { name, passphrase, repeat, reach }
 * @fires tc-unlock - { passphrase }
 * @fires tc-import-backup - { bytes, passphrase }
 * @fires tc-forget-device - after the person confirmed
 */
@customElement('tc-welcome-screen')
export class WelcomeScreen extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; max-width: 34rem; margin: 0 auto; padding: 0.5rem 1rem 2rem; }
      form > * + * { margin-top: 1rem; }
      .intro { font-size: 1.05rem; }
      .warning { color: var(--tc-warn-text); font-size: 0.95rem; margin: 0.35rem 0 0; }
      .warning:empty { display: none; }
      .restore { margin-top: 2rem; }
      tc-invitation-card, tc-install-advice { margin-bottom: 1rem; }
      button[type='submit'] { width: 100%; }
      tc-inline-notice { margin-top: 0.75rem; }
      #repeat-error { margin-top: 0.35rem; }
    `,
  ];

  @property() mode: 'setup' | 'unlock' = 'setup';
  @property({ type: Boolean }) busy = false;
  /** A code that came by link: shown as "You've been invited to chat". */
  @property({ attribute: false }) invitation?: Invitation;
  /** The notice of area 'welcome', shown by the submit button. */
  @property({ attribute: false }) notice?: Notice;
  /** On Safari outside the Home Screen: say that history may be erased after a week away. */
  @property({ type: Boolean }) showHomeScreenAdvice = false;
  /** The app's passphrase rule (TincanApp.passphraseWeakness): a live warning while typing. */
  @property({ attribute: false }) weaknessOf: (passphrase: string) => PassphraseWeakness | undefined = () => undefined;
  @state() private weakness?: PassphraseWeakness;
  @state() private isRestoreOpen = false;
  /** How far invites will reach, until "Create profile" hands it to the app: the recommended reach first. */
  @state() private reach: Exclude<Reach, 'custom'> = 'anywhere';
  @query('#name') private nameField?: HTMLInputElement;
  @query('#passphrase') private passphraseField?: HTMLInputElement;
  @query('#repeat') private repeatField?: HTMLInputElement;

  /** Puts the cursor where the person starts: the name on a first visit, the passphrase later. */
  focusFirstField(): void {
    (this.mode === 'unlock' ? this.passphraseField : this.nameField)?.focus();
  }

  protected override firstUpdated(): void {
    this.focusFirstField();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('mode') && changed.get('mode') !== undefined) this.focusFirstField();
    // After a failed attempt, the field to fix gets the focus (the alert says what is wrong).
    if (changed.has('notice') && this.notice?.kind === 'error') {
      const field =
        this.notice.code === 'PASSPHRASE_MISMATCH' ? this.repeatField
        : this.notice.code === 'PROFILE_INCOMPLETE' ? [this.nameField, this.passphraseField].find((f) => f && !f.value.trim())
        : this.notice.code === 'WRONG_PASSPHRASE' ? this.passphraseField
        : undefined;
      field?.focus();
      field?.select();
      const repeatError = this.renderRoot.querySelector<LitElement>('#repeat-error');
      if (field === this.repeatField && repeatError) void repeatError.updateComplete.then(() => repeatError.scrollIntoView({ block: 'nearest' }));
    }
  }

  private get isMismatch(): boolean {
    return this.notice?.code === 'PASSPHRASE_MISMATCH';
  }

  /** Typing in either passphrase box answers "the two passphrases differ": the message goes. */
  private handlePassphraseTyped(): void {
    if (this.isMismatch) emit(this, 'tc-dismiss-notice');
  }

  private value(form: HTMLFormElement, name: string): string {
    const element = form.elements.namedItem(name);
    return element instanceof HTMLInputElement ? element.value : '';
  }

  private handleCreate(event: SubmitEvent): void {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    emit(this, 'tc-create-profile', {
      name: this.value(form, 'name'),
      passphrase: this.value(form, 'passphrase'),
      repeat: this.value(form, 'repeat'),
      reach: this.reach,
    });
  }

  /** The reach chosen here is the form's until "Create profile": the app (and its Settings) hear of it only then. */
  private handleReach(event: HTMLElementEventMap['tc-set-reach']): void {
    event.stopPropagation();
    this.reach = event.detail.reach;
  }

  private handleUnlock(event: SubmitEvent): void {
    event.preventDefault();
    emit(this, 'tc-unlock', { passphrase: this.value(event.target as HTMLFormElement, 'passphrase') });
  }

  private async handleImport(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const file = (form.elements.namedItem('backup') as HTMLInputElement).files?.[0];
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    emit(this, 'tc-import-backup', { bytes, passphrase: this.value(form, 'backup-passphrase') });
  }

  private renderUnlock() {
    return html`
      <h2>${welcomeText.unlockHeading}</h2>
      <p>${welcomeText.unlockBody}</p>
      <form @submit=${this.handleUnlock}>
        <div>
          <label for="passphrase">${welcomeText.passphrase}</label>
          <input id="passphrase" name="passphrase" type="password" autocomplete="current-password" required />
        </div>
        <button type="submit" class="primary" ?disabled=${this.busy}>${this.busy ? welcomeText.unlocking : welcomeText.unlock}</button>
      </form>
      <tc-inline-notice .notice=${this.notice}></tc-inline-notice>
      <p class="hint">${welcomeText.forgot}</p>
      <tc-forget-device></tc-forget-device>
    `;
  }

  private renderSetup() {
    const weakness = this.weakness ? passphraseWeaknessMessages[this.weakness] : '';
    const mismatch = this.isMismatch;
    return html`
      ${this.invitation
        ? html`<tc-invitation-card .invitation=${this.invitation} beforeProfile></tc-invitation-card>`
        : html`<p class="intro">${welcomeText.intro}</p>`}
      ${this.showHomeScreenAdvice ? html`<tc-install-advice></tc-install-advice>` : nothing}
      <h2>${welcomeText.createHeading}</h2>
      <form @submit=${this.handleCreate}>
        <div>
          <label for="name">${welcomeText.name}</label>
          <input id="name" name="name" autocomplete="nickname" maxlength="64" required aria-describedby="name-hint" />
          <p class="hint" id="name-hint">${welcomeText.nameHint}</p>
        </div>
        <div>
          <label for="passphrase">${welcomeText.passphrase}</label>
          <input id="passphrase" name="passphrase" type="password" autocomplete="new-password" required
            aria-describedby="passphrase-hint strength"
            @input=${(e: Event) => {
              this.weakness = this.weaknessOf((e.target as HTMLInputElement).value);
              this.handlePassphraseTyped();
            }} />
          <p class="hint" id="passphrase-hint">${welcomeText.passphraseHint}</p>
          <p id="strength" class="warning" aria-live="polite">${weakness}</p>
        </div>
        <div>
          <label for="repeat">${welcomeText.repeat}</label>
          <input id="repeat" name="repeat" type="password" autocomplete="new-password" required
            aria-invalid=${mismatch ? 'true' : 'false'} aria-describedby=${mismatch ? 'repeat-error' : nothing}
            @input=${this.handlePassphraseTyped} />
          <!-- Under the box it is about: on a phone the one under "Create profile" was below the fold. -->
          <tc-inline-notice id="repeat-error" .notice=${mismatch ? this.notice : undefined}></tc-inline-notice>
        </div>
        <tc-reach-choice .reach=${this.reach} beforeProfile @tc-set-reach=${this.handleReach}></tc-reach-choice>
        <button type="submit" class="primary" ?disabled=${this.busy}>${this.busy ? welcomeText.creating : welcomeText.create}</button>
      </form>
      <tc-inline-notice .notice=${mismatch ? undefined : this.notice}></tc-inline-notice>
      ${this.busy ? html`<p role="status" class="hint">${welcomeText.deriving}</p>` : nothing}
      <div class="restore">
        <button type="button" aria-expanded=${this.isRestoreOpen ? 'true' : 'false'} @click=${() => (this.isRestoreOpen = !this.isRestoreOpen)}>
          ${welcomeText.restore}</button>
        ${this.isRestoreOpen
          ? html`<form @submit=${this.handleImport}>
              <div>
                <label for="backup">${welcomeText.backupFile}</label>
                <input id="backup" name="backup" type="file" accept=".tincan,application/octet-stream" required />
              </div>
              <div>
                <label for="backup-passphrase">${welcomeText.backupPassphrase}</label>
                <input id="backup-passphrase" name="backup-passphrase" type="password" autocomplete="current-password" required />
              </div>
              <button type="submit" ?disabled=${this.busy}>${welcomeText.restoreButton}</button>
            </form>`
          : nothing}
      </div>
    `;
  }

  protected override render() {
    return this.mode === 'unlock' ? this.renderUnlock() : this.renderSetup();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-welcome-screen': WelcomeScreen;
  }
}
