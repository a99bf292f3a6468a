// <tc-qr-scanner>: reads an invite or answer code from a QR code, with the camera (inline preview) or from a
// picture file. Sends the text up as tc-submit-code { text, source: 'scan' }, and failures as tc-scan-error
// { code }, which the pairing screen shows next to it. The decoding itself lives in src/scan/. The pairing screen
// loads this component lazily (it is not needed before unlock).
import { LitElement, css, html } from 'lit';
import { customElement, query, state } from 'lit/decorators.js';
import { CameraScan } from '../scan/camera-scan';
import { scanPicture } from '../scan/picture-scan';
import { createQrDecoder, type QrDecoder } from '../scan/qr-decoder';
import { scanErrorCodeOf, type ScanErrorCode } from '../scan/scan-errors';
import { looksLikeTincanText } from '../scan/scan-text';
import { emit } from './events';
import { scannerText } from './messages';
import { controlStyles } from './shared-styles';

const statusText = scannerText.status;

/**
 * @fires tc-submit-code - { text, source: 'scan' }: a Tincan-looking QR code (a bare code or a Tincan link)
 * @fires tc-scan-error - { code }: CAMERA_DENIED, CAMERA_MISSING, CAMERA_INSECURE or QR_NOT_FOUND
 */
@customElement('tc-qr-scanner')
export class QrScanner extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: block; }
      .row { margin-top: 0; }
      .preview { margin-top: 0.5rem; }
      .preview[hidden] { display: none; }
      video {
        display: block; width: 100%; max-height: 60vh; aspect-ratio: 4 / 3; object-fit: cover;
        border-radius: 8px; background: #000;
      }
      .hint:empty { display: none; }
    `,
  ];

  @state() private isScanning = false;
  @state() private isReadingPicture = false;
  @state() private status: keyof typeof statusText = 'idle';
  @query('video') private video!: HTMLVideoElement;
  @query('input[type=file]') private fileInput!: HTMLInputElement;

  private scan?: CameraScan;
  private decoder?: QrDecoder;
  /** Non-Tincan texts already reported during this camera scan, so a stray QR code is reported once. */
  private readonly reportedTexts = new Set<string>();

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('visibilitychange', this.handleVisibilityChange);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.handleVisibilityChange);
    this.stopScanning();
  }

  /** The camera is never left running behind another app or tab. */
  private readonly handleVisibilityChange = (): void => {
    if (document.visibilityState === 'hidden') this.stopScanning();
  };

  private async startScanning(): Promise<void> {
    if (this.isScanning) return;
    this.isScanning = true;
    this.status = 'starting';
    this.reportedTexts.clear();
    await this.updateComplete;
    const decoder = await createQrDecoder();
    if (!this.isScanning) {
      decoder.close();
      return;
    }
    const scan = new CameraScan({
      video: this.video,
      decoder,
      onText: (text) => this.handleCameraText(text),
      onFailure: (error) => this.handleDecoderFailure(error),
    });
    this.decoder = decoder;
    this.scan = scan;
    try {
      await scan.start();
      if (this.scan === scan) this.status = 'scanning';
    } catch (thrown) {
      this.stopScanning();
      const code = scanErrorCodeOf(thrown);
      if (!code) throw thrown;
      this.emitScanError(code);
    }
  }

  /** Stops the camera and the decoder; safe to call at any time. */
  stopScanning(): void {
    this.scan?.stop();
    this.decoder?.close();
    this.scan = undefined;
    this.decoder = undefined;
    if (this.isScanning) {
      this.isScanning = false;
      if (this.status !== 'read') this.status = 'idle';
    }
  }

  private handleCameraText(text: string): boolean {
    if (looksLikeTincanText(text)) {
      this.status = 'read';
      this.stopScanning();
      emit(this, 'tc-submit-code', { text: text.trim(), source: 'scan' });
      return true;
    }
    this.status = 'notTincan';
    if (!this.reportedTexts.has(text)) {
      this.reportedTexts.add(text);
      this.emitScanError('QR_NOT_FOUND');
    }
    return false;
  }

  private handleDecoderFailure(error: Error): void {
    this.stopScanning();
    this.status = 'broken';
    console.error(error);
  }

  private handleChoosePicture(): void {
    this.stopScanning();
    this.fileInput.click();
  }

  private async handlePicture(): Promise<void> {
    const file = this.fileInput.files?.[0];
    // Cleared so that choosing the same file again still fires `change`.
    this.fileInput.value = '';
    if (!file || this.isReadingPicture) return;
    this.isReadingPicture = true;
    this.status = 'reading';
    const decoder = await createQrDecoder();
    try {
      const text = await scanPicture(file, decoder);
      if (looksLikeTincanText(text)) {
        this.status = 'read';
        emit(this, 'tc-submit-code', { text: text.trim(), source: 'scan' });
      } else {
        this.status = 'idle';
        this.emitScanError('QR_NOT_FOUND');
      }
    } catch (thrown) {
      const code = scanErrorCodeOf(thrown);
      if (!code) {
        this.handleDecoderFailure(thrown instanceof Error ? thrown : new Error(String(thrown)));
        return;
      }
      this.status = 'idle';
      this.emitScanError(code);
    } finally {
      decoder.close();
      this.isReadingPicture = false;
    }
  }

  private emitScanError(code: ScanErrorCode): void {
    emit(this, 'tc-scan-error', { code });
  }

  protected override render() {
    // One button that turns into "Stop scanning" keeps the keyboard focus where it was.
    return html`
      <div class="row">
        <button type="button" @click=${this.isScanning ? this.stopScanning : this.startScanning}>
          ${this.isScanning ? scannerText.stop : scannerText.scan}
        </button>
        <button type="button" @click=${this.handleChoosePicture} ?disabled=${this.isReadingPicture}>${scannerText.fromImage}</button>
        <input type="file" accept="image/*" hidden aria-label=${scannerText.pictureLabel} @change=${this.handlePicture} />
      </div>
      <div class="preview" ?hidden=${!this.isScanning}>
        <video aria-label=${scannerText.preview} playsinline muted></video>
      </div>
      <p class="hint" role="status">${statusText[this.status]}</p>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-qr-scanner': QrScanner;
  }
}
