// Finding a QR code in a picture file (a screenshot, a photo of a screen). A screenshot reads at a small
// size; a 12-megapixel photo of a small code needs more pixels, so a larger size is tried if the first fails.
import { TincanError } from '../errors';
import type { QrDecoder } from './qr-decoder';
import { PixelReader, openPicture } from './frames';

const pictureSidesPx = [1024, 2048] as const;

/** The text of the QR code in the picture. Rejects with QR_NOT_FOUND when there is none. */
export async function scanPicture(file: Blob, decoder: QrDecoder): Promise<string> {
  const picture = await openPicture(file);
  try {
    const reader = new PixelReader();
    const longestSidePx = Math.max(picture.width, picture.height);
    for (const maxSidePx of pictureSidesPx) {
      const text = await decoder.decode(reader.read(picture, picture.width, picture.height, maxSidePx), 'attemptBoth');
      if (text !== null) return text;
      if (longestSidePx <= maxSidePx) break; // the whole picture was already read at full size
    }
  } finally {
    picture.close();
  }
  throw new TincanError('QR_NOT_FOUND');
}
