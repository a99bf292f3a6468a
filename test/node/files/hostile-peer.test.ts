// A peer that lies: chunks out of range, of the wrong length, sealed wrongly, moved, repeated, for other files,
// after the end; control frames for files it does not own or in another conversation; too many offers. Each is
// dropped and counted by reason, and nothing of it is written.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sealChunk } from '../../../src/chat/files/chunk-codec';
import { decodeFrame, encodeFrame } from '../../../src/chat/frames';
import type { FileFrame } from '../../../src/chat/files/file-frames';
import { maxOfferedPerPeer, maxRefusalsPerWindow, refusalWindowMs } from '../../../src/chat/files/file-transfers';
import { toBase64Url } from '../../../src/crypto/bytes';
import { getSodium } from '../../../src/crypto/sodium';
import { conversation, keptBytes, makeSide, randomBytes, reload, waitForEvent } from './harness';
import { memoryBulkPair } from './memory-bulk';

const chunkBytes = 4096;

/** Through the real encoder and decoder, as a peer's frame would come. */
function wire(frame: FileFrame): FileFrame {
  const decoded = decodeFrame(encodeFrame(frame));
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.frame as FileFrame;
}

async function hostileSetup() {
  const sodium = await getSodium();
  const bob = await makeSide('bob');
  const [malloryBulk, bobBulk] = memoryBulkPair();
  const toMallory: FileFrame[] = [];
  bob.transfers.attach({ peerId: 'mallory', conversation, sendControl: (frame) => (toMallory.push(frame), true), bulk: bobBulk });
  const content = randomBytes(2 * chunkBytes + 1808);
  const key = randomBytes(32);
  const idBytes = randomBytes(12);
  const fileId = toBase64Url(idBytes);
  const offer = wire({
    type: 'file-offer', conversation, fileId, name: 'report.pdf', size: content.length, mime: 'application/pdf', chunkBytes, chunks: 3,
    hash: toBase64Url(sodium.crypto_generichash(32, content, null)), key: toBase64Url(key),
  });
  bob.transfers.receive('mallory', offer);
  const salt = randomBytes(16);
  const seal = (index: number, bytes: Uint8Array, withKey = key, withId = idBytes) => sealChunk(sodium, withKey, withId, index, salt, bytes);
  const piece = (index: number) => content.subarray(index * chunkBytes, Math.min(content.length, (index + 1) * chunkBytes));
  return { sodium, bob, malloryBulk, bobBulk, toMallory, content, key, idBytes, fileId, seal, piece };
}

