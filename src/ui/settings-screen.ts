// <tc-settings-screen>: everything under "Settings" on its own screen: network servers (tc-settings-panel),
// notifications (turned on only from here or the home screen's prompt, never at load; message text in them only
// if the person allows it), which pictures are accepted without asking, and the profile's actions (tc-account-panel). Loaded lazily: it is not needed before
// unlock, and it brings the ICE settings form.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { defaultAutoAcceptBudgetBytes, type FileTransferView, type Notice, type RelayView, type StorageView } from '../app/app-state';
import type { NotificationAvailability } from '../platform/unread-alerts';
import { emit } from './events';
import { callText, fileSizeText, homeText, settingsText, shellText } from './messages';
import { controlStyles } from './shared-styles';
import './account-panel';
import './inline-notice';
import './mailbox-panel';
import './relay-settings';
import './settings-panel';

/** The sizes offered for "Accept pictures without asking", besides never. */
export const autoAcceptChoices = [1_000_000, 5_000_000, 25_000_000] as const;

/**
 * @fires tc-back
 * @fires tc-enable-notifications
 * @fires tc-set-notification-content - { show }
 * @fires tc-set-ring-sound - { on }
 * @fires tc-set-auto-accept-images - { maxBytes } (0: always ask)
 * (and what tc-settings-panel and tc-account-panel fire)
 */
@customElement('tc-settings-screen')
export class SettingsScreen extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: flex; flex-direction: column; gap: 1.25rem; min-width: 0; }
      fieldset { border: 0; margin: 0; padding: 0; min-width: 0; }
      legend { font-weight: 600; margin-bottom: 0.25rem; padding: 0; }
    `,
  ];

  @property({ attribute: false }) iceServers: readonly RTCIceServer[] = [];
  @property() profileName = '';
  @property({ type: Boolean }) busy = false;
  /** A notice of area 'settings'. */
  @property({ attribute: false }) notice?: Notice;
  @property() notifications: NotificationAvailability = 'unsupported';
  @property({ type: Boolean }) showContent = false;
  /** Incoming calls ring with a sound (platform/call-ring.ts). */
  @property({ type: Boolean }) ringSound = true;
  /** Pictures up to this size are accepted without asking (0: never). */
  @property({ type: Number }) autoAcceptImageBytes = 0;
  /** Every transfer (the received files kept on this device are counted from them). */
  @property({ attribute: false }) transfers: readonly FileTransferView[] = [];
  @property({ attribute: false }) storage?: StorageView;
  /** The mailbox's status; undefined: none added. */
  @property() mailbox?: 'connected' | 'offline';
  @property({ attribute: false }) relays: readonly RelayView[] = [];

  private renderFiles() {
    const choices = [0, ...autoAcceptChoices];
    return html`<section class="card" aria-labelledby="files-heading">
      <h2 id="files-heading">${settingsText.filesHeading}</h2>
      <fieldset>
        <legend>${settingsText.autoAcceptLegend}</legend>
        ${choices.map(
          (bytes) => html`<label class="choice">
            <input type="radio" name="auto-accept" .checked=${this.autoAcceptImageBytes === bytes} aria-describedby="auto-accept-hint"
              @change=${() => emit(this, 'tc-set-auto-accept-images', { maxBytes: bytes })} />
            <span class="label">${bytes ? settingsText.autoAcceptUpTo(fileSizeText(bytes)) : settingsText.autoAcceptOff}</span>
          </label>`,
        )}
      </fieldset>
      <p class="hint" id="auto-accept-hint">${settingsText.autoAcceptHint(fileSizeText(defaultAutoAcceptBudgetBytes))}</p>
      ${this.renderStorage()}
    </section>`;
  }

  private renderStorage() {
    const kept = this.transfers.filter((t) => t.direction === 'in' && t.state === 'done');
    const keptBytes = kept.reduce((sum, t) => sum + t.size, 0);
    return html`<p>${settingsText.keptFiles(kept.length, fileSizeText(keptBytes))}</p>
      ${this.storage ? html`<p class="hint">${settingsText.storageUse(fileSizeText(this.storage.usageBytes), fileSizeText(this.storage.quotaBytes))}</p>` : nothing}`;
  }

  private renderNotifications() {
    const state = this.notifications;
    return html`<section class="card" aria-labelledby="notify-heading">
      <h2 id="notify-heading">${settingsText.notificationsHeading}</h2>
      <p>${state === 'granted'
        ? settingsText.notificationsOn
        : state === 'denied'
          ? settingsText.notificationsBlocked
          : state === 'unsupported'
            ? settingsText.notificationsUnsupported
            : settingsText.notificationsOff}</p>
      ${state === 'default'
        ? html`<button type="button" class="primary" @click=${() => emit(this, 'tc-enable-notifications')}>${homeText.notifyOn}</button>`
        : nothing}
      ${state === 'granted'
        ? html`<label class="choice">
              <input type="checkbox" .checked=${this.showContent} aria-describedby="content-hint"
                @change=${(e: Event) => emit(this, 'tc-set-notification-content', { show: (e.target as HTMLInputElement).checked })} />
              <span class="label">${settingsText.showContent}</span>
            </label>
            <p class="hint" id="content-hint">${settingsText.showContentHint}</p>`
        : nothing}
      <label class="choice">
        <input type="checkbox" .checked=${this.ringSound}
          @change=${(e: Event) => emit(this, 'tc-set-ring-sound', { on: (e.target as HTMLInputElement).checked })} />
        <span class="label">${callText.ringSound}</span>
      </label>
    </section>`;
  }

  protected override render() {
    return html`
      <div class="screen-header">
        <button type="button" class="back quiet phone-only" @click=${() => emit(this, 'tc-back')}>
          <span aria-hidden="true">←</span>${shellText.back}</button>
        <h2 tabindex="-1">${settingsText.heading}</h2>
      </div>
      ${this.notice?.area === 'settings' ? html`<tc-inline-notice .notice=${this.notice} dismissible></tc-inline-notice>` : nothing}
      <tc-settings-panel class="card" .iceServers=${this.iceServers}></tc-settings-panel>
      <tc-mailbox-panel class="card" .status=${this.mailbox} ?busy=${this.busy}></tc-mailbox-panel>
      <tc-relay-settings class="card" .relays=${this.relays}></tc-relay-settings>
      ${this.renderNotifications()}
      ${this.renderFiles()}
      <tc-account-panel class="card" .profileName=${this.profileName} ?busy=${this.busy}></tc-account-panel>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-settings-screen': SettingsScreen;
  }
}
