// <tc-transfer-card>: one file transfer of the open conversation, either way: the file's name, size and stated type;
// what is happening in one sentence (a polite status: offered, sending, lost and resuming, declined, the disk full,
// the file changed, the hash did not match...); a progress bar named after the file while bytes move, with speed
// and time left; and the buttons that fit its state: "Accept" and "Decline" for an offer, "Cancel transfer" until it
// ends, "Save" and a preview for a received file, "Remove" once it is over. Every button's accessible name ends
// with the file's name (messages.ts fileText), so several transfers never show two controls of the same name.
//
// A received file is shown as complete only in state 'done', which the core reaches only after the BLAKE2b hash
// matched the offer (chat/files/incoming-transfer.ts); before that there is no "Save" and no preview.
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { FileTransferView } from '../app/app-state';
import { isShortenedFileName } from '../chat/files/file-frames';
import { emit } from './events';
import { fileUrls } from './file-urls';
import { durationText, errorMessages, fileNameText, fileSizeText, fileText } from './messages';
import { controlStyles } from './shared-styles';

/** States in which the transfer can still be cancelled. */
const cancellable = new Set<FileTransferView['state']>(['preparing', 'offered', 'transferring', 'interrupted', 'verifying']);
const finished = new Set<FileTransferView['state']>(['done', 'declined', 'cancelled', 'failed']);

/** What the card says about the transfer, in one sentence. */
export function transferStatusText(t: FileTransferView, peer: string): string {
  const out = t.direction === 'out';
  if (t.inGroup) {
    // Sent once the group's message with the offer is: members take it when they accept, from whoever has it.
    if (out && (t.state === 'offered' || t.state === 'done')) return fileText.sentToGroup;
    if (!out && t.state === 'offered' && t.code !== 'FILE_NOT_A_PICTURE') return fileText.offeredInGroup(peer);
    if (!out && t.state === 'transferring') return fileText.receivingInGroup;
    if (!out && t.state === 'interrupted') return fileText.waitingInGroup;
  }
  switch (t.state) {
    case 'preparing':
      return fileText.preparing;
    case 'offered':
      if (!out && t.code === 'FILE_NOT_A_PICTURE') return fileText.notAPicture(peer);
      return out ? fileText.offeredOut(peer) : fileText.offeredIn(peer);
    case 'transferring':
      return out ? fileText.sending(peer) : fileText.receiving(peer);
    case 'verifying':
      return out ? fileText.sentWaiting(peer) : fileText.checking;
    case 'done':
      return out ? fileText.sent(peer) : fileText.received;
    case 'interrupted':
      return t.code === 'FILE_SOURCE_MISSING' ? fileText.sourceMissing : fileText.connectionLost(peer);
    case 'declined':
      if (t.code === 'FILE_TOO_LARGE') return out ? fileText.tooLargeOut(peer) : fileText.tooLargeIn;
      return out ? fileText.declinedOut(peer) : fileText.declinedIn;
    case 'cancelled':
      return fileText.cancelled;
    case 'failed':
      switch (t.code) {
        case 'FILE_DISK_FULL':
          return out ? fileText.diskFullOut(peer) : fileText.diskFullIn;
        case 'FILE_CHANGED':
          return out ? fileText.changedOut : fileText.changedIn(peer);
        case 'FILE_HASH_MISMATCH':
          return out ? fileText.mismatchOut(peer) : fileText.mismatchIn;
        case 'STORAGE_UNAVAILABLE':
          return out ? fileText.unreadableOut : fileText.storageIn;
        default:
          return t.code ? errorMessages[t.code] : fileText.cancelled;
      }
  }
}