describe('a hostile peer', () => {
  it('gets nothing written for lies about chunks, and the honest chunks still make the file', async () => {
    const { bob, malloryBulk, toMallory, fileId, seal, piece, content } = await hostileSetup();
    // Before the accept: nothing is taken.
    malloryBulk.inject(seal(0, piece(0)));
    await bob.transfers.accept(fileId);
    assert.deepEqual(toMallory.at(-1), { type: 'file-accept', conversation, fileId, have: [] });
    const sink = [...bob.sinks.sinks.values()][0]!;

    const moved = seal(0, piece(0));
    moved[16] = 1; // header index 0 -> 1: the associated data no longer matches
    const flipped = seal(1, piece(1));
    flipped[40]! ^= 1;
    const lies: [string, Uint8Array][] = [
      ['out-of-range', seal(3, piece(2))],
      ['out-of-range', seal(1_000_000, piece(2))],
      ['bad-length', seal(2, randomBytes(chunkBytes))], // the last chunk claims more bytes than the size allows
      ['bad-length', seal(0, piece(0).subarray(1))],
      ['bad-seal', seal(0, piece(0), randomBytes(32))],
      ['bad-seal', moved],
      ['bad-seal', flipped],
      ['unknown-file', seal(0, piece(0), undefined, randomBytes(12))],
      ['malformed', randomBytes(10)],
      ['malformed', Uint8Array.of(2, ...seal(0, piece(0)).subarray(1))],
    ];
    for (const [, message] of lies) malloryBulk.inject(message);
    const counters = bob.transfers.counters('mallory');
    const expected: Record<string, number> = {};
    for (const [reason] of lies) expected[reason] = (expected[reason] ?? 0) + 1;
    expected['not-transferring'] = 1;
    assert.deepEqual(Object.fromEntries(Object.entries(counters.chunks).filter(([, n]) => n)), expected);
    // A chunk is written only once it is taken, and taking is counted as it happens: none was taken, so none is or
    // will be written (no wait needed to see it).
    assert.equal(counters.received, 0);
    assert.equal(sink.writes, 0);

    // Honest chunk 0, then a replay of it.
    malloryBulk.inject(seal(0, piece(0)));
    malloryBulk.inject(seal(0, piece(0)));
    assert.equal(counters.chunks.duplicate, 1);
    // Another peer sending into Mallory's transfer.
    const [eveBulk, bobFromEve] = memoryBulkPair();
    bob.transfers.attach({ peerId: 'eve', conversation, sendControl: () => true, bulk: bobFromEve });
    eveBulk.inject(seal(1, piece(1)));
    assert.equal(bob.transfers.counters('eve').chunks['wrong-peer'], 1);

    malloryBulk.inject(seal(1, piece(1)));
    malloryBulk.inject(seal(2, piece(2)));
    await waitForEvent(bob, 'done', (v) => v.fileId === fileId);
    assert.deepEqual(await keptBytes(bob, fileId), content);
    assert.equal(sink.writes, 3);
    malloryBulk.inject(seal(1, piece(1)));
    assert.equal(counters.chunks['not-transferring'], 2, 'after done');
    assert.equal(counters.received, 3);
  });

  it('drops control frames about other peers\' files, other conversations, bad ranges, and offers past the limit', async () => {
    const { bob, toMallory, fileId } = await hostileSetup();
    const counters = bob.transfers.counters('mallory');
    bob.transfers.receive('mallory', { type: 'file-done', conversation, fileId: 'AAAAAAAAAAAAAAAA' });
    bob.transfers.receive('mallory', { type: 'file-decline', conversation, fileId, reason: 'declined' }); // Bob is the receiver
    bob.transfers.receive('mallory', { type: 'file-cancel', conversation: 'dm:BBBBBBBBBBBBBBBBBBBBBB', fileId, reason: 'cancelled' });
    bob.transfers.receive('nobody', { type: 'file-cancel', conversation, fileId, reason: 'cancelled' });
    assert.deepEqual(
      { unknown: counters.control['unknown-file'], unexpected: counters.control.unexpected, conversation: counters.control['wrong-conversation'], notAttached: bob.transfers.counters('nobody').control['not-attached'] },
      { unknown: 1, unexpected: 1, conversation: 1, notAttached: 1 },
    );
    assert.equal(bob.transfers.get(fileId)?.state, 'offered');

    // Bob's own offer to Mallory: Mallory may not ask for chunks past its end.
    const source = { size: 10_000, lastModified: 0, read: async (offset: number, length: number) => new Uint8Array(length).fill(offset & 0xff) };
    const mine = await bob.transfers.offer({ peerId: 'mallory', conversation, source, name: 'x.bin', mime: '' });
    bob.transfers.receive('mallory', { type: 'file-accept', conversation, fileId: mine.fileId, have: [[0, 5]] });
    assert.equal(counters.control['bad-ranges'], 1);
    // The same id offered back with other contents.
    const offerOf = toMallory.find((f) => f.type === 'file-offer')!;
    bob.transfers.receive('mallory', { ...(offerOf as Extract<FileFrame, { type: 'file-offer' }>), size: 1, chunks: 1 });
    assert.equal(counters.control['conflicting-offer'], 1);

    // Offers waiting for an answer are bounded.
    for (let i = 0; i < maxOfferedPerPeer + 3; i++) {
      const id = toBase64Url(randomBytes(12));
      bob.transfers.receive('mallory', wire({ type: 'file-offer', conversation, fileId: id, name: `f${i}`, size: 1, mime: 'text/plain', chunkBytes, chunks: 1, hash: toBase64Url(randomBytes(32)), key: toBase64Url(randomBytes(32)) }));
    }
    assert.equal(bob.transfers.list().filter((t) => t.direction === 'in' && t.state === 'offered').length, maxOfferedPerPeer);
    assert.equal(counters.control['too-many-offers'], 4); // the first offer from hostileSetup is still waiting
  });

  it('10,000 offers too large to take: declined within a budget, told to the person once, the rest counted', async () => {
    let clock = 1_000_000;
    const bob = await makeSide('bob', { maxIncomingBytes: () => 1024 * 1024, now: () => clock });
    const toMallory: FileFrame[] = [];
    const [, bobBulk] = memoryBulkPair();
    bob.transfers.attach({ peerId: 'mallory', conversation, sendControl: (frame) => (toMallory.push(frame), true), bulk: bobBulk });
    const huge = (i: number) =>
      wire({ type: 'file-offer', conversation, fileId: toBase64Url(randomBytes(12)), name: `huge${i}.bin`, size: 5 * 1024 ** 3, mime: 'application/octet-stream',
        chunkBytes: 16_384, chunks: (5 * 1024 ** 3) / 16_384, hash: toBase64Url(randomBytes(32)), key: toBase64Url(randomBytes(32)) });
    const offers = 10_000;
    for (let i = 0; i < offers; i++) bob.transfers.receive('mallory', huge(i));
    const declines = () => toMallory.filter((f) => f.type === 'file-decline' && f.reason === 'too-large').length;
    const failures = () => bob.events.filter((e) => e.name === 'failed').length;
    assert.equal(declines(), maxRefusalsPerWindow, 'answered within the budget');
    assert.equal(failures(), 1, 'one line for the person, not one card per offer');
    const counters = bob.transfers.counters('mallory');
    assert.equal(counters.control['refused-again'], maxRefusalsPerWindow - 1);
    assert.equal(counters.control['too-many-refusals'], offers - maxRefusalsPerWindow);
    assert.deepEqual(bob.transfers.list(), [], 'nothing kept of them');
    // A window later, a refusal is answered and told again.
    clock += refusalWindowMs;
    bob.transfers.receive('mallory', huge(offers));
    assert.equal(declines(), maxRefusalsPerWindow + 1);
    assert.equal(failures(), 2);
  });

  it('a page labelled image/png is not taken without asking: its first bytes pause it and the person decides, even after a reload', async () => {
    const sodium = await getSodium();
    const bob = await makeSide('bob');
    const [malloryBulk, bobBulk] = memoryBulkPair();
    const toMallory: FileFrame[] = [];
    const attach = () => bob.transfers.attach({ peerId: 'mallory', conversation, sendControl: (frame) => (toMallory.push(frame), true), bulk: bobBulk });
    attach();
    const salt = randomBytes(16);
    /** Mallory's offer of `content` as `name` with the stated type, and a sealer for its chunks. */
    const offerOf = (name: string, mime: string, content: Uint8Array) => {
      const key = randomBytes(32);
      const idBytes = randomBytes(12);
      const fileId = toBase64Url(idBytes);
      const chunks = Math.ceil(content.length / chunkBytes);
      bob.transfers.receive('mallory', wire({
        type: 'file-offer', conversation, fileId, name, size: content.length, mime, chunkBytes, chunks,
        hash: toBase64Url(sodium.crypto_generichash(32, content, null)), key: toBase64Url(key),
      }));
      const chunk = (index: number) => sealChunk(sodium, key, idBytes, index, salt, content.subarray(index * chunkBytes, (index + 1) * chunkBytes));
      return { fileId, chunk, chunks };
    };
    const page = new TextEncoder().encode('<!doctype html><script>alert(document.domain)</script>'.padEnd(2 * chunkBytes + 100, ' '));
    const html = offerOf('page.html', 'image/png', page);
    await bob.transfers.accept(html.fileId, undefined, { asPicture: true });
    assert.deepEqual(toMallory.at(-1), { type: 'file-accept', conversation, fileId: html.fileId, have: [] });
    const sink = [...bob.sinks.sinks.values()].at(-1)!;
    malloryBulk.inject(html.chunk(1)); // a later chunk first: written, then thrown away with the sink
    malloryBulk.inject(html.chunk(0));
    const view = bob.transfers.get(html.fileId)!;
    assert.deepEqual({ state: view.state, code: view.code, bytes: view.bytes }, { state: 'offered', code: 'FILE_NOT_A_PICTURE', bytes: 0 }, 'asked, with the reason');
    assert.equal(bob.transfers.counters('mallory').chunks['not-a-picture'], 1);
    malloryBulk.inject(html.chunk(2));
    assert.equal(bob.transfers.counters('mallory').chunks['not-transferring'], 1, 'the rest of the run is not taken');
    await bob.transfers.flush();
    assert.equal(sink.discarded, true, 'what was written is gone');
    assert.equal(bob.store.records.get(html.fileId)?.state, 'offered');

    // After a reload it still waits for the person: being taken as a picture again changes nothing.
    await reload(bob);
    attach();
    const framesBefore = toMallory.length;
    await bob.transfers.accept(html.fileId, undefined, { asPicture: true });
    assert.equal(toMallory.length, framesBefore, 'nothing asked of Mallory');
    assert.equal(bob.transfers.get(html.fileId)?.code, 'FILE_NOT_A_PICTURE');
    // The person accepts it as a file: it arrives whole, as what it is.
    await bob.transfers.accept(html.fileId);
    for (let i = 0; i < html.chunks; i++) malloryBulk.inject(html.chunk(i));
    await waitForEvent(bob, 'done', (v) => v.fileId === html.fileId);
    assert.deepEqual(await keptBytes(bob, html.fileId), page);

    // A real PNG's first bytes: taken without asking, to the end.
    const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...randomBytes(chunkBytes + 500));
    const picture = offerOf('photo.png', 'image/png', png);
    await bob.transfers.accept(picture.fileId, undefined, { asPicture: true });
    for (let i = 0; i < picture.chunks; i++) malloryBulk.inject(picture.chunk(i));
    const done = await waitForEvent(bob, 'done', (v) => v.fileId === picture.fileId);
    assert.equal(done.asPicture, true);
    assert.deepEqual(await keptBytes(bob, picture.fileId), png);
  });
});
