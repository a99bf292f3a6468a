// Incoming files written straight where the person chose, through the File System Access API (Chromium): the
// "Accept" click opens the save picker, and chunks go to the file's writable stream. Chromium writes to a swap file
// and only replaces the chosen file on close(), so the file appears only once the hash matched (commit); a
// cancelled or mismatching file is aborted and never appears. Nothing is kept until then, hence isDurable = false
// (a reload starts the transfer over) and canRead = false (chunks are taken in order and hashed as they come).
// https://wicg.github.io/file-system-access/#api-filesystemfilehandle-createwritable
import { TincanError } from '../errors';
import type { FileSink } from '../chat/files/file-io';

/** The part of the API used here (not in TypeScript's DOM lib). */
interface SavePickerWindow {
  showSaveFilePicker(options?: { suggestedName?: string }): Promise<FileSystemFileHandle>;
}

/** Asks where to save (must run inside the click that accepts); undefined when the person cancels the picker. */
export async function pickSaveSink(suggestedName: string): Promise<FileSink | undefined> {
  let handle: FileSystemFileHandle;
  try {
    handle = await (globalThis as unknown as SavePickerWindow).showSaveFilePicker({ suggestedName });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') return undefined;
    throw new TincanError('STORAGE_UNAVAILABLE', String(error));
  }
  return openWritableSink(handle);
}

/** A sink over any file handle's writable stream (the picker's, or an OPFS handle in tests). */
export async function openWritableSink(handle: FileSystemFileHandle): Promise<FileSink> {
  return new WritableFileSink(await handle.createWritable());
}

class WritableFileSink implements FileSink {
  readonly isDurable = false;
  readonly canRead = false;
  /** Writes one after another: the stream's own queue, made explicit. */
  private queue: Promise<void> = Promise.resolve();
  private isClosed = false;

  constructor(private readonly writable: FileSystemWritableFileStream) {}

  write(offset: number, bytes: Uint8Array): Promise<void> {
    const data = bytes as Uint8Array<ArrayBuffer>;
    const written = this.queue.then(() => this.writable.write({ type: 'write', position: offset, data }));
    this.queue = written.catch(() => undefined);
    return written.catch((error: unknown) => {
      const isFull = error instanceof DOMException && error.name === 'QuotaExceededError';
      throw new TincanError(isFull ? 'FILE_DISK_FULL' : 'STORAGE_UNAVAILABLE', String(error));
    });
  }

  async flush(): Promise<void> {
    await this.queue;
  }

  async read(): Promise<Uint8Array> {
    throw new TincanError('STORAGE_UNAVAILABLE', 'a save-picker file cannot be read before it is complete');
  }

  async commit(): Promise<undefined> {
    await this.queue;
    this.isClosed = true;
    await this.writable.close();
    return undefined;
  }

  async discard(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await this.writable.abort().catch(() => undefined);
  }
}
