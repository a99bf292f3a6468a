// npm run fuzz: every property in the files below at 100k cases each, one line of counts per property.
//   node scripts/fuzz.mjs [--runs=100000] [--only=<part of a property's export name>] [--seed=<n>]
// Each listed file is bundled (scripts/node-bundle.mjs) into .build/fuzz/; every function it exports
// is a property `(numRuns) => FuzzReport | Promise<FuzzReport>` (test/node/fuzz/fuzz-run.ts). A property that
// returns nothing is counted as run in full, and one that throws as one failure. Exits 1 if any failed.
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleForNode } from './node-bundle.mjs';

const fuzzDir = 'test/node/fuzz';
/** The property files, in the order they run. ADD A FILE HERE (one line) to fuzz it: */
const propertyFiles = [
  'code.property.ts', // decodeCode, encodeCode (src/invite/invite-code.ts)
  'normalize.property.ts', // normalizeCode
  'fragment.property.ts', // codeFromFragment, linkForCode (src/invite/code-link.ts)
  'frame.property.ts', // decodeFrame (src/chat/frames.ts)
  'backup.property.ts', // decodeBackup, encodeBackup (src/store/backup.ts)
];

const args = process.argv.slice(2);
const option = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const runs = Number(option('runs') ?? 100_000);
const only = option('only');
if (option('seed') !== undefined) process.env.FUZZ_SEED = option('seed');

const outdir = '.build/fuzz';
await fs.rm(outdir, { recursive: true, force: true });
await bundleForNode(propertyFiles.map((file) => path.join(fuzzDir, file)), { outdir });

const rows = [];
for (const file of propertyFiles) {
  const module = await import(pathToFileURL(path.resolve(outdir, file.replace(/\.ts$/, '.mjs'))).href);
  for (const [exportName, property] of Object.entries(module)) {
    if (typeof property !== 'function') throw new Error(`${file}: export ${exportName} is not a property function`);
    if (only && !exportName.includes(only)) continue;
    const started = performance.now();
    let report;
    try {
      report = (await property(runs)) ?? { name: exportName, runs, skipped: 0, failures: 0 };
    } catch (error) {
      report = { name: exportName, runs: Number.NaN, skipped: 0, failures: 1, message: String(error?.stack ?? error) };
    }
    const timeMs = report.timeMs ?? performance.now() - started;
    const row = { file, property: exportName, runs: report.runs, skipped: report.skipped ?? 0, failures: report.failures, seconds: timeMs / 1000 };
    rows.push(row);
    console.log(
      `${report.failures ? 'FAIL' : 'ok  '}  ${exportName.padEnd(40)} ${String(row.runs).padStart(7)} cases  ` +
        `${String(row.skipped).padStart(5)} skipped  ${row.failures} failures  ${row.seconds.toFixed(1).padStart(6)} s  (${file})`,
    );
    if (report.failures) console.log(`      ${report.name}\n${report.message ?? ''}`.replace(/\n/g, '\n      '));
  }
}
const failed = rows.filter((row) => row.failures > 0).length;
const totalRuns = rows.reduce((sum, row) => sum + (Number.isFinite(row.runs) ? row.runs : 0), 0);
const totalSeconds = rows.reduce((sum, row) => sum + row.seconds, 0);
console.log(`${rows.length} properties, ${totalRuns} cases, ${failed} failed, ${totalSeconds.toFixed(1)} s`);
process.exit(failed > 0 ? 1 : 0);
