// Runs the end-to-end suites: the files that mostly wait (answers and links opened minutes late) run in a
// second `node --test` process, in a network namespace of its own, beside the others, so the wait does not add to
// the suite's wall time. Each group runs its files one at a time. The waiting group's output is printed after the main group's, so the two never interleave.
// Usage: node scripts/e2e.mjs [file ...]   (files default to test/e2e/*.test.mjs)
import { runChild } from './run-child.mjs';
import { readdirSync } from 'node:fs';

/**
 * Files that spend most of their time waiting (an answer 240 s late, a one-code link 120 s late), not driving
 * browsers. They run in a network namespace of their own: the main group's tests drop all UDP with iptables for a
 * while (a link that dies silently, a transfer that resumes, a call whose link dies), which in a shared namespace
 * also dropped the waiting pages' ICE checks. That was why the late answer once failed to open beside the main group
 * (2026-12-06); under CPU load alone, in its own namespace, it opened in under a second (2026-12-07).
 */
const waitingFiles = new Set(['test/e2e/late-answer.test.mjs', 'test/e2e/one-code-late.test.mjs']);
const perTestTimeoutMs = 600_000;

const requested = process.argv.slice(2);
const files = requested.length
  ? requested
  : readdirSync('test/e2e')
      .filter((name) => name.endsWith('.test.mjs'))
      .sort()
      .map((name) => `test/e2e/${name}`);

function run(group, { buffer, ownNetns = false }) {
  if (group.length === 0) return Promise.resolve({ code: 0, output: '' });
  const test = [process.execPath, '--test', '--test-concurrency=1', '--test-force-exit', `--test-timeout=${perTestTimeoutMs}`, ...group];
  if (!ownNetns) return runChild(test[0], test.slice(1), { buffer });
  // scripts/in-netns.sh makes a new namespace unless told it is already in one.
  return runChild('bash', ['scripts/in-netns.sh', ...test], { buffer, env: { ...process.env, TINCAN_IN_NETNS: '' } });
}

const startedAt = Date.now();
const [main, waiting] = await Promise.all([
  run(files.filter((f) => !waitingFiles.has(f)), { buffer: false }),
  run(files.filter((f) => waitingFiles.has(f)), { buffer: true, ownNetns: true }),
]);
if (waiting.output) process.stdout.write(`\n# --- ${[...waitingFiles].join(', ')} (ran alongside) ---\n${waiting.output}`);
console.log(`# e2e wall time ${Math.round((Date.now() - startedAt) / 1000)} s`);
process.exit(main.code || waiting.code);
