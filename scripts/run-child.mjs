// One child process run to its end, its output streamed (inherit) or held (buffer) to print later, so that two
// runs side by side never interleave. Used by scripts/e2e.mjs and scripts/beside.mjs.
import { spawn } from 'node:child_process';

/** Resolves with the child's exit code (1 if a signal ended it) and, when `buffer`, what it printed. */
export function runChild(command, args, { buffer = false, shell = false, env = process.env } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { shell, env, stdio: buffer ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    if (buffer) {
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
    }
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}
