// Writing incoming files without holding them: the OPFS sink (worker, sync access handles) writes out of order,
// survives a "reload" (a new worker) up to its last flush, reads back, commits and discards; the writable-stream
// sink (the save picker's) shows nothing at the target until commit, and nothing at all when aborted.
import { expect } from '@esm-bundle/chai';
import { isTincanError } from '../../../src/errors';
import { fileSinkDirectory } from '../../../src/platform/file-sink-protocol';
import { OpfsFileStore, openFinishedFile, removeAllFiles, removeFinishedFile } from '../../../src/platform/file-sink';
import { bytesFileSource } from '../../../src/chat/files/memory-file';
import { openWritableSink } from '../../../src/platform/file-sink-picker';
import { randomBlobBytes, workerStore } from './helpers';

const info = (fileId: string, size: number) => ({ fileId, name: 'x.bin', size, mime: 'application/octet-stream', peerId: 'p' });
const id = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef'[b & 31]).join('');

describe('OPFS file sink', () => {
  it('writes chunks in any order, reads them back, survives a new worker after flush, and commits a file', async () => {
    const store = workerStore();
    const fileId = id();
    const bytes = randomBlobBytes(3 * 65_536 + 100);
    const sink = await store.create(info(fileId, bytes.length));
    expect([sink.isDurable, sink.canRead, sink.ref]).to.deep.equal([true, true, `opfs:${fileId}`]);
    await sink.write(2 * 65_536, bytes.slice(2 * 65_536, 3 * 65_536));
    await sink.write(0, bytes.slice(0, 65_536));
    await sink.flush();
    expect(Array.from(await sink.read(2 * 65_536, 65_536))).to.deep.equal(Array.from(bytes.subarray(2 * 65_536, 3 * 65_536)));
    // "Reload": the worker (and its handle) goes away; a new one reopens the file by its ref.
    store.terminate();
    const after = workerStore();
    expect(await after.reopen('opfs:../../etc')).to.equal(undefined);
    expect(await after.reopen(`opfs:${id()}`)).to.equal(undefined);
    const reopened = (await after.reopen(sink.ref!))!;
    expect(Array.from(await reopened.read(0, 65_536))).to.deep.equal(Array.from(bytes.subarray(0, 65_536)));
    await reopened.write(65_536, bytes.slice(65_536, 2 * 65_536));
    await reopened.write(3 * 65_536, bytes.slice(3 * 65_536));
    const ref = await reopened.commit();
    const file = await openFinishedFile(ref!);
    expect(Array.from(new Uint8Array(await file.arrayBuffer()))).to.deep.equal(Array.from(bytes));
    const stored = (await after.openFinished(ref!))!;
    expect(Array.from(await stored.read(65_536, 100))).to.deep.equal(Array.from(bytes.subarray(65_536, 65_636)));
    expect(await after.openFinished(`opfs:${id()}`)).to.equal(undefined);
    await removeFinishedFile(ref!);
    const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle(fileSinkDirectory);
    let isGone = false;
    await folder.getFileHandle(fileId).catch(() => (isGone = true));
    expect(isGone).to.equal(true);
    after.terminate();
  });

  it('"Save" exports a plaintext copy piece by piece, and removeExports leaves no copy behind', async () => {
    const store = workerStore();
    const fileId = id();
    const bytes = randomBlobBytes(2 * 1024 * 1024 + 7);
    const file = await store.exportPlain(fileId, bytesFileSource(bytes));
    expect(file.size).to.equal(bytes.length);
    expect(Array.from(new Uint8Array(await file.arrayBuffer()))).to.deep.equal(Array.from(bytes));
    const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle(fileSinkDirectory);
    expect(await folder.getFileHandle(`${fileId}.save`).then(() => true)).to.equal(true);
    await store.removeExports();
    let isGone = false;
    await folder.getFileHandle(`${fileId}.save`).catch(() => (isGone = true));
    expect(isGone).to.equal(true);
    store.terminate();
  });

  it('"Forget this device" removes the folder with every file, finished or being written', async () => {
    const store = workerStore();
    const finished = await store.create(info(id(), 10));
    await finished.write(0, new Uint8Array(10).fill(1));
    await finished.commit();
    const running = await store.create(info(id(), 10));
    await running.write(0, new Uint8Array(10).fill(2));
    await store.release(); // as browser-platform.ts forgetFiles does: the worker lets go of open files first
    await removeAllFiles();
    const root = await navigator.storage.getDirectory();
    let isGone = false;
    await root.getDirectoryHandle(fileSinkDirectory).catch(() => (isGone = true));
    expect(isGone).to.equal(true);
    await removeAllFiles(); // nothing left: no error
  });

  it('discards a cancelled file', async () => {
    const store = workerStore();
    const fileId = id();
    const sink = await store.create(info(fileId, 10));
    await sink.write(0, new Uint8Array(10).fill(7));
    await sink.discard();
    expect(await store.reopen(`opfs:${fileId}`)).to.equal(undefined);
    store.terminate();
  });

  it('fails every request with a code when the worker cannot load', async () => {
    const store = new OpfsFileStore('/no-such-worker.js');
    const failure = await store.create(info(id(), 1)).then(() => undefined, (error: unknown) => error);
    expect(isTincanError(failure, 'STORAGE_UNAVAILABLE')).to.equal(true);
    store.terminate();
  });
});

describe('writable-stream file sink (save picker)', () => {
  async function target(name: string): Promise<FileSystemFileHandle> {
    const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('tincan-picker-test', { create: true });
    return folder.getFileHandle(name, { create: true });
  }

  it('puts the file in place only on commit', async () => {
    const handle = await target(`${id()}.bin`);
    const sink = await openWritableSink(handle);
    expect([sink.isDurable, sink.canRead]).to.deep.equal([false, false]);
    await sink.write(0, new Uint8Array([1, 2, 3]));
    await sink.write(3, new Uint8Array([4, 5]));
    expect((await handle.getFile()).size).to.equal(0, 'nothing at the target before commit');
    expect(await sink.commit()).to.equal(undefined);
    expect(Array.from(new Uint8Array(await (await handle.getFile()).arrayBuffer()))).to.deep.equal([1, 2, 3, 4, 5]);
  });

  it('leaves the target untouched when discarded (a cancel or a hash mismatch)', async () => {
    const handle = await target(`${id()}.bin`);
    const sink = await openWritableSink(handle);
    await sink.write(0, new Uint8Array(1000).fill(9));
    await sink.discard();
    expect((await handle.getFile()).size).to.equal(0);
  });
});
