// Received files are sealed at rest (src/chat/files/sealed-file-sink.ts): what the platform's sink stores never
// holds the plaintext, reads of any range come back exact, a stored slot that was changed or moved does not open
// (FILE_DAMAGED), the at-rest key lives only in the transfer's sealed record, and files kept before sealing are
// still read as they are.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isTincanError } from '../../../src/errors';
import type { IncomingFileInfo } from '../../../src/chat/files/file-io';
import { bytesFileSource, MemoryFileSink, MemorySinkFactory } from '../../../src/chat/files/memory-file';
import { restKeyBytes, restOverheadBytes, SealedFileSink, sealedFileSource, storedBytesOf, type StoredFileLayout } from '../../../src/chat/files/sealed-file-sink';
import { SealedTransferStore, type CollectionPort } from '../../../src/chat/files/sealed-transfer-store';
import { MemoryTransferStore, type IncomingTransferRecord } from '../../../src/chat/files/transfer-store';
import { getSodium } from '../../../src/crypto/sodium';
import { connect, keptBytes, makeSide, randomBytes, reload, waitForEvent } from './harness';
import { until } from '../chat/people';

const chunkBytes = 1000;

function layoutOf(size: number): StoredFileLayout {
  return { fileIdBytes: randomBytes(12), size, chunkBytes, chunks: Math.max(1, Math.ceil(size / chunkBytes)) };
}

/** Writes every chunk of `plain` through a sealed sink over a memory sink, in a shuffled order. */
async function sealedCopy(plain: Uint8Array, layout: StoredFileLayout, key: Uint8Array) {
  const sodium = await getSodium();
  const stored = new MemoryFileSink('mem:x', storedBytesOf(layout));
  const sink = new SealedFileSink(sodium, key, layout, stored);
  const order = [...Array(layout.chunks).keys()].sort((a, b) => ((a * 7919) % 13) - ((b * 7919) % 13));
  for (const index of order) await sink.write(index * chunkBytes, plain.subarray(index * chunkBytes, Math.min(plain.length, (index + 1) * chunkBytes)));
  return { sodium, stored, sink };
}

async function damagedRead(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return false;
  } catch (error) {
    return isTincanError(error, 'FILE_DAMAGED');
  }
}

