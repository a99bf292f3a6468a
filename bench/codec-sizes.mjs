// Invite-code sizes for every captured SDP (test/fixtures/sdp), with same-run baselines: the raw SDP and the
// SDP compressed with deflate (level 9).
//
//   node bench/codec-sizes.mjs
//
// Columns:
//   sdp B        raw SDP bytes, as the browser wrote it
//   deflate B    the same, deflate-raw level 9 (what generic compression achieves)
//   code B/ch    invite-code binary bytes / text characters, with the browser's own ICE credentials (carried)
//   app B/ch     the same once the credentials are the derived ones, as the app sends it (nothing carried)
//   QR code      QR version (error correction M) of https://example.github.io/tincan/#CODE for the app's
//                code: byte mode for the URL, alphanumeric mode for the code
//   QR sdp       QR version of the same URL followed by the URL-encoded raw SDP (byte mode), for comparison
// No browser is needed: src/invite is pure, so it is bundled with esbuild into a temporary module and imported.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import QRCode from 'qrcode';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtureDir = path.join(root, 'test', 'fixtures', 'sdp');
const linkPrefix = 'https://example.github.io/tincan/#';
const errorCorrectionLevel = 'M';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-bench-'));
const modulePath = path.join(scratch, 'invite.mjs');
await esbuild.build({
  stdin: {
    contents: "export * from './src/invite/invite-code'; export * from './src/invite/sdp';",
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  outfile: modulePath,
  logLevel: 'warning',
});
const invite = await import(pathToFileURL(modulePath).href);
fs.rmSync(scratch, { recursive: true, force: true });

const qrVersion = (segments) => {
  try {
    return String(QRCode.create(segments, { errorCorrectionLevel }).version);
  } catch {
    return '>40';
  }
};

const rows = [];
for (const file of fs.readdirSync(fixtureDir).filter((name) => name.endsWith('.sdp')).sort()) {
  const sdp = fs.readFileSync(path.join(fixtureDir, file), 'utf8');
  const kind = file.includes('-answer-') ? 'answer' : 'invite';
  const captured = { kind, fields: invite.extractFields(sdp) };
  const app = { kind, fields: { ...captured.fields } };
  delete app.fields.ice;
  const appCode = invite.encodeCode(app);
  rows.push({
    fixture: file.replace(/\.sdp$/, ''),
    cands: String(captured.fields.candidates.length),
    'sdp B': String(Buffer.byteLength(sdp)),
    'deflate B': String(zlib.deflateRawSync(sdp, { level: 9 }).length),
    'code B/ch': `${invite.codeBytes(captured)}/${invite.encodeCode(captured).length}`,
    'app B/ch': `${invite.codeBytes(app)}/${appCode.length}`,
    'QR code': qrVersion([{ data: linkPrefix, mode: 'byte' }, { data: appCode, mode: 'alphanumeric' }]),
    'QR sdp': qrVersion([{ data: linkPrefix + encodeURIComponent(sdp), mode: 'byte' }]),
  });
}

const columns = Object.keys(rows[0]);
const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => row[column].length)));
const line = (cells) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
console.log(`Invite-code sizes (QR error correction ${errorCorrectionLevel}, link ${linkPrefix}CODE)`);
console.log(line(columns));
console.log(line(widths.map((width) => '-'.repeat(width))));
for (const row of rows) console.log(line(columns.map((column) => row[column])));

// With relays (docs/relays.md "One code for a first contact"): the same invites carrying a 32-byte alias and one or
// two relay addresses (`wss://` is left out of the code), for the app's code of a one-IPv4, a one-mDNS and a
// two-mDNS invite.
const relaySets = [[], ['wss://relay.damus.io'], ['wss://relay.damus.io', 'wss://nos.lol'], ['wss://nostr-pub.wellorder.net']];
const alias = new Uint8Array(32).fill(0xa5);
const shapes = [
  ['one IPv4 host', [{ type: 'host', address: '192.168.1.20', port: 51234 }]],
  ['one mDNS host', [{ type: 'host', address: 'ec927985-38c3-4d77-b5d4-cd3553d65132.local', port: 52947 }]],
  ['two mDNS hosts', [{ type: 'host', address: 'ec927985-38c3-4d77-b5d4-cd3553d65132.local', port: 52947 }, { type: 'host', address: '0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0.local', port: 60001 }]],
];
console.log('\nWith relays: the app\'s invite plus an alias and relays');
console.log(['invite', 'relays', 'B/ch', 'QR'].join('  '));
for (const [shape, candidates] of shapes) {
  for (const relays of relaySets) {
    const code = { kind: 'invite', fields: { fingerprint: new Uint8Array(32).fill(7), candidates }, ...(relays.length ? { relay: { alias, addresses: relays } } : {}) };
    const text = invite.encodeCode(code);
    const version = qrVersion([{ data: linkPrefix, mode: 'byte' }, { data: text, mode: 'alphanumeric' }]);
    console.log([shape, relays.join(' ') || '(none)', `${invite.codeBytes(code)}/${text.length}`, version].join('  '));
  }
}
