// Image previews: decoded pixels only, chosen by the bytes, never SVG (a script in it must never run).
import { expect } from '@esm-bundle/chai';
import { sniffRasterImage } from '../../../src/chat/files/picture-bytes';
import { makeImagePreview, previewMaxEdgePx, rasterDimensions } from '../../../src/platform/image-preview';

async function drawn(type: string, width: number, height: number): Promise<Blob> {
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d')!;
  context.fillStyle = '#c03';
  context.fillRect(0, 0, width, height);
  return canvas.convertToBlob({ type });
}

const head = async (blob: Blob) => new Uint8Array(await blob.slice(0, 256 * 1024).arrayBuffer());

describe('image previews', () => {
  it('scales PNG, JPEG and WebP down to a small re-encoded thumbnail, whatever type the file claims', async () => {
    for (const type of ['image/png', 'image/jpeg', 'image/webp']) {
      const image = await drawn(type, 1600, 900);
      expect(sniffRasterImage(await head(image)), type).to.equal(type);
      expect(rasterDimensions(await head(image), type as 'image/png'), type).to.deep.equal({ width: 1600, height: 900 });
      const mislabelled = new Blob([image], { type: 'application/pdf' });
      const preview = (await makeImagePreview(mislabelled))!;
      expect([preview.width, preview.height, preview.sourceWidth, preview.sourceHeight, preview.sourceType]).to.deep.equal([previewMaxEdgePx, 180, 1600, 900, type]);
      expect(['image/webp', 'image/png']).to.include(preview.blob.type);
      expect(preview.blob.size).to.be.below(50_000);
      // It decodes as an image (shown through a blob URL, which the page's CSP allows for img-src).
      const bitmap = await createImageBitmap(preview.blob);
      expect([bitmap.width, bitmap.height]).to.deep.equal([previewMaxEdgePx, 180]);
      bitmap.close();
    }
  });

  it('never renders an SVG (with a script, even one labelled image/png): it stays a file', async () => {
    const marker = `svgRan${Math.random().toString(36).slice(2)}`;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="window.${marker}=1"><script>window.${marker}=1</script><rect width="10" height="10"/></svg>`;
    let decodes = 0;
    const renderersBefore = document.querySelectorAll('img, object, embed, iframe, svg').length;
    const realCreate = window.createImageBitmap;
    // Counting, not replacing: the real decoder still runs for anything that reaches it.
    window.createImageBitmap = ((...args: Parameters<typeof createImageBitmap>) => {
      decodes++;
      return realCreate(...args);
    }) as typeof createImageBitmap;
    try {
      for (const type of ['image/svg+xml', 'image/png', '']) {
        expect(await makeImagePreview(new Blob([svg], { type })), type).to.equal(undefined);
      }
      expect(await makeImagePreview(new Blob(['<!doctype html><script>parent.x=1</script>'], { type: 'image/png' }))).to.equal(undefined);
    } finally {
      window.createImageBitmap = realCreate;
    }
    expect(decodes).to.equal(0, 'nothing was handed to a decoder');
    // Nor to anything that renders: no element was made that could load it (so its script never runs, now or later).
    expect(document.querySelectorAll('img, object, embed, iframe, svg').length).to.equal(renderersBefore);
    expect((window as unknown as Record<string, unknown>)[marker]).to.equal(undefined);
  });

  it('does not decode an image whose header claims more pixels than a preview may cost', async () => {
    // A real 1×1 PNG whose IHDR is rewritten to 30,000 × 30,000 (the CRC no longer matters: it is never decoded).
    const bytes = new Uint8Array(await (await drawn('image/png', 1, 1)).arrayBuffer());
    const view = new DataView(bytes.buffer);
    view.setUint32(16, 30_000);
    view.setUint32(20, 30_000);
    expect(await makeImagePreview(new Blob([bytes]))).to.equal(undefined);
  });

  it('reads GIF and JPEG sizes from their headers', () => {
    const gif = new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x40, 0x01, 0xf0, 0x00]);
    expect(sniffRasterImage(gif)).to.equal('image/gif');
    expect(rasterDimensions(gif, 'image/gif')).to.deep.equal({ width: 320, height: 240 });
    // SOI, an APP0 segment of 16 bytes, then SOF0 with height 0x0258 and width 0x0320.
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, ...new Array(14).fill(0), 0xff, 0xc0, 0x00, 0x11, 0x08, 0x02, 0x58, 0x03, 0x20, 0x03]);
    expect(rasterDimensions(jpeg, 'image/jpeg')).to.deep.equal({ width: 800, height: 600 });
    expect(rasterDimensions(jpeg.subarray(0, 22), 'image/jpeg')).to.equal(undefined);
  });
});
