// <tc-app>: the one connected component. Reads the app store through a reactive controller, passes
// properties down, turns child events into app actions. Holds no protocol state.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { applyUpdate, onUpdateAvailable } from '../pwa/register-sw';
import type { TincanApp } from '../app/tincan-app';
import type { AppState } from '../app/app-state';
import { StoreController } from './store-controller';
import { noticeText } from './messages';
import { controlStyles } from './shared-styles';
import type { ConnectPanel } from './connect-panel';
import './connect-panel';
import './chat-view';
import './welcome-screen';
import './conversation-list';
import './contact-panel';
import './account-panel';
import './settings-panel';

const connectionText: Record<AppState['connection']['state'], string> = {
  none: 'Not connected',
  gathering: 'Not connected',
  'waiting-for-answer': 'Not connected',
  'waiting-for-inviter': 'Not connected',
  connecting: 'Connecting…',
  connected: 'Connected',
  closed: 'Disconnected',
  failed: 'Connection failed',
};

/** Lets the browser save bytes as a file (the page never uploads anything). */
function download(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

@customElement('tc-app')
export class TincanShell extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: flex; flex-direction: column; min-height: 100dvh; max-width: 76rem; margin: 0 auto; }
      header { display: flex; align-items: center; justify-content: space-between; gap: 0.5rem; padding: 0.75rem 1rem; flex-wrap: wrap; }
      h1 { font-size: 1.35rem; margin: 0; }
      .tools { display: flex; gap: 0.5rem; align-items: center; flex-wrap: wrap; }
      .badge { font-size: 0.9rem; padding: 0.2rem 0.6rem; border-radius: 999px; background: var(--tc-button); }
      .badge.connected { background: var(--tc-ok); color: var(--tc-on-accent); }
      main { display: grid; gap: 1rem; padding: 0 1rem 1rem; grid-template-columns: minmax(0, 1fr); flex: 1; align-content: start; }
      @media (min-width: 800px) { main { grid-template-columns: minmax(0, 22rem) minmax(0, 1fr); } }
      @media (max-width: 799px) { main.chatting .conversation { order: -1; } }
      .column { min-width: 0; display: flex; flex-direction: column; gap: 1rem; }
      .alert:empty { display: none; }
      .alert, .update {
        margin: 0 1rem 1rem; padding: 0.75rem 1rem; border-radius: 8px; display: flex; gap: 0.5rem;
        align-items: center; justify-content: space-between; background: var(--tc-warn-bg); border: 1px solid var(--tc-warn);
      }
      .update { background: none; border-color: var(--tc-border); }
      .alert.error { background: var(--tc-error-bg); border-color: var(--tc-error); }
      .alert.info { background: none; border-color: var(--tc-border); }
      tc-chat-view { min-height: 20rem; flex: 1; }
      .settings { padding: 0 1rem 1rem; max-width: 40rem; }
    `,
  ];

  @property({ attribute: false }) app!: TincanApp;
  @query('tc-connect-panel') private connectPanel?: ConnectPanel;
  @state() private isUpdateReady = false;
  @state() private isSettingsOpen = false;
  private controller?: StoreController<AppState>;
  private stopWatchingUpdates?: () => void;

  override connectedCallback(): void {
    this.controller ??= new StoreController(this, this.app.store);
    super.connectedCallback();
    this.stopWatchingUpdates = onUpdateAvailable(() => (this.isUpdateReady = true));
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopWatchingUpdates?.();
  }

  private async handleSubmitCode(event: CustomEvent<string>): Promise<void> {
    await this.app.submitCode(event.detail);
    if (this.app.store.state.notice?.kind !== 'error') this.connectPanel?.clearPaste();
  }

  private async handleExportBackup(): Promise<void> {
    const bytes = await this.app.exportBackup();
    if (bytes) download(`tincan-backup-${new Date().toISOString().slice(0, 10)}.tincan`, bytes as Uint8Array<ArrayBuffer>, 'application/octet-stream');
  }

  private async handleExportTranscript(event: CustomEvent<'text' | 'markdown'>): Promise<void> {
    const s = this.app.store.state;
    const contact = s.contacts.find((c) => c.id === s.activeContactId);
    if (!contact) return;
    const text = await this.app.exportTranscript(contact.id, event.detail);
    const safeName = contact.name.replace(/[^\p{L}\p{N}_-]+/gu, '-').slice(0, 40) || 'contact';
    if (text !== undefined) download(`tincan-${safeName}.${event.detail === 'markdown' ? 'md' : 'txt'}`, text, 'text/plain;charset=utf-8');
  }

  private handleDeleteConversation(event: CustomEvent<string>): void {
    const contact = this.app.store.state.contacts.find((c) => c.id === event.detail);
    // A native confirm: it is modal, accessible and cannot be mistaken for page content.
    if (contact && confirm(`Delete the conversation with ${contact.name} and forget this contact on this device?`)) {
      void this.app.deleteConversation(event.detail);
    }
  }

  private renderNotice(s: AppState) {
    const notice = s.notice;
    return html`<div class="alert ${notice?.kind ?? ''}" role="alert">${notice
      ? html`<span>${noticeText(notice)}</span>
          <button type="button" @click=${() => this.app.dismissNotice()}>Dismiss</button>`
      : nothing}</div>`;
  }

  private renderMain(s: AppState) {
    const active = s.contacts.find((c) => c.id === s.activeContactId);
    const isLive = !!active && s.connection.contactId === active.id && s.connection.state === 'connected';
    if (this.isSettingsOpen) {
      return html`<div class="settings">
        <tc-settings-panel .iceServers=${s.iceServers}
          @tc-save-settings=${(e: HTMLElementEventMap['tc-save-settings']) => this.app.saveIceServers(e.detail.iceServers)}></tc-settings-panel>
        <tc-account-panel .profileName=${s.profileName ?? ''} ?busy=${s.busy}
          @tc-export-backup=${this.handleExportBackup}
          @tc-change-passphrase=${(e: CustomEvent<{ oldPassphrase: string; newPassphrase: string; repeat: string }>) =>
            void this.app.changePassphrase(e.detail.oldPassphrase, e.detail.newPassphrase, e.detail.repeat)}
          @tc-lock=${() => ((this.isSettingsOpen = false), void this.app.lock())}
          @tc-forget-device=${() => ((this.isSettingsOpen = false), void this.app.forgetDevice())}></tc-account-panel>
      </div>`;
    }
    return html`
      <main class=${active ? 'chatting' : ''}>
        <div class="column">
          <tc-connect-panel .pairing=${s.pairing}
            @tc-new-invite=${() => this.app.newInvite()}
            @tc-submit-code=${this.handleSubmitCode}
            @tc-scan-error=${(e: HTMLElementEventMap['tc-scan-error']) => this.app.showError(e.detail.code)}></tc-connect-panel>
          <tc-conversation-list .contacts=${s.contacts} .activeId=${s.activeContactId ?? ''}
            @tc-select-contact=${(e: CustomEvent<string>) => this.app.selectContact(e.detail)}></tc-conversation-list>
        </div>
        <div class="column conversation">
          <tc-contact-panel .contact=${active} .safetyNumber=${s.safetyNumber} .path=${isLive ? (s.connection.path ?? '') : ''}
            @tc-set-verified=${(e: CustomEvent<boolean>) => this.app.setVerified(e.detail)}
            @tc-acknowledge-key=${() => this.app.acknowledgeKeyChange()}
            @tc-export-transcript=${this.handleExportTranscript}
            @tc-delete-conversation=${this.handleDeleteConversation}></tc-contact-panel>
          <tc-chat-view .messages=${s.messages} ?peerTyping=${s.peerTyping} ?connected=${isLive} ?hasOlder=${s.hasOlder}
            ?disabled=${!active} .peerName=${active?.name ?? ''}
            @tc-send-message=${(e: CustomEvent<string>) => this.app.sendMessage(e.detail)}
            @tc-typing=${(e: CustomEvent<boolean>) => this.app.setTyping(e.detail)}
            @tc-load-older=${() => this.app.loadOlder()}></tc-chat-view>
        </div>
      </main>
    `;
  }

  protected override render() {
    const s = this.app.store.state;
    return html`
      <header>
        <h1>Tincan</h1>
        ${s.screen === 'main'
          ? html`<div class="tools">
              <span class="badge ${s.connection.state}" role="status" aria-label="Connection">${connectionText[s.connection.state]}</span>
              ${s.connection.state === 'connected'
                ? html`<span role="status" aria-label="Connection path">${s.connection.path ?? ''}</span>
                    <button type="button" @click=${() => this.app.disconnect()}>Disconnect</button>`
                : nothing}
              <button type="button" aria-expanded=${this.isSettingsOpen} @click=${() => (this.isSettingsOpen = !this.isSettingsOpen)}>
                ${this.isSettingsOpen ? 'Back to chats' : 'Settings'}</button>
            </div>`
          : nothing}
      </header>
      ${this.isUpdateReady
        ? html`<div class="update" role="status">A new version of Tincan is ready.
            <button type="button" @click=${() => applyUpdate()}>Reload</button></div>`
        : nothing}
      ${this.renderNotice(s)}
      ${s.screen === 'main' ? this.renderMain(s) : nothing}
      ${s.screen === 'setup' || s.screen === 'unlock'
        ? html`<tc-welcome .mode=${s.screen} ?busy=${s.busy} .warnFor=${(p: string) => this.app.passphraseWarning(p)}
            @tc-create-profile=${(e: CustomEvent<{ name: string; passphrase: string; repeat: string }>) =>
              this.app.createProfile(e.detail.name, e.detail.passphrase, e.detail.repeat)}
            @tc-unlock=${(e: CustomEvent<string>) => this.app.unlock(e.detail)}
            @tc-forget-device=${() => this.app.forgetDevice()}
            @tc-import-backup=${(e: CustomEvent<{ bytes: Uint8Array; passphrase: string }>) =>
              this.app.importBackup(e.detail.bytes, e.detail.passphrase)}></tc-welcome>`
        : nothing}
      ${s.screen === 'loading' ? html`<p role="status" class="settings">Opening Tincan…</p>` : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-app': TincanShell;
  }
}
