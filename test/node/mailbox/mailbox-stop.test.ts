// Stopping a mailbox while dialers are mid-visit and mid-close (docs/mailbox.md §1, pitfall 5), as the product's
// stop() is called: without waiting for the visits to end first, as the other tests used to. A stopped native listener
// crashed the process at the next STUN request on its port (SIGSEGV in IceUdpMuxListener::UnhandledStunRequestCallback
// or an abort; net/direct-listener.ts nativeListenerFor). Many rounds in one process, each with visits open, closing
// and mid-Hello and a stranger's STUN requests in flight when stop() is called, and still arriving after it: the
// process survives, stop() finishes, a second stop() is harmless, nothing is accepted after it began, and what was
// deposited is all there, once each, in order, when the mailbox runs again on the same home.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodeDataChannel from 'node-datachannel';
import { MailboxClient } from '../../../src/chat/mailbox-client';
import type { CarriedItem } from '../../../src/chat/frames';
import { toBase64Url } from '../../../src/crypto/bytes';
import { sealEnvelope } from '../../../src/crypto/envelope';
import { createIdentity, type Identity } from '../../../src/crypto/identity';
import { newChainStart, OutgoingChain } from '../../../src/crypto/sender-chain';
import { getSodium } from '../../../src/crypto/sodium';
import { decodeMailboxCode } from '../../../src/invite/mailbox-code';
import { randomDirectUfrag } from '../../../src/net/direct-sdp';
import { dialDirectFromNode } from '../../../src/node/direct-dial-node';
import { runMailbox } from '../../../src/node/mailbox';
import { freeUdpPort, stunSender } from '../net/direct-harness';

after(() => nodeDataChannel.cleanup());

const rounds = 10;
const conversation = 'dm:' + 'B'.repeat(22);

async function visit(code: string, identity: Identity, claim = false): Promise<MailboxClient> {
  const fields = decodeMailboxCode(code);
  const channel = await dialDirectFromNode({ address: fields.address, port: fields.port, fingerprint: fields.fingerprint });
  return new MailboxClient(channel, { identity, displayName: 'Someone', mailboxKey: fields.identityKey, ...(claim && fields.claim ? { claim: fields.claim } : {}) });
}

async function envelopeFrom(sender: Identity, text: string, id: string): Promise<CarriedItem> {
  const sodium = await getSodium();
  const chain = new OutgoingChain(sodium, newChainStart(sodium));
  return { type: 'envelope', ...sealEnvelope(sodium, sender, chain, { conversation, id }, { text, sentAt: Date.now() }) };
}

describe('stopping a mailbox', () => {
  it('survives being stopped while visits are open, closing and starting, round after round, and keeps what was left', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'tincan-mailbox-stop-'));
    const [alice, bob, carol] = await Promise.all([createIdentity(), createIdentity(), createIdentity()]);
    const deposited: CarriedItem[] = [];
    let mailboxKey = '';
    // Strangers keep sending STUN requests to every stopped mailbox's port until the end: a request reaching a
    // stopped native listener is what crashed the process.
    const strangers: { close(): void }[] = [];
    /** Dials that were mid-Hello when the mailbox stopped: they end (closed or timed out) on their own. */
    const cutShort: Promise<unknown>[] = [];
    for (let round = 0; round < rounds; round++) {
      const mailbox = await runMailbox({ home, listen: { address: '127.0.0.1', port: await freeUdpPort() } });
      if (round === 0) {
        const owner = await visit(mailbox.code, alice, true);
        await owner.whenReady();
        assert.equal((await owner.setContacts([toBase64Url(bob.publicKey), toBase64Url(carol.publicKey)]))?.contacts, 2);
        owner.close();
        mailboxKey = toBase64Url(decodeMailboxCode(mailbox.code).identityKey);
      }
      const { port, identityKey } = decodeMailboxCode(mailbox.codeForContacts);
      assert.equal(toBase64Url(identityKey), mailboxKey, 'the same mailbox after a restart');
      // Bob leaves one envelope and stays; Carol visits and closes just before the stop; a third dial is mid-Hello.
      const staying = await visit(mailbox.codeForContacts, bob);
      await staying.whenReady();
      const item = await envelopeFrom(bob, `round ${round}`, `message${String(round).padStart(9, '0')}`);
      assert.deepEqual(await staying.deposit(toBase64Url(alice.publicKey), item), { ok: true });
      deposited.push(item);
      const leaving = await visit(mailbox.codeForContacts, carol);
      await leaving.whenReady();
      cutShort.push(visit(mailbox.codeForContacts, carol).then((client) => client.close(), () => undefined));
      // A stranger's STUN requests keep coming through the stop and after it (late retransmissions, a page dialing).
      const stranger = await stunSender(port);
      const flood = setInterval(() => stranger.send(randomDirectUfrag()), 20);
      strangers.push({ close: () => (clearInterval(flood), stranger.close()) });
      leaving.close();
      const stopping = mailbox.stop();
      const created = mailbox.listener.stats.created;
      await stopping;
      await mailbox.stop(); // idempotent
      assert.equal(mailbox.listener.size, 0, 'no connection left once stop() is done');
      assert.equal(mailbox.listener.stats.created, created, 'no connection accepted after stop() began');
      staying.close();
    }

    const mailbox = await runMailbox({ home, listen: { address: '127.0.0.1', port: await freeUdpPort() } });
    const owner = await visit(mailbox.code, alice);
    await owner.whenReady();
    assert.deepEqual((await owner.collect()).map((h) => h.item), deposited, 'every round\'s envelope, once, in order');
    owner.close();
    await mailbox.stop();
    for (const stranger of strangers) stranger.close();
    await Promise.all(cutShort);
  });
});
