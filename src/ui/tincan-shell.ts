// <tc-app>: the one connected component. Reads the app store through a reactive controller, passes
// properties down, turns child events into app actions. Holds no protocol state.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { applyUpdate, onUpdateAvailable } from '../pwa/register-sw';
import type { TincanApp } from '../app/tincan-app';
import type { AppState } from '../app/app-state';
import type { ErrorCode } from '../errors';
import { StoreController } from './store-controller';
import { noticeText } from './messages';
import { controlStyles } from './shared-styles';
import type { ConnectPanel } from './connect-panel';
import './connect-panel';
import './chat-view';

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

@customElement('tc-app')
export class TincanShell extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: flex; flex-direction: column; min-height: 100dvh; max-width: 72rem; margin: 0 auto; }
      header { display: flex; align-items: center; justify-content: space-between; gap: 0.5rem; padding: 0.75rem 1rem; }
      h1 { font-size: 1.35rem; margin: 0; }
      .badge { font-size: 0.9rem; padding: 0.2rem 0.6rem; border-radius: 999px; background: var(--tc-button); }
      .badge.connected { background: var(--tc-ok); color: var(--tc-on-accent); }
      main { display: grid; gap: 1rem; padding: 0 1rem 1rem; grid-template-columns: minmax(0, 1fr); flex: 1; }
      @media (min-width: 800px) { main { grid-template-columns: minmax(0, 22rem) minmax(0, 1fr); } }
      .panel { min-width: 0; }
      .alert:empty { display: none; }
      .update { margin: 0 1rem 1rem; padding: 0.5rem 1rem; border-radius: 8px; border: 1px solid var(--tc-border);
        display: flex; gap: 0.5rem; align-items: center; justify-content: space-between; }
      .alert {
        margin: 0 1rem 1rem; padding: 0.75rem 1rem; border-radius: 8px; display: flex; gap: 0.5rem;
        align-items: center; justify-content: space-between; background: var(--tc-warn-bg); border: 1px solid var(--tc-warn);
      }
      .alert.error { background: var(--tc-error-bg); border-color: var(--tc-error); }
      tc-chat-view { height: 100%; min-height: 20rem; }
    `,
  ];

  @property({ attribute: false }) app!: TincanApp;
  @query('tc-connect-panel') private connectPanel?: ConnectPanel;
  @state() private isUpdateReady = false;
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
    if (!this.app.store.state.notice || this.app.store.state.notice.kind !== 'error') this.connectPanel?.clearPaste();
  }

  protected override render() {
    const s = this.app.store.state;
    const notice = s.notice;
    return html`
      <header>
        <h1>Tincan</h1>
        <span class="badge ${s.connection.state}" role="status" aria-label="Connection">${connectionText[s.connection.state]}</span>
      </header>
      ${this.isUpdateReady
        ? html`<div class="update" role="status">A new version of Tincan is ready.
            <button type="button" @click=${() => applyUpdate()}>Reload</button></div>`
        : nothing}
      <div class="alert ${notice?.kind ?? ''}" role="alert">${notice
        ? html`<span>${noticeText(notice)}</span>
            <button type="button" @click=${() => this.app.dismissNotice()}>Dismiss</button>`
        : nothing}</div>
      <main>
        <tc-connect-panel class="panel" .pairing=${s.pairing}
          @tc-new-invite=${() => this.app.newInvite()}
          @tc-submit-code=${this.handleSubmitCode}
          @tc-scan-error=${(e: CustomEvent<{ code: ErrorCode }>) => this.app.showError(e.detail.code)}></tc-connect-panel>
        <tc-chat-view class="panel" .messages=${s.messages} ?peerTyping=${s.peerTyping}
          ?connected=${s.connection.state === 'connected'} .peerName=${s.connection.peerName ?? ''}
          @tc-send-message=${(e: CustomEvent<string>) => this.app.sendMessage(e.detail)}
          @tc-typing=${(e: CustomEvent<boolean>) => this.app.setTyping(e.detail)}></tc-chat-view>
      </main>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-app': TincanShell;
  }
}
