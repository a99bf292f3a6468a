// Runs every bench, one after another, printing each one's output as it comes. `npm run bench` builds dist/ and
// runs this inside the private network namespace (scripts/in-netns.sh), which the browser benches need.
//
//   npm run bench                     codec-sizes, size, vault-bench, chat
//   npm run bench -- --late           the same, then late-answer (takes max(delay) + ~1 min: 16 min by default)
//   npm run bench -- --late --delays 0,240,660
//   npm run bench -- --nat            also bench/nat.mjs (builds the NAT lab's named namespaces: not while
//                                     someone else uses the lab)
//
// Each bench runs as its own node process with its usual arguments; a failing bench is reported and the rest
// still run. Exits 1 if any failed.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const argValue = (name) => {
  const at = process.argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (at < 0) return undefined;
  return process.argv[at].includes('=') ? process.argv[at].split('=')[1] : process.argv[at + 1];
};
const delays = argValue('--delays');

const benches = [
  { file: 'codec-sizes.mjs', args: [], what: 'invite-code sizes vs raw and deflated SDP (no browser)' },
  { file: 'size.mjs', args: [], what: 'download size and first render of dist/' },
  { file: 'bundle-share.mjs', args: [], what: 'what each dependency adds to the app bundle (libsodium)' },
  { file: 'vault-bench.mjs', args: [], what: 'Argon2id, sealing, IndexedDB history (Chromium and Firefox)' },
  { file: 'chat.mjs', args: [], what: 'pairing, message RTT and throughput through the UI, with bare data channel baselines' },
];
if (process.argv.includes('--nat')) {
  benches.push({ file: 'nat.mjs', args: [], what: 'connecting across NATs in the NAT lab (LAB.md §5)' });
}
if (process.argv.includes('--late')) {
  benches.push({ file: 'late-answer.mjs', args: delays ? ['--delays', delays] : [], what: 'late answers, four pairings' });
}

function run({ file, args }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(benchDir, file), ...args], { stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : code));
  });
}

if (process.env.TINCAN_IN_NETNS !== '1') {
  console.log('warning: not inside scripts/in-netns.sh; the browser benches may reach the network (LAB.md §1)');
}
console.log(`bench run ${new Date().toISOString()}, node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const outcomes = [];
for (const bench of benches) {
  console.log(`\n===== ${bench.file} ${bench.args.join(' ')}: ${bench.what}\n`);
  const startedAt = Date.now();
  const code = await run(bench);
  const seconds = (Date.now() - startedAt) / 1000;
  outcomes.push({ ...bench, code, seconds });
  console.log(`\n----- ${bench.file}: ${code === 0 ? 'ok' : `FAILED (${code})`} in ${seconds.toFixed(0)} s`);
}
console.log('\nsummary');
for (const o of outcomes) console.log(`  ${o.file.padEnd(18)} ${(o.code === 0 ? 'ok' : `FAILED (${o.code})`).padEnd(12)} ${o.seconds.toFixed(0).padStart(5)} s`);
process.exitCode = outcomes.every((o) => o.code === 0) ? 0 : 1;
