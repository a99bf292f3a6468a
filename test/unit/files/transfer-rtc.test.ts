// A file transfer between two real RTCPeerConnections in one page: chat frames on the negotiated channel 0, sealed
// chunks on channel 1, the receiver writing to OPFS through the worker. Nothing here is mocked.
import { expect } from '@esm-bundle/chai';
import { decodeFrame, encodeFrame } from '../../../src/chat/frames';
import type { FileFrame } from '../../../src/chat/files/file-frames';
import type { FileSource } from '../../../src/chat/files/file-io';
import { FileTransfers } from '../../../src/chat/files/file-transfers';
import type { TransferProgress, TransferView } from '../../../src/chat/files/transfer-events';
import { MemoryTransferStore } from '../../../src/chat/files/transfer-store';
import { getSodium } from '../../../src/crypto/sodium';
import { openFinishedFile, removeFinishedFile } from '../../../src/platform/file-sink';
import { fileSource } from '../../../src/platform/file-source';
import { randomBlobBytes, workerStore } from './helpers';
import { rtcPair, type RtcEnd } from './rtc-pair';

const conversation = 'dm:AAAAAAAAAAAAAAAAAAAAAA';
const fileBytes = 50 * 1000 * 1000;

/** BLAKE2b-256 of a Blob, or of a FileSource (the received file as the core reads it back). */
async function blake2bOf(file: Blob | FileSource): Promise<Uint8Array> {
  const sodium = await getSodium();
  const state = sodium.crypto_generichash_init(null, 32);
  const piece = 4 * 1024 * 1024;
  for (let at = 0; at < file.size; at += piece) {
    const bytes = file instanceof Blob ? new Uint8Array(await file.slice(at, at + piece).arrayBuffer()) : await file.read(at, Math.min(piece, file.size - at));
    sodium.crypto_generichash_update(state, bytes);
  }
  return sodium.crypto_generichash_final(state, 32);
}

/** Control frames (binary) and chat texts (strings) share the chat channel, as in the app. */
function wire(end: RtcEnd, transfers: FileTransfers, peerId: string, onText: (text: string) => void): void {
  transfers.attach({
    peerId,
    conversation,
    sendControl: (frame) => {
      end.chat.send(encodeFrame(frame) as Uint8Array<ArrayBuffer>);
      return true;
    },
    bulk: end.bulk,
  });
  end.chat.addEventListener('message', ({ data }: MessageEvent<ArrayBuffer | string>) => {
    if (typeof data === 'string') return onText(data);
    const decoded = decodeFrame(new Uint8Array(data));
    if (decoded.ok && decoded.frame.type.startsWith('file-')) transfers.receive(peerId, decoded.frame as FileFrame);
  });
}

const doneOf = (transfers: FileTransfers, fileId: string) =>
  new Promise<TransferView>((resolve, reject) => {
    transfers.on('done', (view) => view.fileId === fileId && resolve(view));
    transfers.on('failed', (failure) => failure.transfer.fileId === fileId && reject(new Error(`failed: ${failure.code}`)));
  });

describe('file transfer over a real RTCPeerConnection pair', () => {
  it('carries a 50 MB random file with the same BLAKE2b hash while chat messages flow on the other channel', async function () {
    this.timeout(240_000);
    const [alice, bob] = await rtcPair();
    const bytes = randomBlobBytes(fileBytes);
    const file = new File([bytes], 'random.bin', { type: 'application/octet-stream', lastModified: 1_700_000_000_000 });
    const expectedHash = await blake2bOf(file);
    const files = workerStore();
    const aliceFiles = await FileTransfers.open({ store: new MemoryTransferStore(), sinks: files });
    const bobFiles = await FileTransfers.open({ store: new MemoryTransferStore(), sinks: files });
    const chatsAtBob: { text: string; state: string | undefined; bytes: number }[] = [];
    let fileId = '';
    wire(alice, aliceFiles, 'bob', () => undefined);
    wire(bob, bobFiles, 'alice', (text) => {
      const view = bobFiles.get(fileId);
      chatsAtBob.push({ text, state: view?.state, bytes: view?.bytes ?? 0 });
    });
    const progress: Record<'alice' | 'bob', TransferProgress[]> = { alice: [], bob: [] };
    aliceFiles.on('progress', (p) => progress.alice.push(p));
    // Alice writes a chat message each time Bob's progress passes another 20 %.
    let nextShare = 0.2;
    bobFiles.on('progress', (p) => {
      progress.bob.push(p);
      while (p.bytes / p.total >= nextShare && nextShare < 1) {
        alice.chat.send(`at ${Math.round(nextShare * 100)} %`);
        nextShare += 0.2;
      }
    });

    const offered = new Promise<TransferView>((resolve) => bobFiles.on('offered', resolve));
    const view = await aliceFiles.offer({ peerId: 'bob', conversation, source: fileSource(file), name: file.name, mime: file.type });
    fileId = view.fileId;
    expect((await offered).size).to.equal(fileBytes);
    const started = performance.now();
    await bobFiles.accept(fileId);
    const [atBob] = await Promise.all([doneOf(bobFiles, fileId), doneOf(aliceFiles, fileId)]);
    const seconds = (performance.now() - started) / 1000;
    console.log(`50 MB in ${seconds.toFixed(1)} s (${(fileBytes / 1e6 / seconds).toFixed(1)} MB/s, both ends and the disk in one page); chats: ${JSON.stringify(chatsAtBob)}`);

    expect(atBob.state).to.equal('done');
    // What the disk holds is sealed (larger by 40 B a chunk, and not the file); read back through the core, it is.
    const stored = await openFinishedFile(atBob.finishedRef!);
    expect(stored.size).to.equal(bobFiles.storedBytes(fileId));
    expect(Array.from(await blake2bOf(stored))).not.to.deep.equal(Array.from(expectedHash));
    const received = (await bobFiles.openReceived(fileId))!;
    expect(received.size).to.equal(fileBytes);
    expect(Array.from(await blake2bOf(received))).to.deep.equal(Array.from(expectedHash));
    // Chat went on during the transfer: the messages arrived while Bob was still receiving.
    expect(chatsAtBob.length).to.be.at.least(3);
    for (const chat of chatsAtBob.slice(0, -1)) {
      expect(chat.state, chat.text).to.equal('transferring');
      expect(chat.bytes, chat.text).to.be.below(fileBytes);
    }
    // Both progress bars moved.
    for (const side of ['alice', 'bob'] as const) {
      const moving = progress[side].map((p) => p.bytes);
      expect(new Set(moving).size, side).to.be.at.least(3);
      expect(moving).to.deep.equal([...moving].sort((x, y) => x - y));
      expect(progress[side].some((p) => p.bytesPerSecond > 0 && p.secondsLeft !== undefined), side).to.equal(true);
    }
    const counters = bobFiles.counters('alice');
    expect(Object.values(counters.chunks).reduce((a, b) => a + b, 0)).to.equal(0);
    await removeFinishedFile(atBob.finishedRef!);
    aliceFiles.dispose();
    bobFiles.dispose();
    files.terminate();
    alice.pc.close();
    bob.pc.close();
  });
});
