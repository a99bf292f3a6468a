// Builds dist/: esbuild bundles src/main.ts (and the scanner worker) minified, with source maps and
// content-hashed names; public/ is copied; index.html gets the hashed entry name and a precache list is
// written for the service worker. Every URL in dist/ is relative, so it works under any sub-path.
import * as esbuild from 'esbuild';
import fs from 'node:fs/promises';
import path from 'node:path';

const outdir = 'dist';
const watch = process.argv.includes('--watch');

await fs.rm(outdir, { recursive: true, force: true });
await fs.mkdir(outdir, { recursive: true });

const result = await esbuild.build({
  entryPoints: { app: 'src/main.ts' },
  bundle: true,
  format: 'esm',
  splitting: true,
  minify: true,
  sourcemap: 'linked',
  target: ['chrome109', 'firefox115', 'safari16'],
  outdir,
  entryNames: '[name]-[hash]',
  chunkNames: 'chunks/[name]-[hash]',
  assetNames: 'assets/[name]-[hash]',
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
});

await fs.cp('public', outdir, { recursive: true });

// Entry file name of the app bundle, found through the metafile.
const outputs = Object.entries(result.metafile.outputs);
const entryOf = (name) => {
  const found = outputs.find(([, o]) => o.entryPoint && path.basename(o.entryPoint).startsWith(name));
  if (!found) throw new Error(`no output for ${name}`);
  return path.relative(outdir, found[0]);
};
const appJs = entryOf('main');

const html = await fs.readFile(path.join(outdir, 'index.html'), 'utf8');
await fs.writeFile(path.join(outdir, 'index.html'), html.replaceAll('__APP_JS__', `./${appJs}`));

// Everything the page may load, for the service worker's precache (sorted for a stable file).
const files = [];
for (const entry of await fs.readdir(outdir, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue;
  const rel = path.relative(outdir, path.join(entry.parentPath ?? entry.path, entry.name));
  if (rel.endsWith('.map') || rel === 'sw.js' || rel.endsWith('LEGAL.txt')) continue;
  files.push(rel.split(path.sep).join('/'));
}
files.sort();
await fs.writeFile(path.join(outdir, 'precache.json'), JSON.stringify({ files }, null, 1));

if (!watch) console.log(`built ${outdir}/ (${files.length} files, entry ${appJs})`);
