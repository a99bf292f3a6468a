// Runs every bench, one after another, printing each one's output as it comes. `npm run bench` builds dist/ and
// runs this inside the private network namespace (scripts/in-netns.sh), which the browser benches need. Every
// browser bench prints its build id, the machine's load, and that Chromium runs with its accessibility tree on.
//
//   npm run bench                     codec-sizes, size, bundle-share, vault-bench, chat, flood, peers, files,
//                                     one-code, first-message, node-peer, calls, relays, groups (about 25 min on an idle
//                                     2-core machine)
//   npm run bench -- --quick          the same with smaller counts: a smoke run, not for figures
//   npm run bench -- --long           also the long cases: one-code at 600 s, files with 1 GiB, late-answer
//                                     (about 35 min more)
//   npm run bench -- --late [--delays 0,240,660]   late-answer (takes max(delay) + ~1 min)
//   npm run bench -- --nat            also nat.mjs and one-code-nat.mjs (build the NAT lab's named namespaces: not
//                                     while someone else uses the lab)
//   npm run bench -- --only chat,flood            just those
//
// Each bench runs as its own node process; a failing bench is reported and the rest still run. Exits 1 if any
// failed (size.mjs fails when the first download is over its budget).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { argValue, hasFlag, machineLine, warnOutsideNamespace } from './lib.mjs';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const quick = hasFlag('--quick');
const long = hasFlag('--long');
const only = argValue('--only')?.split(',');
const delays = argValue('--delays');

const benches = [
  { name: 'codec-sizes', args: [], what: 'invite-code sizes vs raw and deflated SDP (no browser)' },
  { name: 'size', args: [], what: 'download size through the welcome screen, and first render of dist/' },
  { name: 'bundle-share', args: [], what: 'what each dependency adds to the app bundle (libsodium)' },
  { name: 'vault-bench', args: [], what: 'Argon2id, sealing, the store over IndexedDB (Chromium and Firefox)' },
  {
    name: 'chat',
    args: quick ? ['--rounds', '1', '--messages', '50', '--burst', '300', '--history', '2000'] : [],
    what: 'pairing, one message, bursts and a 10k history through the UI, with bare-channel and no-storage baselines (issue 10)',
  },
  { name: 'flood', args: quick ? ['--messages', '1000', '--history', '2000'] : [], what: 'a peer floods the victim: stalls, stored/s, storage, acks (issue 8)' },
  {
    name: 'peers',
    args: quick ? ['--reconnect-rounds', '1', '--peers', '5', '--idle-seconds', '5', '--messages', '20'] : [],
    what: 'one-code reconnect through the UI, 10 live peers at idle, RTT with 1 vs 5 peers (issue 9)',
  },
  { name: 'files', args: quick ? ['--rounds', '1', '--mb', '16'] : long ? ['--big'] : [], what: 'file transfer against a bare channel' },
  {
    name: 'one-code',
    args: quick ? ['--delays', '3', '--no-control'] : long ? ['--delays', '3,120,600'] : [],
    what: 'one-code reconnect at the PeerLink level, four pairings (docs/one-code-reconnect.md)',
  },
  {
    name: 'first-message',
    args: quick ? ['--devices', 'desktop'] : [],
    what: 'two new people, page opened -> first message on the other screen: taps, characters, machine time per step (issue 11)',
  },
  {
    name: 'node-peer',
    args: quick ? ['--messages', '10', '--burst', '50', '--dials', '3', '--held', '100', '--handovers', '1', '--idle-seconds', '6'] : [],
    what: 'Node peer <-> Chromium RTT and bursts vs a bare channel, mailbox dial -> open, 1,000 held envelopes handed over, an idle mailbox\'s memory (issue 20)',
  },
  {
    name: 'calls',
    args: quick ? ['--calls', '2', '--cpu-seconds', '5', '--messages', '10'] : [],
    what: 'Accept -> first audio on the far side, CPU of a 640x480 video call, "Delivered" during a call vs without (issue 22)',
  },
  {
    name: 'relays',
    args: quick ? ['--offline', '20', '--rounds', '1', '--one-code-rounds', '1', '--idle-seconds', '10'] : [],
    what: 'a real Nostr relay: offline envelopes fetched per second, unlock -> Connected by automatic reconnect, relay traffic of an idle contact, invite size (issue 21)',
  },
  {
    name: 'groups',
    args: quick ? ['--sizes', '3,4', '--rounds', '2', '--catch-up', '20', '--idle-seconds', '3'] : [],
    what: 'group mesh formation for 4 and 8 members, fan-out vs 1:1, catch-up of 1,000 missed messages, idle cost per live member (issue 19)',
  },
];
if (long || hasFlag('--late')) {
  benches.push({ name: 'late-answer', args: delays ? ['--delays', delays] : [], what: 'late answers, four pairings' });
}
if (hasFlag('--nat')) {
  benches.push({ name: 'nat', args: [], what: 'connecting across NATs in the NAT lab (docs/lab.md §5)' });
  benches.push({ name: 'one-code-nat', args: [], what: 'one-code reconnect across NATs, with the answer-code fallback' });
}

function run({ name, args }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(benchDir, `${name}.mjs`), ...args], { stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : code));
  });
}

warnOutsideNamespace();
console.log(`bench run ${machineLine()}${quick ? ' (--quick: smaller counts, not for figures)' : ''}`);
const outcomes = [];
for (const bench of benches.filter((b) => !only || only.includes(b.name))) {
  console.log(`\n===== ${bench.name}.mjs ${bench.args.join(' ')}: ${bench.what}\n`);
  const startedAt = Date.now();
  const code = await run(bench);
  const seconds = (Date.now() - startedAt) / 1000;
  outcomes.push({ ...bench, code, seconds });
  console.log(`\n----- ${bench.name}.mjs: ${code === 0 ? 'ok' : `FAILED (${code})`} in ${seconds.toFixed(0)} s`);
}
console.log(`\nsummary (${machineLine()})`);
for (const o of outcomes) console.log(`  ${o.name.padEnd(14)} ${(o.code === 0 ? 'ok' : `FAILED (${o.code})`).padEnd(12)} ${o.seconds.toFixed(0).padStart(5)} s`);
process.exitCode = outcomes.every((o) => o.code === 0) ? 0 : 1;
