// What a picture is by its first bytes, whatever it claims: the four raster formats this app decodes (PNG, JPEG, GIF,
// WebP) by their magic numbers. Never SVG or anything else that can carry script. Used before a picture offered
// with one of these types is taken without asking (incoming-transfer.ts) and before a preview is decoded
// (platform/image-preview.ts).

export type RasterType = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';

/** Bytes the longest magic number needs (WebP: "RIFF", a length, "WEBP"). */
export const rasterMagicBytes = 12;

/** The raster type the bytes are, whatever the file claims; undefined for anything else (SVG included). */
export function sniffRasterImage(head: Uint8Array): RasterType | undefined {
  const starts = (...bytes: number[]) => bytes.every((byte, i) => head[i] === byte);
  const ascii = (at: number, text: string) => [...text].every((char, i) => head[at + i] === char.charCodeAt(0));
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return 'image/gif';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'image/webp';
  return undefined;
}
