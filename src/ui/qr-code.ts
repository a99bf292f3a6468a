// <tc-qr-code>: draws `text` as a QR code in an <img> (an SVG, so it stays crisp at any pixel ratio), in the
// segments invite/qr-segments.ts chooses for a Tincan link.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import QRCode from 'qrcode';
import { qrSegments } from '../invite/qr-segments';

@customElement('tc-qr-code')
export class QrCode extends LitElement {
  static override styles = css`
    :host { display: block; }
    img {
      display: block; width: 100%; max-width: 320px; min-width: min(100%, 240px); height: auto; aspect-ratio: 1;
      image-rendering: pixelated; background: #fff; border-radius: 8px;
    }
  `;

  @property() text = '';
  @property() label = 'QR code';
  @state() private dataUrl = '';

  protected override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('text')) this.draw();
  }

  private draw(): void {
    if (!this.text) {
      this.dataUrl = '';
      return;
    }
    const text = this.text;
    QRCode.toString(qrSegments(text) as QRCode.QRCodeSegment[], { type: 'svg', errorCorrectionLevel: 'M', margin: 4 })
      .then((svg) => {
        if (this.text === text) this.dataUrl = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
      })
      .catch(() => {
        this.dataUrl = '';
      });
  }

  protected override render() {
    return this.dataUrl ? html`<img src=${this.dataUrl} alt=${this.label} />` : nothing;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-qr-code': QrCode;
  }
}
