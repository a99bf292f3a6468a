// "Held by Alice's mailbox" survives a reload (docs/mailbox.md §5): the app facade with its real store and chat core,
// a real mailbox over node-datachannel, in-memory links between the two people. Bob writes while Alice is away, her
// mailbox takes it; Bob's vault is closed and opened again by a new app (a reload): the message still reads as held,
// and turns delivered once, when Alice's signed ack comes back through her mailbox; Alice has it once. And what Bob
// writes after his page reloads while Alice is away opens at Alice (his sender chain resumed: docs/envelopes.md).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TincanApp } from '../../../src/app/tincan-app';
import type { ShownState } from '../../../src/chat/chat-message';
import type { Messenger } from '../../../src/chat/messenger';
import { usePasswordHasher, inProcessPasswordHasher } from '../../../src/crypto/vault';
import { runMailbox } from '../../../src/node/mailbox';
import { memoryPlatform } from '../app/memory-platform';
import { until } from '../chat/people';
import { freeUdpPort, cleanupNodeDataChannel } from '../net/direct-harness';
import { cheapKdf } from '../store/helpers';
import { connect, mailboxStepMs, pageOn, passphrase, s } from './mailbox-pages';

usePasswordHasher(async (password, salt) => inProcessPasswordHasher(password, salt, cheapKdf));
after(() => cleanupNodeDataChannel());

const stateOf = (app: TincanApp, text: string): ShownState | undefined => s(app).open?.messages.find((m) => m.text === text)?.state;

/** Alice and Bob connected once, Alice's mailbox serving Bob; then Alice's page locks (she is away). */
async function aliceAwayWithHerMailbox({ reconnects = true } = {}) {
  const mailbox = await runMailbox({ home: mkdtempSync(path.join(os.tmpdir(), 'tincan-mailbox-')), listen: { address: '127.0.0.1', port: await freeUdpPort() } });
  const [alicePlatform, bobPlatform] = [memoryPlatform(), memoryPlatform()];
  for (const platform of [alicePlatform, bobPlatform]) platform.device.supportsOneCodeReconnect = reconnects;
  const alice = await pageOn(alicePlatform);
  await alice.createProfile('Alice', passphrase, passphrase, 'local');
  const bob = await pageOn(bobPlatform);
  await bob.createProfile('Bob', passphrase, passphrase, 'local');
  await connect(alice, bob);
  // Alice adds her mailbox: it serves Bob, and Bob's page is told its code and visits it.
  await alice.addMailbox(mailbox.code);
  assert.equal(s(alice).mailbox, 'connected');
  await until(() => mailbox.status().contacts === 1, 'the mailbox serves Bob');
  await alice.lock();
  await until(() => s(bob).conversations[0]?.connection !== 'online', 'Alice is away');
  return { mailbox, alice, bob, bobPlatform };
}

describe('a message held by a mailbox', () => {
  it('still reads as held after the sender\'s vault is closed and opened again, and turns delivered once', async () => {
    const { mailbox, alice, bobPlatform, ...rest } = await aliceAwayWithHerMailbox();
    let bob = rest.bob;
    const text = 'left in Alice\'s mailbox';
    assert.equal(await bob.sendMessage(text), true);
    await until(() => stateOf(bob, text) === 'held', 'held by Alice\'s mailbox', mailboxStepMs);

    // A reload: Bob's vault is closed, and a new app opens it from the same records.
    const aliceAtBob = s(bob).conversations[0]!.id;
    await bob.lock();
    bob = await pageOn(bobPlatform);
    await bob.unlock(passphrase);
    const shown: ShownState[] = [];
    bob.state.subscribe(() => {
      const state = stateOf(bob, text);
      if (state && state !== shown.at(-1)) shown.push(state);
    });
    const messenger = (bob as unknown as { messenger: Messenger }).messenger;
    let delivered = 0;
    messenger.on('states', ({ updates }) => (delivered += updates.filter((u) => u.state === 'delivered').length));
    await bob.selectConversation(aliceAtBob);
    assert.equal(shown[0], 'held', 'read from the store as held');

    // Alice comes back: her page collects the message and leaves her signed ack in her mailbox for Bob.
    await alice.unlock(passphrase);
    await until(() => stateOf(bob, text) === 'delivered', 'delivered at Bob', mailboxStepMs);
    assert.deepEqual(shown, ['held', 'delivered'], 'held until the ack, never "Sent" or "Waiting" again');

    // Barrier: a later message is delivered too; whatever carried the first again has been answered by then.
    const later = 'after the mailbox';
    assert.equal(await bob.sendMessage(later), true);
    await until(() => stateOf(bob, later) === 'delivered', 'the later message delivered', mailboxStepMs);
    assert.equal(delivered, 2, 'each message turned delivered once');
    await alice.selectConversation(s(alice).conversations[0]!.id);
    await until(() => s(alice).open?.messages.some((m) => m.text === later) ?? false, 'Alice has the later message');
    assert.equal(s(alice).open!.messages.filter((m) => m.text === text).length, 1, 'Alice has the held message once');

    await Promise.all([alice.lock(), bob.lock()]);
    await mailbox.stop();
  });

  it('written after the sender\'s page reloads while the recipient is away: held, opened at Alice once each in order, delivered', async () => {
    // What reaches Alice here comes by her mailbox only: neither page reconnects directly.
    const { mailbox, alice, bobPlatform, ...rest } = await aliceAwayWithHerMailbox({ reconnects: false });
    // Bob's page reloads: his vault is closed, and a new app opens it from the same records.
    const aliceAtBob = s(rest.bob).conversations[0]!.id;
    await rest.bob.lock();
    const bob = await pageOn(bobPlatform);
    await bob.unlock(passphrase);
    await bob.selectConversation(aliceAtBob);
    const sent = ['after the reload 1', 'after the reload 2', 'after the reload 3'];
    for (const text of sent) assert.equal(await bob.sendMessage(text), true);
    await until(() => sent.every((text) => stateOf(bob, text) === 'held'), 'held by Alice\'s mailbox', mailboxStepMs);

    await alice.unlock(passphrase);
    await alice.selectConversation(s(alice).conversations[0]!.id);
    const received = () => s(alice).open?.messages.filter((m) => m.direction === 'in') ?? [];
    await until(() => received().length === 3, 'three at Alice', mailboxStepMs);
    assert.deepEqual(received().map((m) => (m.unreadable ? '<unreadable>' : m.text)), sent, 'once each, readable, in the order written');
    await until(() => sent.every((text) => stateOf(bob, text) === 'delivered'), 'delivered at Bob (acks by the mailbox)', mailboxStepMs);
    assert.notEqual(s(alice).conversations[0]?.connection, 'online', 'no direct connection: they came by the mailbox');

    await Promise.all([alice.lock(), bob.lock()]);
    await mailbox.stop();
  });
});
