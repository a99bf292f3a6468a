// Builds the Node peer (issue 20): src/node/cli.ts -> .build/node/cli.mjs (what bin/tincan.mjs runs) and
// src/node/tincan-node.ts -> .build/node/tincan.mjs (what `import ... from 'tincan/node'` loads), bundled by esbuild
// with the packages left external (Node loads them from node_modules) but JSON data bundled (node-bundle.mjs).
// `npm run build` runs it; bin/tincan.mjs calls ensureNodeBuild, which builds only when a bundle is missing or older
// than a file under src/ or these build scripts. Each bundle is written beside its place and renamed over it, so two
// processes building at once never leave half a file.
import * as esbuild from 'esbuild';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { externalPackagesButJson } from './node-bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, '.build', 'node');
export const nodeBundles = { cli: path.join(outdir, 'cli.mjs'), tincan: path.join(outdir, 'tincan.mjs') };
const entries = { cli: 'src/node/cli.ts', tincan: 'src/node/tincan-node.ts' };

async function newestSourceMs() {
  const scripts = ['scripts/build-node.mjs', 'scripts/node-bundle.mjs'].map((file) => fs.stat(path.join(root, file)));
  let newest = Math.max(...(await Promise.all(scripts)).map((stat) => stat.mtimeMs));
  for (const entry of await fs.readdir(path.join(root, 'src'), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const { mtimeMs } = await fs.stat(path.join(entry.parentPath ?? entry.path, entry.name));
    newest = Math.max(newest, mtimeMs);
  }
  return newest;
}

export async function buildNode() {
  await fs.mkdir(outdir, { recursive: true });
  for (const [name, entry] of Object.entries(entries)) {
    const outfile = nodeBundles[name];
    const temporary = `${outfile}.${process.pid}.tmp`;
    await esbuild.build({
      entryPoints: [path.join(root, entry)],
      outfile: temporary,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // Packages stay external, but JSON data is bundled: left external, the confusables table failed to load in
      // Node, so the CLI dropped every contact after its first (docs/node-peer.md §5).
      plugins: [externalPackagesButJson],
      sourcemap: 'inline',
      logLevel: 'warning',
    });
    await fs.rename(temporary, outfile);
  }
}

/** Builds when a bundle is missing or older than the sources. */
export async function ensureNodeBuild() {
  const built = await Promise.all(Object.values(nodeBundles).map((file) => fs.stat(file).then((s) => s.mtimeMs, () => 0)));
  if (Math.min(...built) < (await newestSourceMs())) await buildNode();
  return nodeBundles;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await buildNode();
