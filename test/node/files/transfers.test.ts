// File transfers between two devices over an in-memory bulk channel pair: the whole exchange, resume after a drop
// and after a reload, a changed source, a hash mismatch, and peers that lie.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { highWaterBytes } from '../../../src/chat/files/bulk-channel';
import { chunkOverheadBytes, chunkPlaintextBytes, readChunkHeader } from '../../../src/chat/files/chunk-codec';
import { ChunkBitmap } from '../../../src/chat/files/chunk-bitmap';
import { checkpointBytes } from '../../../src/chat/files/incoming-transfer';
import { bytesFileSource } from '../../../src/chat/files/memory-file';
import type { TransferFailure, TransferView } from '../../../src/chat/files/transfer-events';
import { getSodium } from '../../../src/crypto/sodium';
import { connect, keptBytes, makeSide, randomBytes, reload, waitForEvent, type Side } from './harness';
import { until } from '../chat/people';

const blake2b = async (bytes: Uint8Array) => (await getSodium()).crypto_generichash(32, bytes, null);

async function offer(from: Side, to: Side, bytes: Uint8Array, name = 'photo.jpg', lastModified = 1_700_000_000_000) {
  const source = bytesFileSource(bytes, lastModified);
  const view = await from.transfers.offer({ peerId: to.id, conversation: 'dm:AAAAAAAAAAAAAAAAAAAAAA', source, name, mime: 'image/jpeg' });
  return { view, source };
}

const flipped = (bytes: Uint8Array, at: number) => {
  const copy = bytes.slice();
  copy[at]! ^= 1;
  return copy;
};
const failedWith = (fileId: string, code: string) => (f: TransferFailure) => f.transfer.fileId === fileId && f.code === code;
const doneFor = (fileId: string) => (v: TransferView) => v.fileId === fileId;
const chunkMessagesFor = (sent: Uint8Array[], fileId: string) => sent.filter((m) => readChunkHeader(m)?.fileId === fileId && readChunkHeader(m)!.index !== 0xffffffff);

/** Alice offers `bytes` to Bob, Bob accepts, and the link is cut once `cutAfter` messages reached Bob. */
async function sendUntilCut(alice: Side, bob: Side, bytes: Uint8Array, cutAfter: number) {
  const first = connect(alice, bob);
  const { view } = await offer(alice, bob, bytes);
  await waitForEvent(bob, 'offered');
  let delivered = 0;
  first.aBulk.intercept = () => {
    if (++delivered === cutAfter) first.cut();
  };
  await bob.transfers.accept(view.fileId);
  return { view, first };
}

