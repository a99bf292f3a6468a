// Runs the core's tests in Node (the core compiles without DOM types and runs outside a browser): every
// test/node/**/*.test.ts is bundled by esbuild into .build/node-tests/ (packages stay external), then run by
// `node --test`. Extra arguments go to node --test; `--only-build` just bundles (for `npm run fuzz`).
import { bundleForNode } from './node-bundle.mjs';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

const outdir = '.build/node-tests';
const args = process.argv.slice(2);
const onlyBuild = args.includes('--only-build');
const pattern = args.find((a) => a.startsWith('--files='))?.slice('--files='.length) ?? 'test/node';

const files = [];
for (const entry of await fs.readdir(pattern, { recursive: true, withFileTypes: true }).catch(() => [])) {
  if (entry.isFile() && entry.name.endsWith('.test.ts')) files.push(path.join(entry.parentPath ?? entry.path, entry.name));
}
await fs.rm(outdir, { recursive: true, force: true });
if (files.length === 0) {
  console.log(`no tests under ${pattern}`);
  process.exit(0);
}
await bundleForNode(files, { outdir, outbase: pattern });
if (onlyBuild) process.exit(0);
const built = files.map((f) => path.join(outdir, path.relative(pattern, f)).replace(/\.ts$/, '.mjs'));
const passThrough = args.filter((a) => !a.startsWith('--files=') && a !== '--only-build');
const run = spawnSync(process.execPath, ['--test', '--test-force-exit', ...passThrough, ...built], { stdio: 'inherit' });
process.exit(run.status ?? 1);
