// Incoming files written to the origin-private file system (OPFS) through a worker (file-sink-worker.ts), in both
// Chromium and Firefox: bytes go to disk as chunks arrive, never whole in memory; flush() makes them durable, so a
// transfer resumes after a reload (the sink is reopened by its ref). A finished file stays in OPFS, counted in the
// origin's storage quota, until the person removes it; it is handed to them as a download link (finishedFileUrl) or
// copied where they choose (saveFinishedFile, File System Access API where it exists).
//
// Refs: `opfs:<file id>`, the file's name in the OPFS folder fileSinkDirectory.
import { TincanError } from '../errors';
import type { FileSink, FileSinkFactory, IncomingFileInfo } from '../chat/files/file-io';
import { fileSinkDirectory, type FileSinkRequest, type FileSinkResponse } from './file-sink-protocol';

const refPrefix = 'opfs:';
/** Only names we make (file ids) are ever opened: a stored ref cannot point elsewhere in OPFS. */
const namePattern = /^[A-Za-z0-9_-]{16}$/;

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

  terminate(): void {
    this.worker.terminate();
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
    // The chunk's own buffer when it is exactly the chunk (the receiver keeps no reference): moved, not copied.
    const buffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes.buffer : bytes.slice().buffer;
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

function nameOf(fileId: string): string {
  if (!namePattern.test(fileId)) throw new TincanError('STORAGE_UNAVAILABLE', 'not a file id');
  return fileId;
}

async function finishedHandle(ref: string): Promise<FileSystemFileHandle> {
  const name = ref.startsWith(refPrefix) ? ref.slice(refPrefix.length) : '';
  if (!namePattern.test(name)) throw new TincanError('STORAGE_UNAVAILABLE', 'not a finished file');
  const root = await navigator.storage.getDirectory();
  return (await root.getDirectoryHandle(fileSinkDirectory)).getFileHandle(name);
}

/** The finished file (disk-backed: reading it does not load it whole). */
export async function openFinishedFile(ref: string): Promise<File> {
  return (await finishedHandle(ref)).getFile();
}

/**
 * A URL for a "Save <name>" link (`<a href download="name">`). The blob is typed application/octet-stream whatever
 * the file is: a blob URL has this page's origin, so an HTML or SVG file opened from it (middle click, "open in new
 * tab") would run as Tincan itself; octet-stream is downloaded, never rendered. Revoke it when the link goes away.
 */
export async function finishedFileUrl(ref: string): Promise<string> {
  const file = await openFinishedFile(ref);
  return URL.createObjectURL(file.slice(0, file.size, 'application/octet-stream'));
}

/** The parts of the File System Access API used here (Chromium only; not in TypeScript's DOM lib). */
interface SavePickerWindow {
  showSaveFilePicker(options?: { suggestedName?: string }): Promise<FileSystemFileHandle>;
}

export function hasSavePicker(): boolean {
  return typeof (globalThis as unknown as Partial<SavePickerWindow>).showSaveFilePicker === 'function';
}

/** Copies the finished file where the person chooses (save picker, Chromium), disk to disk. Needs a click. */
export async function saveFinishedFile(ref: string, suggestedName: string): Promise<void> {
  const file = await openFinishedFile(ref);
  const target = await (globalThis as unknown as SavePickerWindow).showSaveFilePicker({ suggestedName });
  const writable = await target.createWritable();
  await file.stream().pipeTo(writable);
}

/** Deletes a finished (or abandoned) file. */
export async function removeFinishedFile(ref: string): Promise<void> {
  const name = ref.startsWith(refPrefix) ? ref.slice(refPrefix.length) : '';
  if (!namePattern.test(name)) return;
  const root = await navigator.storage.getDirectory();
  const folder = await root.getDirectoryHandle(fileSinkDirectory, { create: true });
  await folder.removeEntry(name).catch(() => undefined);
}
