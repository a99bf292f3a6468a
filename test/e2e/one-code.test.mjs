// One code for known contacts (issue 9, docs/one-code-reconnect.md): two people who paired once come back after
// both reloaded; one presses "Reconnect", the other only pastes that code, and both read "Connected" with no answer
// code shown or pasted. What each wrote while apart arrives once. A third profile cannot use the code.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openPerson, pasteCode, serveForSuite, waitForAlert } from './helpers.mjs';
import { reconnectWithOneCode } from './one-code-helpers.mjs';

const server = serveForSuite();

describe('one code for a known contact', () => {
  it('Chromium inviter, Chromium contact: connects from the one code; a third profile is told it is not theirs', { timeout: 240_000 }, async () => {
    const people = await Promise.all(['Alice', 'Bob', 'Carol'].map((name) => openPerson('chromium', server.url, { name })));
    const [alice, bob, carol] = people;
    try {
      // Carol got hold of the code: it is bound to Bob's device, so her page refuses it and sends nothing.
      await reconnectWithOneCode(alice, bob, async (code) => {
        await pasteCode(carol.page, code);
        assert.match(await waitForAlert(carol.page), /made for another device/);
      });
    } finally {
      await Promise.all(people.map((p) => p.close()));
    }
  });

  it('Firefox inviter, Chromium contact: connects from the one code too', { timeout: 240_000 }, async () => {
    const alice = await openPerson('firefox', server.url, { name: 'Alice' });
    const bob = await openPerson('chromium', server.url, { name: 'Bob' });
    try {
      await reconnectWithOneCode(alice, bob);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });
});
