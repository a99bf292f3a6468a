// Incoming files written to the origin-private file system (OPFS) through a worker (file-sink-worker.ts), in both
// Chromium and Firefox: bytes go to disk as chunks arrive, never whole in memory; flush() makes them durable, so a
// transfer resumes after a reload (the sink is reopened by its ref). What this folder holds is sealed at rest (the
// core wraps these sinks: chat/files/sealed-file-sink.ts). A finished file stays in OPFS, counted in the origin's
// storage quota, until the person removes it. "Save" hands it over as a download: the core decrypts it a range at a
// time into a temporary plaintext copy here (exportPlain), which is removed when the person removes the file, at
// lock, and at the next unlock after a crash (removeExports).
//
// Refs: `opfs:<file id>`, the file's name in the OPFS folder fileSinkDirectory; exports are `<file id>.save`.
import { TincanError } from '../errors';
import type { FileSink, FileSinkFactory, FileSource, IncomingFileInfo } from '../chat/files/file-io';
import { fileSinkDirectory, type FileSinkRequest, type FileSinkResponse } from './file-sink-protocol';
import { fileSource } from './file-source';

const refPrefix = 'opfs:';
/** Only names we make (file ids) are ever opened: a stored ref cannot point elsewhere in OPFS. */
const namePattern = /^[A-Za-z0-9_-]{16}$/;
const exportSuffix = '.save';
/** Deleting the folder is tried this often, this far apart, while a file in it is still locked. */
const removeAttempts = 5;
const removeRetryMs = 200;
/** Plaintext decrypted and written at a time while exporting: a few sealed chunks, never the whole file. */
const exportPieceBytes = 1024 * 1024;

type RequestBody = FileSinkRequest extends infer R ? (R extends FileSinkRequest ? Omit<R, 'id'> : never) : never;

/** One worker for every OPFS sink of the page. */
export class OpfsFileStore implements FileSinkFactory {
  private readonly worker: Worker;
  private readonly pending = new Map<number, (response: FileSinkResponse) => void>();
  private nextId = 1;
  private failure?: string;

  /** `workerUrl`: the built file-sink-worker (build.mjs), `type: 'module'` where it is served as an ES module. */
  constructor(workerUrl: URL | string, options: WorkerOptions = {}) {
    this.worker = new Worker(workerUrl, { name: 'tincan-files', ...options });
    this.worker.onmessage = ({ data }: MessageEvent<FileSinkResponse>) => {
      this.pending.get(data.id)?.(data);
      this.pending.delete(data.id);
    };
    // A worker that fails to load fails every request after it, instead of leaving them waiting.
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.failure = `file worker failed: ${event.message || 'could not load'}`;
      for (const resolve of this.pending.values()) resolve({ id: 0, ok: false, failure: 'unavailable', detail: this.failure });
      this.pending.clear();
    };
  }

  async create(file: IncomingFileInfo): Promise<FileSink> {
    const name = nameOf(file.fileId);
    await this.request({ op: 'remove', name }); // a leftover of an earlier attempt with this id
    await this.request({ op: 'open', name, create: true });
    return new OpfsFileSink(this, name);
  }

  async reopen(ref: string): Promise<FileSink | undefined> {
    const name = ref.startsWith(refPrefix) ? ref.slice(refPrefix.length) : '';
    if (!namePattern.test(name)) return undefined;
    try {
      await this.request({ op: 'open', name, create: false });
    } catch {
      return undefined;
    }
    return new OpfsFileSink(this, name);
  }

  /** The finished file as stored (sealed), read a range at a time from disk; undefined when it is gone. */
  async openFinished(ref: string): Promise<FileSource | undefined> {
    try {
      return fileSource(await openFinishedFile(ref), 'FILE_DAMAGED');
    } catch {
      return undefined;
    }
  }

  /** Writes a received file's plaintext (`source`: the core decrypting it) to a temporary copy for a download, a
   * piece at a time; the copy is removed again on failure. */
  async exportPlain(fileId: string, source: FileSource): Promise<File> {
    const name = nameOf(fileId) + exportSuffix;
    await this.request({ op: 'remove', name });
    await this.request({ op: 'open', name, create: true });
    try {
      for (let offset = 0; offset < source.size; offset += exportPieceBytes) {
        const buffer = ownBuffer(await source.read(offset, Math.min(exportPieceBytes, source.size - offset)));
        await this.request({ op: 'write', name, offset, bytes: buffer }, [buffer]);
      }
      await this.request({ op: 'close', name });
    } catch (error) {
      await this.request({ op: 'remove', name }).catch(() => undefined);
      throw error;
    }
    return (await (await filesFolder()).getFileHandle(name)).getFile();
  }

  /** Removes every temporary plaintext copy in the folder (at lock, and after a crash at the next unlock). */
  async removeExports(): Promise<void> {
    const folder = await filesFolder();
    const names: string[] = [];
    for await (const name of (folder as unknown as { keys(): AsyncIterable<string> }).keys()) if (name.endsWith(exportSuffix)) names.push(name);
    for (const name of names) await this.request({ op: 'remove', name });
  }

  removeExport(fileId: string): Promise<unknown> {
    return this.request({ op: 'remove', name: nameOf(fileId) + exportSuffix });
  }

  terminate(): void {
    this.worker.terminate();
  }

  /** Lets go of every open file, then ends the worker (before the folder is deleted). */
  async release(): Promise<void> {
    await this.request({ op: 'close-all' }).catch(() => undefined);
    this.terminate();
  }

  /** Sends a request; rejects with a TincanError (FILE_DISK_FULL for a full quota). */
  request(body: RequestBody, transfer: Transferable[] = []): Promise<FileSinkResponse & { ok: true }> {
    if (this.failure) return Promise.reject(new TincanError('STORAGE_UNAVAILABLE', this.failure));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (response) => {
        if (response.ok) return resolve(response);
        reject(new TincanError(response.failure === 'quota' ? 'FILE_DISK_FULL' : 'STORAGE_UNAVAILABLE', `${response.failure}: ${response.detail}`));
      });
      this.worker.postMessage({ ...body, id }, transfer);
    });
  }
}