/** "12 MB of 50 MB · 21 MB/s · 2 s left" (speed and time only while they are known). */
export function transferProgressText(t: FileTransferView): string {
  const parts = [fileText.progress(fileSizeText(t.bytes), fileSizeText(t.size))];
  if (t.state === 'transferring' && t.bytesPerSecond) parts.push(fileText.speed(fileSizeText(t.bytesPerSecond)));
  if (t.state === 'transferring' && t.secondsLeft !== undefined) parts.push(fileText.timeLeft(durationText(t.secondsLeft)));
  return parts.join(' · ');
}

/**
 * @fires tc-accept-file / tc-decline-file / tc-cancel-transfer / tc-discard-file - { fileId }
 * @fires tc-resume-file - { fileId, file } (the sender chose the file again after a reload)
 */
@customElement('tc-transfer-card')
export class TransferCard extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; }
      .card { padding: 0.6rem 0.75rem; display: flex; flex-direction: column; gap: 0.4rem; }
      .card.out { border-color: var(--tc-bubble-out); }
      .card.trouble { border: 2px solid var(--tc-warn); }
      .card.failed { border: 2px solid var(--tc-error); }
      .head { display: flex; flex-wrap: wrap; gap: 0 0.6rem; align-items: baseline; min-width: 0; }
      .name { font-weight: 600; margin: 0; overflow-wrap: anywhere; min-width: 0; flex: 0 1 auto; }
      .facts { margin: 0; font-size: 0.85rem; color: var(--tc-muted); white-space: nowrap; }
      .status { margin: 0; font-size: 0.92rem; overflow-wrap: anywhere; }
      .bar { height: 0.6rem; border-radius: 0.3rem; background: var(--tc-button); border: 1px solid var(--tc-border); overflow: hidden; }
      .fill { height: 100%; width: 0; background: var(--tc-accent); }
      .numbers { margin: 0; font-size: 0.85rem; color: var(--tc-muted); font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
      img { display: block; max-width: 100%; max-height: 12rem; width: auto; height: auto; border-radius: 8px; align-self: flex-start; }
      .row { margin-top: 0; }
    `,
  ];

  @property({ attribute: false }) transfer!: FileTransferView;
  @property() peerName = '';
  @state() private previewUrl?: string;
  /** A picture taken without asking that gave no preview: it does not decode (or is too large to). */
  @state() private isUnreadablePicture = false;
  /** The fileId and state URLs were last asked for, so they are asked for once per step. */
  private askedFor = '';
  /** Focus was on one of this card's buttons when it began to render again. */
  private hadFocus = false;

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    this.hadFocus = !!this.shadowRoot?.activeElement;
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    // The pressed button went with the render it caused (Accept becomes Cancel transfer): focus stays on this card,
    // whose next button is one Tab away, instead of falling to the page.
    if (this.hadFocus && !this.shadowRoot?.activeElement) this.renderRoot.querySelector<HTMLElement>('.card')?.focus();
    const t = this.transfer;
    // The bar's width is set through the CSSOM: the page's CSP refuses style attributes (and so Lit's styleMap,
    // which writes one on the first render).
    const fill = this.renderRoot.querySelector<HTMLElement>('.fill');
    if (fill) fill.style.width = `${((Math.min(t.bytes, t.size) / Math.max(t.size, 1)) * 100).toFixed(2)}%`;
    const step = `${t.fileId}:${t.state}`;
    if (step === this.askedFor) return;
    this.askedFor = step;
    const preview = fileUrls.preview(t);
    if (!preview) return;
    void preview.then((url) => {
      if (this.transfer.fileId !== t.fileId) return;
      this.previewUrl = url;
      this.isUnreadablePicture = !url && t.direction === 'in' && t.asPicture === true;
    });
  }

  private fire(type: 'tc-accept-file' | 'tc-decline-file' | 'tc-cancel-transfer' | 'tc-discard-file' | 'tc-save-file'): void {
    emit(this, type, { fileId: this.transfer.fileId });
  }

  private chooseAgain(event: Event): void {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file) emit(this, 'tc-resume-file', { fileId: this.transfer.fileId, file });
  }

  private renderProgress(t: FileTransferView) {
    const moving = t.state === 'transferring' || t.state === 'interrupted' || t.state === 'verifying';
    if (!moving) return nothing;
    const total = Math.max(t.size, 1);
    const done = Math.min(t.bytes, total);
    const text = transferProgressText(t);
    return html`<div class="bar" role="progressbar" aria-label=${t.name} aria-valuemin="0" aria-valuemax=${total}
        aria-valuenow=${done} aria-valuetext=${text}><div class="fill"></div></div>
      <p class="numbers" aria-hidden="true">${text}</p>`;
  }

  private renderActions(t: FileTransferView) {
    const name = t.name;
    // Each shows a word or two and is named after the file too (its visible text first), so names stay unique.
    const buttons = [];
    if (t.direction === 'in' && t.state === 'offered') {
      buttons.push(html`<button type="button" class="primary" aria-label=${fileText.acceptNamed(name)} @click=${() => this.fire('tc-accept-file')}>${fileText.accept}</button>`);
      buttons.push(html`<button type="button" aria-label=${fileText.declineNamed(name)} @click=${() => this.fire('tc-decline-file')}>${fileText.decline}</button>`);
    } else if (cancellable.has(t.state)) {
      if (t.direction === 'out' && t.state === 'interrupted' && t.code === 'FILE_SOURCE_MISSING') {
        buttons.push(html`<span class="choose"><input type="file" class="file-picker sr-only" id="choose" aria-label=${fileText.chooseAgainNamed(name)}
            @change=${this.chooseAgain} /><label for="choose" class="button primary" aria-hidden="true">${fileText.chooseAgain}</label></span>`);
      }
      buttons.push(html`<button type="button" aria-label=${fileText.cancelNamed(name)} @click=${() => this.fire('tc-cancel-transfer')}>${fileText.cancel}</button>`);
    }
    if (t.direction === 'in' && t.state === 'done') {
      buttons.push(html`<button type="button" class="primary" aria-label=${fileText.saveNamed(name)} @click=${() => this.fire('tc-save-file')}>${fileText.save}</button>`);
    }
    if (finished.has(t.state)) {
      buttons.push(html`<button type="button" aria-label=${fileText.removeNamed(name)} @click=${() => this.fire('tc-discard-file')}>${fileText.remove}</button>`);
    }
    return buttons.length ? html`<div class="row">${buttons}</div>` : nothing;
  }

  protected override render() {
    const t = this.transfer;
    if (!t) return nothing;
    const isDoubtful = t.code === 'FILE_NOT_A_PICTURE' || this.isUnreadablePicture;
    const tone = t.state === 'failed' ? 'failed' : t.state === 'interrupted' || t.state === 'declined' || isDoubtful ? 'trouble' : '';
    const type = t.mime && t.mime !== 'application/octet-stream' ? t.mime : fileText.unknownType;
    // data-sent-bytes: how much the sender sent, re-sent chunks included (end-to-end tests check resuming with it).
    return html`<div class="card ${t.direction} ${tone}" role="group" aria-label=${t.name} tabindex="-1" data-sent-bytes=${t.sentBytes ?? nothing}>
      <div class="head">
        <p class="name">${t.name}</p>
        <p class="facts">${fileText.facts(fileSizeText(t.size), type)}</p>
      </div>
      ${isShortenedFileName(t.name) ? html`<p class="hint">${fileNameText.shortened}</p>` : nothing}
      ${this.previewUrl ? html`<img src=${this.previewUrl} alt=${t.name} />` : nothing}
      <p class="status" role="status">${transferStatusText(t, this.peerName)}</p>
      ${this.isUnreadablePicture && t.state === 'done' ? html`<p class="status">${fileText.doesNotOpen}</p>` : nothing}
      ${this.renderProgress(t)}
      ${this.renderActions(t)}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-transfer-card': TransferCard;
  }
}
