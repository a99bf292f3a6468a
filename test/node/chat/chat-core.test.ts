// The chat stack as a Node program builds it (chat/chat-core.ts, the same function the browser app calls): two
// profiles over memory records and in-memory links pair with codes, exchange a message and a file, and close.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openChatCore, type ChatCore } from '../../../src/chat/chat-core';
import { bytesFileSource, MemorySinkFactory } from '../../../src/chat/files/memory-file';
import type { PeerStatus } from '../../../src/chat/messenger';
import { decodeCode, normalizeCode } from '../../../src/invite/invite-code';
import { MemoryRecordBackend } from '../../../src/store/memory-backend';
import { openStore, type TincanStore } from '../../../src/store/tincan-store';
import { cheapKdf, passphrase } from '../store/helpers';
import { MemoryDevice } from './memory-network';
import { until } from './people';

let seed = 900;

async function openFor(name: string): Promise<{ core: ChatCore; store: TincanStore; sinks: MemorySinkFactory }> {
  const store = await openStore({ backend: new MemoryRecordBackend(new Map()), kdfLimits: cheapKdf, flushDelayMs: 20 });
  const profile = await store.createProfile(name, passphrase);
  const sinks = new MemorySinkFactory();
  const core = await openChatCore({ store, profile, links: new MemoryDevice(seed++), fileSinks: sinks });
  return { core, store, sinks };
}

async function paste(core: ChatCore, text: string) {
  const canonical = normalizeCode(text);
  return core.messenger.useCode(decodeCode(canonical), canonical);
}

describe('chat core', () => {
  it('builds a messenger with file transfers that pairs, delivers a message and a file, and closes', async () => {
    const alice = await openFor('Alice');
    const bob = await openFor('Bob');
    assert.ok(alice.core.files && bob.core.files, 'file transfers open');
    const connected = (core: ChatCore) => new Promise<string>((resolve) => core.messenger.on('connected', ({ contactId }) => resolve(contactId)));
    const [aliceSees, bobSees] = [connected(alice.core), connected(bob.core)];
    const invite = await alice.core.messenger.newInvite();
    const answer = await paste(bob.core, invite.code!);
    await paste(alice.core, answer!.code!);
    const [bobAtAlice, aliceAtBob] = await Promise.all([aliceSees, bobSees]);

    await alice.core.messenger.send(bobAtAlice, 'hello from a core');
    await until(async () => (await bob.store.log.loadNewest(aliceAtBob, 10)).entries.some((e) => !e.unreadable && e.text === 'hello from a core'), 'Bob has the message');
    await until(async () => (await alice.store.log.loadNewest(bobAtAlice, 10)).entries.some((e) => !e.unreadable && e.state === 'delivered'), 'delivered at Alice');

    const bytes = new Uint8Array(40_000).map((_, i) => i % 251);
    const offer = await alice.core.files!.offer({ peerId: bobAtAlice, conversation: alice.core.messenger.conversationIdOf(bobAtAlice)!, source: bytesFileSource(bytes), name: 'notes.bin', mime: 'application/octet-stream' });
    await until(() => bob.core.files!.get(offer.fileId)?.state === 'offered', 'offered to Bob');
    await bob.core.files!.accept(offer.fileId);
    await until(() => bob.core.files!.get(offer.fileId)?.state === 'done', 'received');
    const received = await bob.core.files!.openReceived(offer.fileId);
    assert.deepEqual(await received!.read(0, received!.size), bytes);

    const ended = new Promise<PeerStatus>((resolve) => bob.core.messenger.on('status', (s) => (s.online ? undefined : resolve(s))));
    alice.core.close({ sayBye: true });
    assert.equal((await ended).closedByPeer, true, 'Bob hears that Alice closed on purpose');
    bob.core.close();
  });
});