describe('file transfers', () => {
  it('offers, accepts, sends every chunk with back-pressure, checks the hash and says done on both sides', async () => {
    const alice = await makeSide('alice');
    const bob = await makeSide('bob');
    const link = connect(alice, bob);
    const bytes = randomBytes(9 * 1024 * 1024 + 12_345);
    const offeredAtBob = waitForEvent(bob, 'offered');
    const { view } = await offer(alice, bob, bytes);
    assert.equal(view.state, 'offered');
    const offered = await offeredAtBob;
    assert.deepEqual(
      { name: offered.name, size: offered.size, mime: offered.mime, state: offered.state, direction: offered.direction },
      { name: 'photo.jpg', size: bytes.length, mime: 'image/jpeg', state: 'offered', direction: 'in' },
    );
    await bob.transfers.accept(view.fileId);
    const [bobDone, aliceDone] = await Promise.all([waitForEvent(bob, 'done', doneFor(view.fileId)), waitForEvent(alice, 'done', doneFor(view.fileId))]);
    assert.equal(bobDone.state, 'done');
    assert.equal(aliceDone.state, 'done');
    const sink = [...bob.sinks.sinks.values()][0]!;
    assert.equal(sink.committed, true);
    assert.deepEqual(await blake2b(await keptBytes(bob, view.fileId)), await blake2b(bytes));
    // Each chunk once, 64 KiB messages, and the sender never buffered much past the high-water mark.
    const chunks = Math.ceil(bytes.length / (65_536 - chunkOverheadBytes));
    assert.equal(chunkMessagesFor(link.aBulk.sent, view.fileId).length, chunks);
    assert.ok(link.aBulk.sent.every((m) => m.length <= 65_536));
    assert.ok(link.aBulk.peakBufferedAmount <= highWaterBytes + 65_536, `peak ${link.aBulk.peakBufferedAmount}`);
    assert.equal(bob.transfers.counters('alice').received, chunks + 1); // + the end-of-run marker
    assert.deepEqual(Object.values(bob.transfers.counters('alice').chunks).filter(Boolean), []);
    // The record left behind has no key material beyond what a finished transfer needs, and no bitmap.
    const saved = bob.store.records.get(view.fileId)!;
    assert.equal(saved.state, 'done');
    assert.equal('received' in saved, false);
  });

  it('says declined to the sender, and declines at once what is larger than the receiver takes', async () => {
    const alice = await makeSide('alice');
    const bob = await makeSide('bob', { maxIncomingBytes: () => 1024 * 1024 });
    connect(alice, bob);
    const small = await offer(alice, bob, randomBytes(1000));
    await waitForEvent(bob, 'offered');
    bob.transfers.decline(small.view.fileId);
    const declined = await waitForEvent(alice, 'failed', failedWith(small.view.fileId, 'FILE_DECLINED'));
    assert.equal(declined.byPeer, true);
    assert.equal(alice.transfers.get(small.view.fileId)?.state, 'declined');

    const large = await offer(alice, bob, randomBytes(1024 * 1024 + 1));
    const tooLarge = await waitForEvent(alice, 'failed', failedWith(large.view.fileId, 'FILE_TOO_LARGE'));
    assert.equal(tooLarge.transfer.state, 'declined');
    assert.equal((await waitForEvent(bob, 'failed', failedWith(large.view.fileId, 'FILE_TOO_LARGE'))).byPeer, false);
    assert.equal(bob.transfers.get(large.view.fileId), undefined, 'never offered to the person, nothing kept');
    assert.equal(bob.sinks.sinks.size, 0);
  });

  it('cancels from either side; chunks that still come after a cancel are dropped, counted and never written', async () => {
    const alice = await makeSide('alice');
    const bob = await makeSide('bob');
    const link = connect(alice, bob);
    const bytes = randomBytes(8 * 1024 * 1024);
    const { view } = await offer(alice, bob, bytes);
    await waitForEvent(bob, 'offered');
    // Bob cancels once about a quarter has arrived; what Alice had already put on the wire still arrives.
    let delivered = 0;
    link.aBulk.intercept = () => {
      if (++delivered === 32) bob.transfers.cancel(view.fileId);
    };
    await bob.transfers.accept(view.fileId);
    const atAlice = await waitForEvent(alice, 'failed', failedWith(view.fileId, 'FILE_CANCELLED'));
    assert.equal(atAlice.byPeer, true);
    const sink = [...bob.sinks.sinks.values()][0]!;
    await until(() => sink.discarded, 'the partial file discarded');
    const counters = bob.transfers.counters('alice');
    assert.equal(counters.received, 31);
    assert.ok(counters.chunks['not-transferring'] > 0, 'chunks after the cancel were counted');
    assert.equal(sink.writes, 31, 'nothing written after the cancel');
    assert.equal(bob.transfers.get(view.fileId)?.state, 'cancelled');

    // And the sender cancelling mid-way.
    const second = await offer(alice, bob, randomBytes(8 * 1024 * 1024));
    await waitForEvent(bob, 'offered', (v) => v.fileId === second.view.fileId);
    let seen = 0;
    link.aBulk.intercept = () => {
      if (++seen === 20) alice.transfers.cancel(second.view.fileId);
    };
    await bob.transfers.accept(second.view.fileId);
    const atBob = await waitForEvent(bob, 'failed', failedWith(second.view.fileId, 'FILE_CANCELLED'));
    assert.equal(atBob.byPeer, true);
    assert.equal(atBob.transfer.state, 'cancelled');
  });

  it('resumes after the link drops at 40 %: only the missing chunks are sent again, and the hash matches', async () => {
    const alice = await makeSide('alice');
    const bob = await makeSide('bob');
    const bytes = randomBytes(16 * 1024 * 1024);
    const chunks = Math.ceil(bytes.length / (65_536 - chunkOverheadBytes));
    const { view, first } = await sendUntilCut(alice, bob, bytes, Math.floor(chunks * 0.4));
    const [lostAtBob, lostAtAlice] = await Promise.all([
      waitForEvent(bob, 'failed', failedWith(view.fileId, 'FILE_CONNECTION_LOST')),
      waitForEvent(alice, 'failed', failedWith(view.fileId, 'FILE_CONNECTION_LOST')),
    ]);
    assert.equal(lostAtBob.resumable, true);
    assert.equal(lostAtAlice.transfer.state, 'interrupted');
    const sentBefore = chunkMessagesFor(first.aBulk.sent, view.fileId).length;

    const second = connect(alice, bob);
    await Promise.all([waitForEvent(bob, 'done', doneFor(view.fileId)), waitForEvent(alice, 'done', doneFor(view.fileId))]);
    const sentAfter = chunkMessagesFor(second.aBulk.sent, view.fileId).length;
    const received = Math.floor(chunks * 0.4);
    assert.equal(sentAfter, chunks - received + 1, 'the chunks bob had were not sent again (the last one was cut in flight)');
    assert.ok(sentBefore + sentAfter - chunks < chunks * 0.1 + (4 * 1024 * 1024) / 65_536);
    assert.deepEqual(await blake2b(await keptBytes(bob, view.fileId)), await blake2b(bytes));
  });

  it('resumes after the receiver reloads mid-transfer, from the chunks its last checkpoint saved', async () => {
    const alice = await makeSide('alice');
    const bob = await makeSide('bob');
    const first = connect(alice, bob);
    const bytes = randomBytes(24 * 1024 * 1024);
    const { view } = await offer(alice, bob, bytes);
    await waitForEvent(bob, 'offered');
    const chunks = Math.ceil(bytes.length / (65_536 - chunkOverheadBytes));
    let delivered = 0;
    let reloading: Promise<unknown> | undefined;
    first.aBulk.intercept = () => {
      // The page goes away at once: no detach, no last checkpoint; only the 8 MiB checkpoints were saved.
      if (++delivered === Math.floor(chunks * 0.6)) {
        reloading = reload(bob);
        first.cut();
      }
      return delivered >= Math.floor(chunks * 0.6) ? 'drop' : undefined;
    };
    await bob.transfers.accept(view.fileId);
    await waitForEvent(alice, 'failed', failedWith(view.fileId, 'FILE_CONNECTION_LOST'));
    await reloading;
    const saved = bob.store.records.get(view.fileId);
    assert.equal(saved?.direction === 'in' && saved.state, 'transferring');
    assert.equal(bob.transfers.get(view.fileId)?.state, 'interrupted');
    const second = connect(alice, bob);
    await Promise.all([waitForEvent(bob, 'done', doneFor(view.fileId)), waitForEvent(alice, 'done', doneFor(view.fileId))]);
    // Sent again: exactly what the saved bitmap lacked, and it lacked at most one checkpoint's worth of what arrived.
    const savedCount = ChunkBitmap.fromBytes(chunks, saved?.direction === 'in' ? saved.received! : new Uint8Array()).count;
    const resent = chunkMessagesFor(second.aBulk.sent, view.fileId).length;
    assert.equal(resent, chunks - savedCount);
    assert.ok(savedCount >= Math.floor(chunks * 0.6) - checkpointBytes / 65_487 - 1, `saved ${savedCount} of ${Math.floor(chunks * 0.6)}`);
    assert.deepEqual(await blake2b(await keptBytes(bob, view.fileId)), await blake2b(bytes));
  });

  it('refuses to resume from a file that changed on the sender\'s disk (size, date or first chunk), with FILE_CHANGED on both sides', async () => {
    const cases: { name: string; change: (bytes: Uint8Array) => { bytes: Uint8Array; lastModified: number } }[] = [
      { name: 'date', change: (bytes) => ({ bytes, lastModified: 1_700_000_000_001 }) },
      { name: 'size', change: (bytes) => ({ bytes: bytes.subarray(0, bytes.length - 1), lastModified: 1_700_000_000_000 }) },
      { name: 'first chunk', change: (bytes) => ({ bytes: flipped(bytes, 100), lastModified: 1_700_000_000_000 }) },
    ];
    for (const { name, change } of cases) {
      const alice = await makeSide('alice');
      const bob = await makeSide('bob');
      const bytes = randomBytes(4 * 1024 * 1024);
      const { view } = await sendUntilCut(alice, bob, bytes, 20);
      await waitForEvent(alice, 'failed', failedWith(view.fileId, 'FILE_CONNECTION_LOST'));
      // Alice reloads; the file she picks again has changed.
      const changed = change(bytes);
      await reload(alice, { sources: async () => bytesFileSource(changed.bytes, changed.lastModified) });
      connect(alice, bob);
      const atAlice = await waitForEvent(alice, 'failed', failedWith(view.fileId, 'FILE_CHANGED'));
      const atBob = await waitForEvent(bob, 'failed', failedWith(view.fileId, 'FILE_CHANGED'));
      assert.deepEqual([atAlice.transfer.state, atBob.transfer.state, atBob.byPeer], ['failed', 'failed', true], name);
      assert.equal([...bob.sinks.sinks.values()][0]!.discarded, true, name);
      assert.equal(bob.events.some((e) => e.name === 'done'), false, name);
    }
  });

  it('waits for the file to be chosen again after the sender reloads (FILE_SOURCE_MISSING), then resumes', async () => {
    const alice = await makeSide('alice');
    const bob = await makeSide('bob');
    const bytes = randomBytes(4 * 1024 * 1024);
    const { view } = await sendUntilCut(alice, bob, bytes, 20);
    await waitForEvent(bob, 'failed', failedWith(view.fileId, 'FILE_CONNECTION_LOST'));
    await reload(alice);
    connect(alice, bob);
    const missing = await waitForEvent(alice, 'failed', failedWith(view.fileId, 'FILE_SOURCE_MISSING'));
    assert.equal(missing.resumable, true);
    await alice.transfers.provideSource(view.fileId, bytesFileSource(bytes, 1_700_000_000_000));
    await Promise.all([waitForEvent(bob, 'done', doneFor(view.fileId)), waitForEvent(alice, 'done', doneFor(view.fileId))]);
  });

  it('never shows a file whose bytes do not hash to the offer\'s hash as complete (FILE_HASH_MISMATCH)', async () => {
    const alice = await makeSide('alice');
    const bob = await makeSide('bob');
    connect(alice, bob);
    const bytes = randomBytes(2 * 1024 * 1024);
    const { view, source } = await offer(alice, bob, bytes);
    await waitForEvent(bob, 'offered');
    // The file changes after the offer, past the first chunk, keeping its size and date: the resume check cannot
    // see it, the whole-file hash does.
    source.bytes = bytes.slice();
    source.bytes[1024 * 1024]! ^= 0xff;
    await bob.transfers.accept(view.fileId);
    const atBob = await waitForEvent(bob, 'failed', failedWith(view.fileId, 'FILE_HASH_MISMATCH'));
    assert.equal(atBob.byPeer, false);
    const atAlice = await waitForEvent(alice, 'failed', failedWith(view.fileId, 'FILE_HASH_MISMATCH'));
    assert.equal(atAlice.byPeer, true);
    const sink = [...bob.sinks.sinks.values()][0]!;
    assert.deepEqual([sink.committed, sink.discarded], [false, true]);
    assert.equal(bob.events.some((e) => e.name === 'done'), false);
    assert.equal(bob.transfers.get(view.fileId)?.state, 'failed');
  });

  it('stops when the disk is full, on both sides (FILE_DISK_FULL)', async () => {
    const alice = await makeSide('alice');
    const bob = await makeSide('bob', { sink: { capacityBytes: 1024 * 1024 } });
    connect(alice, bob);
    const { view } = await offer(alice, bob, randomBytes(3 * 1024 * 1024));
    await waitForEvent(bob, 'offered');
    await bob.transfers.accept(view.fileId);
    await waitForEvent(bob, 'failed', failedWith(view.fileId, 'FILE_DISK_FULL'));
    const atAlice = await waitForEvent(alice, 'failed', failedWith(view.fileId, 'FILE_DISK_FULL'));
    assert.equal(atAlice.byPeer, true);
  });

  it('asks again at the end of a run for chunks that did not open, and completes', async () => {
    const alice = await makeSide('alice');
    const bob = await makeSide('bob');
    const link = connect(alice, bob);
    const bytes = randomBytes(2 * 1024 * 1024);
    const { view } = await offer(alice, bob, bytes);
    await waitForEvent(bob, 'offered');
    let delivered = 0;
    link.aBulk.intercept = (message) => {
      delivered++;
      if (delivered !== 5 && delivered !== 17) return undefined;
      const damaged = message.slice();
      damaged[damaged.length - 1]! ^= 1;
      return damaged;
    };
    await bob.transfers.accept(view.fileId);
    await Promise.all([waitForEvent(bob, 'done', doneFor(view.fileId)), waitForEvent(alice, 'done', doneFor(view.fileId))]);
    assert.equal(bob.transfers.counters('alice').chunks['bad-seal'], 2);
    const accepts = bob.frames.filter((f) => f.type === 'file-accept');
    assert.equal(accepts.length, 2);
    assert.equal(chunkMessagesFor(link.aBulk.sent, view.fileId).length, Math.ceil(bytes.length / 65_487) + 2);
    assert.deepEqual(await blake2b(await keptBytes(bob, view.fileId)), await blake2b(bytes));
  });

  it('with a sink that cannot read back (the save picker), takes chunks in order only and still resumes after a drop', async () => {
    const alice = await makeSide('alice');
    const bob = await makeSide('bob', { sink: { canRead: false, isDurable: false } });
    const first = connect(alice, bob);
    const bytes = randomBytes(4 * 1024 * 1024);
    const { view } = await offer(alice, bob, bytes);
    await waitForEvent(bob, 'offered');
    let delivered = 0;
    first.aBulk.intercept = (message) => {
      delivered++;
      if (delivered === 3) return 'drop'; // lost: every later chunk is out of order until asked for again
      if (delivered === 30) first.cut();
      return message;
    };
    await bob.transfers.accept(view.fileId);
    await waitForEvent(bob, 'failed', failedWith(view.fileId, 'FILE_CONNECTION_LOST'));
    assert.ok(bob.transfers.counters('alice').chunks['out-of-order'] > 0);
    assert.equal(bob.store.records.get(view.fileId)?.direction === 'in' && 'received' in bob.store.records.get(view.fileId)!, false, 'no bitmap saved for a sink that keeps nothing');
    connect(alice, bob);
    await Promise.all([waitForEvent(bob, 'done', doneFor(view.fileId)), waitForEvent(alice, 'done', doneFor(view.fileId))]);
    assert.deepEqual(await blake2b(await keptBytes(bob, view.fileId)), await blake2b(bytes));
  });

  it('sends an empty file', async () => {
    const alice = await makeSide('alice');
    const bob = await makeSide('bob');
    connect(alice, bob);
    const { view } = await offer(alice, bob, new Uint8Array(0), 'empty.txt');
    await waitForEvent(bob, 'offered');
    await bob.transfers.accept(view.fileId);
    await Promise.all([waitForEvent(bob, 'done', doneFor(view.fileId)), waitForEvent(alice, 'done', doneFor(view.fileId))]);
  });

  it('interleaves two transfers to the same peer on one bulk channel', async () => {
    const alice = await makeSide('alice');
    const bob = await makeSide('bob');
    const link = connect(alice, bob);
    const one = randomBytes(8 * 1024 * 1024);
    const two = randomBytes(2 * 1024 * 1024 + 7);
    const a = await offer(alice, bob, one, 'one.bin');
    const b = await offer(alice, bob, two, 'two.bin');
    await waitForEvent(bob, 'offered', (v) => v.fileId === b.view.fileId);
    // Each sender bar says exactly the bytes of its own file that left the channel's queue, although both files share
    // the queue: checked as every message leaves it (the memory channel hands it over at that moment).
    const left = new Map<string, number>([[a.view.fileId, 0], [b.view.fileId, 0]]);
    const mismatches: string[] = [];
    link.aBulk.intercept = (message) => {
      const header = readChunkHeader(message)!;
      if (header.index === 0xffffffff) return;
      left.set(header.fileId, left.get(header.fileId)! + chunkPlaintextBytes(message));
      for (const [fileId, bytes] of left) {
        const shown = alice.transfers.get(fileId)!.bytes;
        if (shown !== bytes) mismatches.push(`${fileId}: shown ${shown}, left ${bytes}`);
      }
    };
    await Promise.all([bob.transfers.accept(a.view.fileId), bob.transfers.accept(b.view.fileId)]);
    await Promise.all([waitForEvent(bob, 'done', doneFor(a.view.fileId)), waitForEvent(bob, 'done', doneFor(b.view.fileId))]);
    const order = link.aBulk.sent.map((m) => readChunkHeader(m)!.fileId);
    assert.ok(order.indexOf(b.view.fileId) < order.lastIndexOf(a.view.fileId), 'the second file did not wait for the first');
    assert.deepEqual(mismatches.slice(0, 3), []);
    assert.deepEqual([...left.values()], [one.length, two.length]);
  });

  it('tells a sender that missed the end (the link dropped with file-done) on the next connection', async () => {
    const alice = await makeSide('alice');
    const bob = await makeSide('bob');
    const first = connect(alice, bob);
    const bytes = randomBytes(1024 * 1024);
    const { view } = await offer(alice, bob, bytes);
    await waitForEvent(bob, 'offered');
    first.aBulk.intercept = (message) => {
      if (readChunkHeader(message)?.index === 0xffffffff) setTimeout(() => first.cut(), 0); // after the end marker lands
    };
    await bob.transfers.accept(view.fileId);
    await waitForEvent(bob, 'done', doneFor(view.fileId));
    await waitForEvent(alice, 'failed', failedWith(view.fileId, 'FILE_CONNECTION_LOST'));
    assert.equal(alice.transfers.get(view.fileId)?.state, 'interrupted');
    const second = connect(alice, bob);
    await waitForEvent(alice, 'done', doneFor(view.fileId));
    assert.equal(chunkMessagesFor(second.aBulk.sent, view.fileId).length, 0, 'nothing sent again');
  });
});
