// Messages between the page and the QR worker (qr-worker.ts). The pixels travel as a transferred
// ArrayBuffer (RGBA, row by row, width * height * 4 bytes), so a frame is moved, not copied.

export type Inversion = 'dontInvert' | 'attemptBoth';

export interface DecodeRequest {
  id: number;
  width: number;
  height: number;
  pixels: ArrayBuffer;
  /** Camera frames try the normal polarity only (fast); pictures also try light-on-dark codes. */
  inversion: Inversion;
}

export interface DecodeResponse {
  id: number;
  /** The text of the first QR code found, or null when none was found. */
  text: string | null;
}
