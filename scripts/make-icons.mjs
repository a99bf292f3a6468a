// Draws Tincan's app icons into public/icons/ with nothing but Node: two tin cans joined by a string, white on
// the accent blue. Run `node scripts/make-icons.mjs` after changing the drawing; the outputs are committed.
// (The ridges of a can are drawn over its body, the rim over both.)
// PNGs are written by hand (RGBA, zlib-deflated scanlines, CRC-32 per chunk: https://www.w3.org/TR/png-3/),
// anti-aliased by 4x4 supersampling.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const outDir = 'public/icons';
const accent = [0x1f, 0x5f, 0xbf];
const white = [0xff, 0xff, 0xff];

// The drawing, in a unit square (y down): two cans lying on their sides, open ends out, each with a rim and
// two ridges; the string sags between their closed ends along a circular arc.
const string = { fromX: 0.3, toX: 0.7, y: 0.44, sag: 0.14, halfWidth: 0.014 };
const radius = ((string.toX - string.fromX) ** 2 / 4 + string.sag ** 2) / (2 * string.sag);
const arc = { cx: 0.5, cy: string.y + string.sag - radius, r: radius };
const cans = [
  { body: [0.14, 0.33, 0.3, 0.55], rim: [0.12, 0.31, 0.165, 0.57], ridgesX: [0.235] },
  { body: [0.7, 0.33, 0.86, 0.55], rim: [0.835, 0.31, 0.88, 0.57], ridgesX: [0.765] },
];
const ridgeHalf = 0.012;
const corner = 0.025;

function inRoundedRect(x, y, left, top, right, bottom, radius) {
  const dx = Math.max(left + radius - x, 0, x - (right - radius));
  const dy = Math.max(top + radius - y, 0, y - (bottom - radius));
  return x >= left && x <= right && y >= top && y <= bottom && dx * dx + dy * dy <= radius * radius;
}

function onString(x, y) {
  if (x < string.fromX || x > string.toX || y < arc.cy) return false;
  return Math.abs(Math.hypot(x - arc.cx, y - arc.cy) - arc.r) <= string.halfWidth;
}

/** Colour of the motif at (x, y), or null for background. */
function motif(x, y) {
  for (const { body, rim, ridgesX } of cans) {
    if (inRoundedRect(x, y, ...rim, corner)) return white;
    if (inRoundedRect(x, y, ...body, corner)) return ridgesX.some((rx) => Math.abs(x - rx) <= ridgeHalf) ? accent : white;
  }
  return onString(x, y) ? white : null;
}

/**
 * @param size pixels
 * @param shape 'rounded' (transparent corners, for "any") or 'full' (full bleed, for "maskable" and iOS)
 * @param scale motif scale about the centre (maskable icons keep it in the central 80% circle)
 */
function drawIcon(size, shape, scale) {
  const samples = 4;
  const rgba = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = (px + (sx + 0.5) / samples) / size;
          const y = (py + (sy + 0.5) / samples) / size;
          if (shape === 'rounded' && !inRoundedRect(x, y, 0, 0, 1, 1, 0.22)) continue;
          const color = motif(0.5 + (x - 0.5) / scale, 0.5 + (y - 0.5) / scale) ?? accent;
          r += color[0]; g += color[1]; b += color[2]; a += 255;
        }
      }
      const n = samples * samples, at = (py * size + px) * 4;
      // Straight (not premultiplied) alpha: average colour over the covered samples only.
      const covered = a / 255 || 1;
      rgba[at] = Math.round(r / covered); rgba[at + 1] = Math.round(g / covered); rgba[at + 2] = Math.round(b / covered);
      rgba[at + 3] = Math.round(a / n);
    }
  }
  return rgba;
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const length = Buffer.alloc(4), crc = Buffer.alloc(4), typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  length.writeUInt32BE(data.length);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}
function png(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits per channel, RGBA, deflate, no filter method variants, no interlace
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4); // filter 0
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function svg() {
  const f = (n) => Number(n.toFixed(4));
  const hex = `#${accent.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
  const rect = ([left, top, right, bottom], fill, rx = 0) =>
    `<rect x="${f(left)}" y="${f(top)}" width="${f(right - left)}" height="${f(bottom - top)}"${rx ? ` rx="${rx}"` : ''} fill="${fill}"/>`;
  const drawnCans = cans.map(({ body, rim, ridgesX }) => [
    rect(body, '#fff', corner),
    ...ridgesX.map((rx) => rect([rx - ridgeHalf, body[1], rx + ridgeHalf, body[3]], hex)),
    rect(rim, '#fff', corner),
  ].join('')).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" height="1" rx="0.22" fill="${hex}"/>` +
    `<path d="M${string.fromX} ${string.y}A${f(arc.r)} ${f(arc.r)} 0 0 0 ${string.toX} ${string.y}" fill="none" stroke="#fff" stroke-width="${2 * string.halfWidth}"/>` +
    `${drawnCans}</svg>\n`;
}

const icons = [
  ['icon-192.png', 192, 'rounded', 1],
  ['icon-512.png', 512, 'rounded', 1],
  ['maskable-512.png', 512, 'full', 0.78],
  ['apple-touch-icon.png', 180, 'full', 0.86],
];
fs.mkdirSync(outDir, { recursive: true });
for (const [name, size, shape, scale] of icons) fs.writeFileSync(path.join(outDir, name), png(size, drawIcon(size, shape, scale)));
fs.writeFileSync(path.join(outDir, 'icon.svg'), svg());
console.log(`wrote ${icons.length + 1} icons to ${outDir}/`);