class OpfsFileSink implements FileSink {
  readonly isDurable = true;
  readonly canRead = true;
  readonly ref: string;

  constructor(
    private readonly store: OpfsFileStore,
    private readonly name: string,
  ) {
    this.ref = refPrefix + name;
  }

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    // The chunk's own buffer (the sealed slot: nobody else holds it) is moved, not copied.
    const buffer = ownBuffer(bytes);
    await this.store.request({ op: 'write', name: this.name, offset, bytes: buffer }, [buffer]);
  }

  async flush(): Promise<void> {
    await this.store.request({ op: 'flush', name: this.name });
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const { bytes } = await this.store.request({ op: 'read', name: this.name, offset, length });
    return new Uint8Array(bytes ?? new ArrayBuffer(0));
  }

  async commit(): Promise<string> {
    await this.store.request({ op: 'close', name: this.name });
    return this.ref;
  }

  async discard(): Promise<void> {
    await this.store.request({ op: 'remove', name: this.name });
  }
}

/** The bytes' buffer when it holds exactly them, else a copy of just them. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes.buffer : bytes.slice().buffer;
}

async function filesFolder(): Promise<FileSystemDirectoryHandle> {
  return (await navigator.storage.getDirectory()).getDirectoryHandle(fileSinkDirectory, { create: true });
}

function nameOf(fileId: string): string {
  if (!namePattern.test(fileId)) throw new TincanError('STORAGE_UNAVAILABLE', 'not a file id');
  return fileId;
}

async function finishedHandle(ref: string): Promise<FileSystemFileHandle> {
  const name = ref.startsWith(refPrefix) ? ref.slice(refPrefix.length) : '';
  if (!namePattern.test(name)) throw new TincanError('STORAGE_UNAVAILABLE', 'not a finished file');
  return (await filesFolder()).getFileHandle(name);
}

/** The finished file as stored (disk-backed: reading it does not load it whole). */
export async function openFinishedFile(ref: string): Promise<File> {
  return (await finishedHandle(ref)).getFile();
}

/** Deletes the folder with every received file, finished or not, and every plaintext copy ("Forget this device").
 * No worker may hold a file of it open (terminate the store first). */
export async function removeAllFiles(): Promise<void> {
  const root = await navigator.storage.getDirectory();
  for (let attempt = 1; ; attempt++) {
    try {
      await root.removeEntry(fileSinkDirectory, { recursive: true });
      return;
    } catch (error) {
      const name = error instanceof DOMException ? error.name : '';
      if (name === 'NotFoundError') return;
      // A handle a worker held may be released a moment after the worker ended.
      if (name !== 'NoModificationAllowedError' || attempt >= removeAttempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, removeRetryMs));
    }
  }
}

/** Deletes a finished (or abandoned) file. */
export async function removeFinishedFile(ref: string): Promise<void> {
  const name = ref.startsWith(refPrefix) ? ref.slice(refPrefix.length) : '';
  if (!namePattern.test(name)) return;
  await (await filesFolder()).removeEntry(name).catch(() => undefined);
}
