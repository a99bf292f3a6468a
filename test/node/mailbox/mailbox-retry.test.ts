// A contact's mailbox that refuses this page (docs/mailbox.md §5, "Visiting"): dialed again less and less often, not
// every 30 s for as long as the page is unlocked. The keeper alone, its clock mocked (node:test timers); the dial
// answers MAILBOX_REFUSED as a mailbox that does not serve this page's key does (no connection is claimed).
import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { MailboxKeeper, mailboxRefusedRetryMaxMs, mailboxRetryDelayMs, mailboxRetryMs } from '../../../src/app/mailbox-keeper';
import { createIdentity } from '../../../src/crypto/identity';
import { TincanError } from '../../../src/errors';
import { encodeMailboxCode } from '../../../src/invite/mailbox-code';
import { memoryCollection, quietKeeperOptions } from './mailbox-pages';

/** Lets the keeper's promise chains (dial, refusal, the next timer) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('a refused mailbox', () => {
  it('is dialed again after 30 s, then twice as long after each refusal, at most every 30 minutes', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const code = encodeMailboxCode({ address: '127.0.0.1', port: 4_000, fingerprint: new Uint8Array(32).fill(7), identityKey: (await createIdentity()).publicKey });
      let dials = 0;
      const keeper = new MailboxKeeper({
        collection: memoryCollection(),
        contactMailboxes: memoryCollection({ 'alice-id': code }),
        dial: async () => {
          dials++;
          throw new TincanError('MAILBOX_REFUSED');
        },
        identity: await createIdentity(),
        ...quietKeeperOptions,
        contactKeys: () => new Map([['alice-id', 'A'.repeat(43)]]),
        isOnline: () => false,
        reconnectCode: async () => undefined,
        useReconnectCode: async () => undefined,
      });
      await keeper.start();
      await settle();
      assert.equal(dials, 1);
      // The waits between dials, as the person's page makes them.
      const waits: number[] = [];
      let waited = 0;
      while (waits.length < 9) {
        mock.timers.tick(15_000);
        waited += 15_000;
        await settle();
        if (dials === waits.length + 2) {
          waits.push(waited);
          waited = 0;
        }
      }
      const minutes = 60_000;
      assert.deepEqual(waits, [30_000, 60_000, 2 * minutes, 4 * minutes, 8 * minutes, 16 * minutes, 30 * minutes, 30 * minutes, 30 * minutes]);
      assert.deepEqual([mailboxRetryDelayMs(0), mailboxRetryDelayMs(1), mailboxRetryDelayMs(50)], [mailboxRetryMs, mailboxRetryMs, mailboxRefusedRetryMaxMs], 'after a visit that went away: 30 s');
      keeper.dispose();
    } finally {
      mock.timers.reset();
    }
  });
});
