// Previews of received (or pasted) images, drawn from decoded pixels only. The file's stated type and name are never
// trusted: the first bytes decide, and only four raster formats are decoded (PNG, JPEG, GIF, WebP). SVG, HTML and
// anything else that can carry script is offered as a file and never rendered. The picture is decoded by
// createImageBitmap, scaled down on a canvas and re-encoded (WebP, PNG where the browser cannot encode WebP), so the
// preview holds pixels only: no metadata, no script, no decoder surprises left for the <img> that shows it. It is
// small enough (≤ previewMaxEdgePx, ~10-30 kB) to keep sealed in the vault with the message.
//
// Dimensions are read from the header before decoding, and images above maxPreviewSourcePixels are not decoded at all
// (a 100 kB PNG can claim 30,000 × 30,000 pixels: 3.6 GB once decoded).
import { sniffRasterImage, type RasterType } from '../chat/files/picture-bytes';

export const previewMaxEdgePx = 320;
export const maxPreviewSourcePixels = 50_000_000;
/** How much of the file is read to find the type and dimensions (a JPEG's size follows its EXIF block). */
export const previewHeadBytes = 256 * 1024;
const previewQuality = 0.8;

export interface ImagePreview {
  /** The re-encoded thumbnail (image/webp or image/png). */
  readonly blob: Blob;
  readonly width: number;
  readonly height: number;
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  readonly sourceType: RasterType;
}

/** Width and height from the header, without decoding; undefined when the header does not say. */
export function rasterDimensions(head: Uint8Array, type: RasterType): { width: number; height: number } | undefined {
  const data = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const has = (end: number) => head.length >= end;
  const ascii = (at: number, text: string) => [...text].every((char, i) => head[at + i] === char.charCodeAt(0));
  const sized = (width: number, height: number) => (width > 0 && height > 0 ? { width, height } : undefined);
  switch (type) {
    case 'image/png':
      // IHDR is the first chunk: width at 16, height at 20 (big-endian).
      return has(24) && ascii(12, 'IHDR') ? sized(data.getUint32(16), data.getUint32(20)) : undefined;
    case 'image/gif':
      return has(10) ? sized(data.getUint16(6, true), data.getUint16(8, true)) : undefined;
    case 'image/webp':
      if (!has(30)) return undefined;
      if (ascii(12, 'VP8X')) return sized(1 + (data.getUint32(24, true) & 0xffffff), 1 + (data.getUint32(27, true) & 0xffffff));
      if (ascii(12, 'VP8 ')) return sized(data.getUint16(26, true) & 0x3fff, data.getUint16(28, true) & 0x3fff);
      if (ascii(12, 'VP8L')) {
        const bits = data.getUint32(21, true);
        return sized(1 + (bits & 0x3fff), 1 + ((bits >>> 14) & 0x3fff));
      }
      return undefined;
    case 'image/jpeg':
      return jpegDimensions(head, data);
  }
}

/** Walks the JPEG markers to the first start-of-frame (SOF0..SOF15 but DHT, JPG, DAC). */
function jpegDimensions(head: Uint8Array, data: DataView): { width: number; height: number } | undefined {
  let at = 2;
  while (at + 9 <= head.length) {
    if (head[at] !== 0xff) return undefined;
    const marker = head[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2; // markers without a length
      continue;
    }
    const isStartOfFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isStartOfFrame) {
      const height = data.getUint16(at + 5);
      const width = data.getUint16(at + 7);
      return width > 0 && height > 0 ? { width, height } : undefined;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // end of image or scan data before any frame header
    at += 2 + data.getUint16(at + 2);
  }
  return undefined;
}

/** The preview, or undefined when the file is not a raster image we decode (or is too large, or fails to decode). */
export async function makeImagePreview(file: Blob): Promise<ImagePreview | undefined> {
  const head = new Uint8Array(await file.slice(0, previewHeadBytes).arrayBuffer());
  const sourceType = sniffRasterImage(head);
  if (!sourceType) return undefined;
  const size = rasterDimensions(head, sourceType);
  if (!size || size.width * size.height > maxPreviewSourcePixels) return undefined;
  const scale = Math.min(1, previewMaxEdgePx / Math.max(size.width, size.height));
  const width = Math.max(1, Math.round(size.width * scale));
  const height = Math.max(1, Math.round(size.height * scale));
  let bitmap: ImageBitmap;
  try {
    // Re-typed from the bytes, so the decoder is chosen by what the file is, not what it says.
    bitmap = await createImageBitmap(file.slice(0, file.size, sourceType));
  } catch {
    return undefined;
  }
  try {
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d');
    if (!context) return undefined;
    context.imageSmoothingQuality = 'high';
    context.drawImage(bitmap, 0, 0, width, height);
    const blob = await canvas.convertToBlob({ type: 'image/webp', quality: previewQuality });
    return { blob, width, height, sourceWidth: size.width, sourceHeight: size.height, sourceType };
  } catch {
    return undefined;
  } finally {
    bitmap.close();
  }
}
