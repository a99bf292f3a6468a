// Turning what the camera or a picture shows into pixels for the decoder, scaled down to a bounded size:
// decoding cost grows with the pixel count, and a QR code that fills part of the view needs far fewer pixels.
import { TincanError } from '../errors';

type Context2d = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/** Reads frames through one reusable canvas (an OffscreenCanvas where there is one). */
export class PixelReader {
  private context?: Context2d;

  read(source: CanvasImageSource, sourceWidth: number, sourceHeight: number, maxSidePx: number): ImageData {
    const scale = Math.min(1, maxSidePx / Math.max(sourceWidth, sourceHeight));
    const width = Math.max(1, Math.round(sourceWidth * scale));
    const height = Math.max(1, Math.round(sourceHeight * scale));
    const context = this.contextOfSize(width, height);
    context.drawImage(source, 0, 0, width, height);
    return context.getImageData(0, 0, width, height);
  }

  private contextOfSize(width: number, height: number): Context2d {
    if (!this.context) {
      const canvas = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(width, height) : document.createElement('canvas');
      const context = canvas.getContext('2d', { willReadFrequently: true }) as Context2d | null;
      if (!context) throw new Error('no 2D canvas');
      this.context = context;
    }
    const canvas = this.context.canvas;
    if (canvas.width !== width) canvas.width = width;
    if (canvas.height !== height) canvas.height = height;
    return this.context;
  }
}

/** Opens a picture file; a file that is not a picture the browser can read is QR_NOT_FOUND. */
export async function openPicture(file: Blob): Promise<ImageBitmap> {
  try {
    return await createImageBitmap(file);
  } catch {
    throw new TincanError('QR_NOT_FOUND', 'not a readable picture');
  }
}
