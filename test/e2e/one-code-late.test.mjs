// One code for a known contact, opened late (issue 9): Chromium invites, Firefox pastes the code ONE_CODE_LATE_S
// seconds (default 120 s) after it was made. Mostly waiting, so scripts/e2e.mjs runs it beside the other files.
import { describe, it } from 'node:test';
import { openPerson, serveForSuite } from './helpers.mjs';
import { reconnectWithOneCode } from './one-code-helpers.mjs';

const delayS = Number(process.env.ONE_CODE_LATE_S ?? 120);
const server = serveForSuite();

describe(`one code opened ${delayS} s after it was made`, () => {
  it('Chromium inviter, Firefox contact: still connects, and the queued messages arrive once', { timeout: (delayS + 240) * 1000 }, async () => {
    const alice = await openPerson('chromium', server.url, { name: 'Alice' });
    const bob = await openPerson('firefox', server.url, { name: 'Bob' });
    try {
      await reconnectWithOneCode(alice, bob, () => new Promise((resolve) => setTimeout(resolve, delayS * 1000)));
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });
});
