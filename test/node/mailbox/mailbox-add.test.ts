// "Add mailbox" (docs/mailbox.md §5): the own mailbox reads "Connected" in Settings only once its code is kept and
// every connected contact was told it. Before, the status came with the first visit, before the contacts were told,
// and a page closed right then (test/e2e/mailbox.test.mjs closes Alice's page as soon as it reads "Connected") had
// told no one: the contact never visited the mailbox.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TincanApp } from '../../../src/app/tincan-app';
import type { Messenger } from '../../../src/chat/messenger';
import { usePasswordHasher, inProcessPasswordHasher } from '../../../src/crypto/vault';
import { runMailbox } from '../../../src/node/mailbox';
import { memoryPlatform } from '../app/memory-platform';
import { tap } from '../chat/people';
import { freeUdpPort, cleanupNodeDataChannel } from '../net/direct-harness';
import { cheapKdf } from '../store/helpers';
import { connect, pageOn, passphrase, s } from './mailbox-pages';

usePasswordHasher(async (password, salt) => inProcessPasswordHasher(password, salt, cheapKdf));
after(() => cleanupNodeDataChannel());

const messengerOf = (app: TincanApp): Messenger => (app as unknown as { messenger: Messenger }).messenger;

describe('"Add mailbox"', () => {
  it('reads "Connected" only once the connected contact was told the mailbox', async () => {
    const mailbox = await runMailbox({ home: mkdtempSync(path.join(os.tmpdir(), 'tincan-mailbox-')), listen: { address: '127.0.0.1', port: await freeUdpPort() } });
    const alice = await pageOn(memoryPlatform());
    await alice.createProfile('Alice', passphrase, passphrase, 'local');
    const bob = await pageOn(memoryPlatform());
    await bob.createProfile('Bob', passphrase, passphrase, 'local');
    await connect(alice, bob);
    const sent = tap(messengerOf(alice).peers.get(s(alice).conversations[0]!.id)!);
    const toldWhenConnected: boolean[] = [];
    const stop = alice.state.subscribe((state) => {
      if (state.mailbox === 'connected') toldWhenConnected.push(sent.some((frame) => frame.type === 'mailbox' && !!frame.code));
    });
    await alice.addMailbox(mailbox.code);
    stop();
    assert.ok(toldWhenConnected.length > 0, 'it read "Connected"');
    assert.deepEqual([...new Set(toldWhenConnected)], [true], 'each time it read "Connected", Bob had been told');
    await Promise.all([alice.lock(), bob.lock()]);
    await mailbox.stop();
  });
});