describe('received files sealed at rest', () => {
  it('stores no plaintext, one slot per chunk, and reads any range back exactly', async () => {
    const plain = randomBytes(10 * chunkBytes + 321);
    const layout = layoutOf(plain.length);
    const { stored, sink } = await sealedCopy(plain, layout, randomBytes(restKeyBytes));
    assert.equal(stored.data.length, plain.length + layout.chunks * restOverheadBytes);
    // No 16-byte run of any chunk appears in the stored bytes.
    const storedHex = Buffer.from(stored.data).toString('hex');
    for (let at = 0; at + 16 <= plain.length; at += 500) assert.equal(storedHex.includes(Buffer.from(plain.subarray(at, at + 16)).toString('hex')), false, `plaintext at ${at}`);
    await fc.assert(
      fc.asyncProperty(fc.nat(plain.length - 1), fc.integer({ min: 1, max: 3 * chunkBytes }), async (offset, length) => {
        assert.deepEqual(await sink.read(offset, length), plain.slice(offset, offset + length));
      }),
      { numRuns: 200 },
    );
    assert.deepEqual(await sink.read(0, plain.length), plain);
  });

  it('writes a chunk written again under a fresh nonce, and takes only whole chunks at their own offset', async () => {
    const plain = randomBytes(3 * chunkBytes);
    const layout = layoutOf(plain.length);
    const { stored, sink } = await sealedCopy(plain, layout, randomBytes(restKeyBytes));
    const before = stored.data.slice(0, chunkBytes + restOverheadBytes);
    await sink.write(0, plain.subarray(0, chunkBytes));
    assert.notDeepEqual(stored.data.slice(0, chunkBytes + restOverheadBytes), before);
    assert.deepEqual(await sink.read(0, plain.length), plain);
    await assert.rejects(sink.write(10, plain.subarray(0, chunkBytes)), RangeError);
    await assert.rejects(sink.write(chunkBytes, plain.subarray(0, chunkBytes - 1)), RangeError);
    await assert.rejects(sink.write(3 * chunkBytes, plain.subarray(0, chunkBytes)), RangeError);
  });

  it('says FILE_DAMAGED for a changed byte, a slot moved to another chunk, another key or another file', async () => {
    const plain = randomBytes(4 * chunkBytes);
    const layout = layoutOf(plain.length);
    const key = randomBytes(restKeyBytes);
    const { sodium, stored } = await sealedCopy(plain, layout, key);
    const slot = chunkBytes + restOverheadBytes;
    const readAll = (bytes: Uint8Array, withKey = key, withLayout = layout) => () => sealedFileSource(sodium, withKey, withLayout, bytesFileSource(bytes)).read(0, plain.length);
    const changed = stored.data.slice();
    changed[slot + 100]! ^= 1;
    const moved = stored.data.slice();
    moved.set(stored.data.subarray(0, slot), slot);
    assert.equal(await damagedRead(readAll(changed)), true, 'a changed byte');
    assert.equal(await damagedRead(readAll(moved)), true, 'chunk 0 stored as chunk 1');
    assert.equal(await damagedRead(readAll(stored.data, randomBytes(restKeyBytes))), true, 'another key');
    assert.equal(await damagedRead(readAll(stored.data, key, { ...layout, fileIdBytes: randomBytes(12) })), true, 'another file');
    assert.equal(await damagedRead(readAll(stored.data.subarray(0, stored.data.length - 1))), true, 'cut short');
    // An undamaged chunk still reads.
    assert.deepEqual(await sealedFileSource(sodium, key, layout, bytesFileSource(changed)).read(0, chunkBytes), plain.subarray(0, chunkBytes));
  });

  it('keeps the at-rest key only in the sealed record: never on the wire, and back after a reload', async () => {
    const alice = await makeSide('alice');
    const bob = await makeSide('bob');
    connect(alice, bob);
    const bytes = randomBytes(700_000);
    const view = await alice.transfers.offer({ peerId: 'bob', conversation: 'dm:AAAAAAAAAAAAAAAAAAAAAA', source: bytesFileSource(bytes), name: 'a.bin', mime: '' });
    await waitForEvent(bob, 'offered');
    await bob.transfers.accept(view.fileId);
    await waitForEvent(bob, 'done', (v) => v.fileId === view.fileId);
    await bob.transfers.flush();
    const record = bob.store.records.get(view.fileId) as IncomingTransferRecord;
    assert.equal(record.restKey?.length, restKeyBytes);
    assert.notDeepEqual(record.restKey, record.key, 'not the sender\'s file key');
    const keyHex = Buffer.from(record.restKey!).toString('hex');
    assert.equal(bob.frames.some((f) => JSON.stringify(f).includes(keyHex) || JSON.stringify(f).includes(Buffer.from(record.restKey!).toString('base64url'))), false);
    const stored = [...bob.sinks.sinks.values()][0]!;
    assert.equal(stored.data.length, storedBytesOf({ fileIdBytes: new Uint8Array(12), size: bytes.length, chunkBytes: record.chunkBytes, chunks: record.chunks }));
    await reload(bob);
    assert.deepEqual(await keptBytes(bob, view.fileId), bytes);
  });

  it('a lock while the file is being committed keeps the at-rest key: the file still opens after the next unlock', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let committing = false;
    let committed = false;
    class GatedFactory extends MemorySinkFactory {
      override async create(file: IncomingFileInfo): Promise<MemoryFileSink> {
        const sink = await super.create(file);
        const commit = sink.commit.bind(sink);
        sink.commit = async () => {
          committing = true;
          await gate;
          const ref = await commit();
          committed = true;
          return ref;
        };
        return sink;
      }
    }
    const alice = await makeSide('alice');
    const bob = await makeSide('bob', { sinks: new GatedFactory() });
    connect(alice, bob);
    const bytes = randomBytes(300_000);
    const view = await alice.transfers.offer({ peerId: 'bob', conversation: 'dm:AAAAAAAAAAAAAAAAAAAAAA', source: bytesFileSource(bytes), name: 'a.bin', mime: '' });
    await waitForEvent(bob, 'offered');
    await bob.transfers.accept(view.fileId);
    await until(() => committing, 'the commit started');
    bob.transfers.dispose(); // the profile locks: keys in memory are wiped
    release();
    // The commit ends after the lock; what it does next (nothing) is done by the time until() looks again, and the
    // flush covers every record write issued meanwhile.
    await until(() => committed, 'the commit ended');
    await bob.transfers.flush();
    const record = bob.store.records.get(view.fileId) as IncomingTransferRecord;
    assert.equal(record.restKey!.some((byte) => byte !== 0), true, 'the saved key is not the wiped one');
    // Unlocked again: the transfer is checked once more and the file opens.
    await reload(bob);
    connect(alice, bob);
    await waitForEvent(bob, 'done', (v) => v.fileId === view.fileId);
    assert.deepEqual(await keptBytes(bob, view.fileId), bytes);
  });

  it('reads a file kept before sealing (a record without restKey) as it is', async () => {
    const store = new MemoryTransferStore();
    const side = await makeSide('bob', { store });
    const bytes = randomBytes(2500);
    const old = await side.sinks.create({ fileId: 'AAAAAAAAAAAAAAAA', name: 'old.txt', size: bytes.length, mime: 'text/plain', peerId: 'alice' });
    await old.write(0, bytes);
    const finishedRef = await old.commit();
    const sodium = await getSodium();
    await store.put({
      direction: 'in', fileId: 'AAAAAAAAAAAAAAAA', peerId: 'alice', conversation: 'dm:AAAAAAAAAAAAAAAAAAAAAA', name: 'old.txt', size: bytes.length,
      mime: 'text/plain', chunkBytes: 65_487, chunks: 1, hash: sodium.crypto_generichash(32, bytes, null), key: randomBytes(32), createdAt: 1, state: 'done',
      ...(finishedRef ? { finishedRef } : {}),
    });
    await reload(side);
    assert.deepEqual(await keptBytes(side, 'AAAAAAAAAAAAAAAA'), bytes);
  });

  it('the vault record keeps the key, and refuses one of the wrong length', async () => {
    const values = new Map<string, unknown>();
    const port: CollectionPort = {
      loadAll: async () => ({ records: [...values].map(([id, value]) => ({ id, value })), skipped: 0 }),
      put: async (id, value) => void values.set(id, JSON.parse(JSON.stringify(value))),
      remove: async (id) => void values.delete(id),
    };
    const store = new SealedTransferStore(port);
    const restKey = randomBytes(restKeyBytes);
    const record: IncomingTransferRecord = {
      direction: 'in', fileId: 'BBBBBBBBBBBBBBBB', peerId: 'alice', conversation: 'dm:AAAAAAAAAAAAAAAAAAAAAA', name: 'b', size: 1, mime: '',
      chunkBytes: 65_487, chunks: 1, hash: randomBytes(32), key: randomBytes(32), createdAt: 1, state: 'done', finishedRef: 'opfs:BBBBBBBBBBBBBBBB', restKey,
    };
    await store.put(record);
    const [loaded] = await store.loadAll();
    assert.deepEqual((loaded as IncomingTransferRecord).restKey, restKey);
    values.set('BBBBBBBBBBBBBBBB', { ...(values.get('BBBBBBBBBBBBBBBB') as object), restKey: 'AAAA' });
    assert.deepEqual(await store.loadAll(), []);
    assert.equal(store.skipped, 1);
  });
});
