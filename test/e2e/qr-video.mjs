// Draws a text as a QR code into a one-frame Y4M video (YUV4MPEG2, 4:2:0), the file Chromium's fake camera shows (docs/lab.md §4).
import fs from 'node:fs';
import QRCode from 'qrcode';

/** Chromium shows the video as a camera of the video's size; the scanner was measured at 640x480 (docs/lab.md §4). */
export const frameWidthPx = 640;
export const frameHeightPx = 480;
const framesPerSecond = 10;
/** The light margin the QR standard asks for around the code. */
const quietZoneModules = 4;
/** Video-range levels (ITU-R BT.601): black and white luma, and the chroma of a grey. */
const darkLuma = 16;
const lightLuma = 235;
const neutralChroma = 128;

/**
 * The Y4M bytes of one frame showing `text` as a QR code (error correction M), centred, each module a square of
 * whole pixels as large as the frame allows (2 px for the largest code, version 40). Layout: a text header line,
 * `FRAME\n`, then the planes Y (one byte a pixel), U and V (one byte per 2x2 pixels each: 4:2:0).
 */
export function qrVideo(text) {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const sideModules = modules.size + 2 * quietZoneModules;
  const modulePx = Math.floor(Math.min(frameWidthPx, frameHeightPx) / sideModules);
  const codeLeftPx = ((frameWidthPx - sideModules * modulePx) >> 1) + quietZoneModules * modulePx;
  const codeTopPx = ((frameHeightPx - sideModules * modulePx) >> 1) + quietZoneModules * modulePx;

  const luma = Buffer.alloc(frameWidthPx * frameHeightPx, lightLuma);
  for (let row = 0; row < modules.size; row++) {
    for (let column = 0; column < modules.size; column++) {
      if (!modules.get(row, column)) continue;
      for (let y = codeTopPx + row * modulePx; y < codeTopPx + (row + 1) * modulePx; y++) {
        const start = y * frameWidthPx + codeLeftPx + column * modulePx;
        luma.fill(darkLuma, start, start + modulePx);
      }
    }
  }
  const chroma = Buffer.alloc(2 * (frameWidthPx / 2) * (frameHeightPx / 2), neutralChroma);
  const header = `YUV4MPEG2 W${frameWidthPx} H${frameHeightPx} F${framesPerSecond}:1 Ip A1:1 C420\n`;
  return Buffer.concat([Buffer.from(header), Buffer.from('FRAME\n'), luma, chroma]);
}

/** Writes qrVideo(text) to `file`. Chromium reads the file when capture starts, so rewriting it changes what the next scan sees. */
export function writeQrVideo(file, text) {
  fs.writeFileSync(file, qrVideo(text));
}
