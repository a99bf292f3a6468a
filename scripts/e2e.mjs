// Runs the end-to-end suites in two `node --test` processes side by side, each in a network namespace of its own:
// the main files, and the files that mostly wait (an answer or a link opened minutes late, a dead link noticed, a
// relay's timing) with little CPU of their own. Each process runs its files one at a time. The main group's output
// streams; the other's is printed after it, so the two never interleave.
// Usage: node scripts/e2e.mjs [file ...]   (files default to test/e2e/*.test.mjs)
import { runChild } from './run-child.mjs';
import { readdirSync } from 'node:fs';

/**
 * Files that spend most of their time waiting, not driving browsers: an answer 240 s late, a one-code link 120 s
 * late, a link that dies silently (its timeouts), a relay's reconnects, a one-code link opened later, the NAT lab's
 * pairs whose ICE must fail or wait for TURN (both lab files here: one lab at a time), a link after a change of
 * address (it moves the namespace's interface to another address and back: files run one at a time in a group). Every group has
 * a network namespace of its own: tests drop all UDP with iptables for a while (a link that dies silently, a transfer
 * that resumes, a call whose link dies), which in a shared namespace also dropped the other group's ICE checks. That
 * was why the late answer once failed to open beside the main group (2026-12-06); under CPU load alone, in its own
 * namespace, it opened in under a second (2026-12-07).
 *
 * Why not two even shards of the main files: tried on 2026-12-07 (21:13 UTC, with other work on the machine), three
 * CPU-heavy tests failed beside each other (50 MB between two Chromiums, a flooding peer, the mailbox's held
 * messages) and the run took longer. The files here are light. Seconds each in the full run of 2026-12-07 19:49 UTC,
 * alone: late-answer 275, one-code-late 152, nat 155, relays 126, silent-link 72, one-code-link 51, group-nat 24
 * (855 s; the main files took 1,543 s with the last five among them). address-change, added later: about 100 s
 * alone (2026-12-08).
 */
const waitingFiles = new Set(
  ['late-answer', 'one-code-late', 'nat', 'group-nat', 'relays', 'silent-link', 'one-code-link', 'address-change'].map(
    (name) => `test/e2e/${name}.test.mjs`,
  ),
);
const perTestTimeoutMs = 600_000;

const requested = process.argv.slice(2);
const files = requested.length
  ? requested
  : readdirSync('test/e2e')
      .filter((name) => name.endsWith('.test.mjs'))
      .sort()
      .map((name) => `test/e2e/${name}`);

function run(group, { buffer }) {
  if (group.length === 0) return Promise.resolve({ code: 0, output: '' });
  const test = [process.execPath, '--test', '--test-concurrency=1', '--test-force-exit', `--test-timeout=${perTestTimeoutMs}`, ...group];
  // scripts/in-netns.sh makes a new namespace unless told it is already in one.
  return runChild('bash', ['scripts/in-netns.sh', ...test], { buffer, env: { ...process.env, TINCAN_IN_NETNS: '' } });
}

const startedAt = Date.now();
const waiting = files.filter((f) => waitingFiles.has(f));
const [main, alongside] = await Promise.all([
  run(files.filter((f) => !waitingFiles.has(f)), { buffer: false }),
  run(waiting, { buffer: true }),
]);
if (alongside.output) process.stdout.write(`\n# --- ${waiting.join(', ')} (ran alongside) ---\n${alongside.output}`);
console.log(`# e2e wall time ${Math.round((Date.now() - startedAt) / 1000)} s`);
process.exit(main.code || alongside.code);
