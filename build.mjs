// Builds dist/: esbuild bundles src/main.ts minified, with source maps and content-hashed names; the QR
// scanner's worker (src/scan/qr-worker.ts, with jsQR) and the file sink's worker (src/platform/file-sink-worker.ts)
// are files of their own, loaded only when a scan or a file transfer starts;
// public/ is copied; index.html gets the hashed entry name; the service worker (src/pwa/service-worker.ts ->
// sw.js) gets the list of files to precache and a build id, so every deploy that changes a file changes
// sw.js. Every URL in dist/ is relative, so it works under any sub-path (GitHub Pages: /<repo>/).
import * as esbuild from 'esbuild';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

const outdir = 'dist';
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  minify: true,
  target: ['chrome109', 'firefox115', 'safari16'],
  legalComments: 'linked',
  logLevel: 'warning',
};

await fs.rm(outdir, { recursive: true, force: true });
await fs.mkdir(outdir, { recursive: true });

/** The one .js output of a build, relative to outdir. */
const onlyJsOutput = (result) => {
  const js = Object.keys(result.metafile.outputs).filter((file) => file.endsWith('.js'));
  if (js.length !== 1) throw new Error(`expected one .js output, got ${js.join(', ')}`);
  return path.relative(outdir, js[0]).split(path.sep).join('/');
};

/** A worker as a classic script (no module workers needed), with a content-hashed name. */
const buildWorker = async (name, entry) =>
  onlyJsOutput(
    await esbuild.build({
      ...common,
      entryPoints: { [name]: entry },
      format: 'iife',
      sourcemap: 'linked',
      outdir,
      entryNames: '[name]-[hash]',
      metafile: true,
    }),
  );
// The scanner's worker, jsQR bundled in; the file-transfer sink's worker (OPFS sync access handles).
const qrWorkerJs = await buildWorker('qr-worker', 'src/scan/qr-worker.ts');
const fileSinkWorkerJs = await buildWorker('file-sink-worker', 'src/platform/file-sink-worker.ts');

const result = await esbuild.build({
  ...common,
  // The KDF worker is built with the app so that both use one libsodium chunk (src/platform/kdf-worker.ts).
  entryPoints: { app: 'src/main.ts', 'kdf-worker': 'src/platform/kdf-worker.ts' },
  format: 'esm',
  splitting: true,
  sourcemap: 'linked',
  outdir,
  entryNames: '[name]-[hash]',
  chunkNames: 'chunks/[name]-[hash]',
  assetNames: 'assets/[name]-[hash]',
  metafile: true,
  // Relative to the page (src/scan/qr-decoder.ts resolves it against document.baseURI).
  define: { __TC_QR_WORKER_URL__: JSON.stringify(`./${qrWorkerJs}`), __TC_FILE_SINK_WORKER_URL__: JSON.stringify(`./${fileSinkWorkerJs}`) },
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
const kdfWorkerJs = entryOf('kdf-worker');

const html = await fs.readFile(path.join(outdir, 'index.html'), 'utf8');
await fs.writeFile(path.join(outdir, 'index.html'), html.replaceAll('__APP_JS__', `./${appJs}`).replaceAll('__KDF_WORKER_JS__', `./${kdfWorkerJs}`));

// Everything the page may load, for the service worker's precache (sorted for a stable file).
const files = [];
for (const entry of await fs.readdir(outdir, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue;
  const rel = path.relative(outdir, path.join(entry.parentPath ?? entry.path, entry.name));
  if (rel.endsWith('.map') || rel === 'sw.js' || rel.endsWith('LEGAL.txt')) continue;
  files.push(rel.split(path.sep).join('/'));
}
files.sort();

// The build id: a hash of every precached file's name and bytes. Same sources, same sw.js.
const hash = crypto.createHash('sha256');
for (const file of files) hash.update(`${file}\0`).update(await fs.readFile(path.join(outdir, file))).update('\0');
const buildId = hash.digest('hex').slice(0, 16);
await fs.writeFile(path.join(outdir, 'precache.json'), JSON.stringify({ buildId, files }, null, 1));

// sw.js keeps a fixed name (browsers look for updates at the URL they registered) and sits next to
// index.html, so its scope is the app's folder.
await esbuild.build({
  ...common,
  entryPoints: ['src/pwa/service-worker.ts'],
  format: 'iife',
  outfile: path.join(outdir, 'sw.js'),
  legalComments: 'none',
  define: { __TC_PRECACHE__: JSON.stringify(files), __TC_BUILD_ID__: JSON.stringify(buildId) },
});

if (!watch) console.log(`built ${outdir}/ (${files.length} files, entry ${appJs}, workers ${qrWorkerJs} ${fileSinkWorkerJs}, build ${buildId})`);
