// Sealed chunks (byte layout, what makes one fail to open) and the received-chunk bitmap.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkBitmap } from '../../../src/chat/files/chunk-bitmap';
import {
  chunkBytesFor, chunkHeaderBytes, chunkOffsets, chunkOverheadBytes, endOfRunIndex, openChunk, readChunkHeader, sealChunk,
} from '../../../src/chat/files/chunk-codec';
import { maxHaveRanges } from '../../../src/chat/files/file-frames';
import { toBase64Url } from '../../../src/crypto/bytes';
import { getSodium } from '../../../src/crypto/sodium';

const bytes = (n: number, fill = 0) => new Uint8Array(n).fill(fill);

describe('sealed chunks', () => {
  it('lays out version, file id, index, salt, then ciphertext and tag', async () => {
    const sodium = await getSodium();
    const key = bytes(32, 7);
    const id = Uint8Array.from({ length: 12 }, (_, i) => i + 1);
    const salt = bytes(16, 0xaa);
    const plaintext = bytes(1000, 0x55);
    const message = sealChunk(sodium, key, id, 0x01020304, salt, plaintext);
    assert.equal(message.length, chunkHeaderBytes + 1000 + 16);
    assert.equal(chunkOverheadBytes, 49);
    assert.equal(message[chunkOffsets.version], 1);
    assert.deepEqual(message.subarray(chunkOffsets.fileId, chunkOffsets.index), id);
    assert.deepEqual([...message.subarray(chunkOffsets.index, chunkOffsets.salt)], [1, 2, 3, 4]);
    assert.deepEqual(message.subarray(chunkOffsets.salt, chunkOffsets.ciphertext), salt);
    assert.deepEqual(readChunkHeader(message), { fileId: toBase64Url(id), index: 0x01020304 });
    assert.deepEqual(openChunk(sodium, key, message), plaintext);
    // The nonce is salt || u64 index: the same as libsodium sees it.
    const nonce = new Uint8Array(24);
    nonce.set(salt);
    nonce.set([1, 2, 3, 4], 20);
    assert.deepEqual(sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, message.subarray(33), message.subarray(0, 33), nonce, key), plaintext);
  });

  it('does not open under another key, at another index or file id, with another salt, or with any byte changed', async () => {
    const sodium = await getSodium();
    const key = bytes(32, 1);
    const message = sealChunk(sodium, key, bytes(12, 2), 5, bytes(16, 3), bytes(300, 4));
    assert.equal(openChunk(sodium, bytes(32, 9), message), undefined);
    for (const at of [0 + 1, chunkOffsets.index + 3, chunkOffsets.salt, chunkHeaderBytes, message.length - 1]) {
      const changed = message.slice();
      changed[at]! ^= 1;
      assert.equal(openChunk(sodium, key, changed), undefined, `byte ${at}`);
    }
    assert.equal(openChunk(sodium, key, message.subarray(0, 40)), undefined);
    const marker = sealChunk(sodium, key, bytes(12, 2), endOfRunIndex, bytes(16, 3), new Uint8Array(0));
    assert.equal(marker.length, chunkOverheadBytes);
    assert.deepEqual(openChunk(sodium, key, marker), new Uint8Array(0));
  });

  it('fits a sealed chunk into 64 KiB messages, or the peer\'s smaller limit', () => {
    assert.equal(chunkBytesFor(65_536), 65_536 - 49);
    assert.equal(chunkBytesFor(262_144), 65_536 - 49);
    assert.equal(chunkBytesFor(1_073_741_823), 65_536 - 49);
    assert.equal(chunkBytesFor(16_384), 16_384 - 49);
    assert.equal(chunkBytesFor(100), 1024);
  });
});

describe('ChunkBitmap', () => {
  it('stores chunk i in bit i & 7 of byte i >> 3 and clears bits past the end when read back', () => {
    const bitmap = new ChunkBitmap(12);
    bitmap.set(0);
    bitmap.set(9);
    assert.deepEqual([...bitmap.toBytes()], [0b1, 0b10]);
    const damaged = ChunkBitmap.fromBytes(12, Uint8Array.of(0xff, 0xff));
    assert.equal(damaged.count, 12);
    assert.deepEqual([...damaged.toBytes()], [0xff, 0x0f]);
    assert.equal(ChunkBitmap.fromBytes(12, Uint8Array.of(0xff)).count, 8, 'a short record claims only what it holds');
  });

  it('turns into ranges and back, complement and union', () => {
    const bitmap = ChunkBitmap.fromRanges(20, [[0, 3], [5, 6], [10, 20]]);
    assert.deepEqual(bitmap.ranges(), [[0, 3], [5, 6], [10, 20]]);
    assert.deepEqual(bitmap.complement().ranges(), [[3, 5], [6, 10]]);
    assert.equal(bitmap.complement().count, 6);
    assert.deepEqual(bitmap.union(bitmap.complement()).isComplete, true);
    assert.equal(bitmap.nextSet(3), 5);
    assert.equal(bitmap.nextSet(20), -1);
  });

  it('gives up its shortest ranges first when there are too many for one accept frame', () => {
    const chunks = 4 * maxHaveRanges + 100;
    const bitmap = new ChunkBitmap(chunks);
    for (let i = 0; i < 2 * maxHaveRanges; i++) bitmap.set(2 * i);
    for (let i = 4 * maxHaveRanges; i < chunks; i++) bitmap.set(i);
    const have = bitmap.haveRanges();
    assert.equal(have.length, maxHaveRanges);
    assert.ok(have.some(([start, end]) => start === 4 * maxHaveRanges && end === chunks), 'the long range is kept');
    // Whatever it gives up is only asked for again: every range claimed is really here.
    for (const [start, end] of have) for (let i = start; i < end; i++) assert.ok(bitmap.has(i));
  });
});
