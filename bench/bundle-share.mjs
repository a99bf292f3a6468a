// What each dependency adds to the app bundle: builds src/main.ts as build.mjs does (minified) with a metafile
// and prints, per package, the bytes it contributes to the initial JS, raw and gzipped on its own.
//
//   node bench/bundle-share.mjs
import * as esbuild from 'esbuild';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import zlib from 'node:zlib';

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-bundle-'));
const result = await esbuild.build({
  entryPoints: { app: 'src/main.ts' }, bundle: true, format: 'esm', splitting: true, minify: true,
  target: ['chrome109', 'firefox115', 'safari16'], outdir, metafile: true, logLevel: 'error',
});
const [file, entry] = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint);
const packageOf = (input) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? '(Tincan source)';
const bytes = new Map();
for (const [input, { bytesInOutput }] of Object.entries(entry.inputs)) {
  const name = packageOf(input);
  bytes.set(name, (bytes.get(name) ?? 0) + bytesInOutput);
}
const total = fs.statSync(file).size;
const gzipTotal = zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;
console.log(`initial app JS: ${(total / 1024).toFixed(1)} KB raw, ${(gzipTotal / 1024).toFixed(1)} KB gzip\n`);
console.log(`${'package'.padEnd(28)} ${'raw KB'.padStart(8)} ${'share'.padStart(7)}`);
for (const [name, n] of [...bytes].sort((a, b) => b[1] - a[1])) {
  console.log(`${name.padEnd(28)} ${(n / 1024).toFixed(1).padStart(8)} ${((100 * n) / total).toFixed(1).padStart(6)}%`);
}
fs.rmSync(outdir, { recursive: true, force: true });
