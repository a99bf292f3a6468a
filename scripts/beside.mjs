// Runs two commands at once and waits for both: the second's output streams, the first's is held and printed after
// it, so the two never interleave. Exits non-zero if either failed. `npm test` runs the Node tests (mostly one
// core) beside the browser unit tests (mostly waiting on Chromium) this way, to keep the suite's wall time down.
// Usage: node scripts/beside.mjs "<held command>" "<streamed command>"
import { runChild } from './run-child.mjs';

const [held, streamed] = process.argv.slice(2);
if (!held || !streamed) {
  console.error('usage: node scripts/beside.mjs "<held command>" "<streamed command>"');
  process.exit(2);
}

const [first, second] = await Promise.all([
  runChild(held, [], { shell: true, buffer: true }),
  runChild(streamed, [], { shell: true }),
]);
process.stdout.write(`\n# --- ${held} (ran alongside) ---\n${first.output}`);
console.log(`# ${held}: exit ${first.code}; ${streamed}: exit ${second.code}`);
process.exit(first.code || second.code);
