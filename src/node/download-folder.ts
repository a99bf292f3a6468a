// Node only: where the Node peer keeps the files its contacts send it (docs/node-peer.md §7). A folder of plain files
// the person reads with their own tools (`<home>/downloads` unless `--downloads DIR`), so unlike a page's sealed copy
// (chat/files/sealed-file-sink.ts) these are NOT encrypted at rest: they are the person's files, as a browser's
// Downloads folder holds what "Save" wrote.
//
// The received name is untrusted: downloadFileName makes it a single plain name (no path separators, no "..", no
// control or invisible characters, at most maxFileNameBytes; chat/files/file-frames.ts sanitizeFileName, then the
// dots), and a name already taken gets a suffix ("report (1).pdf"), never overwriting anything: the finished file is
// hard-linked to its name (link fails when the name exists, so two files finishing at once cannot take one name) and
// its temporary name removed. Bytes go to a temporary file (`.tincan-<fileId>.part`, mode 0600) in the same folder,
// are fsynced, then the file appears under its name, then the folder is fsynced: a crash leaves the file whole or not
// at all (and a `.part` file the next start removes).
//
// The sink takes chunks in order and cannot read back (like the browser's save picker, file-io.ts canRead false): the
// transfer hashes them as they arrive and checks the hash before commit; a file interrupted by a lost connection
// goes on from where it stopped on the next one while this process runs (the sink stays in memory), and is cancelled
// at the next start after a restart (docs/node-peer.md §7).
import { link, mkdir, open, readdir, rm, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { TincanError } from '../errors';
import type { FileSink } from '../chat/files/file-io';
import { sanitizeFileName } from '../chat/files/file-frames';
import { fsyncDirectory } from './file-backend';

/** The largest file the CLI takes without being told otherwise (`--max-file-size`). */
export const defaultMaxReceivedFileBytes = 100 * 1024 * 1024;
const partPrefix = '.tincan-';
const partSuffix = '.part';
/** Names tried with a suffix before giving up (a folder with this many copies of one name). */
const maxNameSuffix = 9_999;

/** A name to save a received file under in one folder: one path component, never "." or "..", never hidden. */
export function downloadFileName(untrusted: string): string {
  // sanitizeFileName: separators, control and invisible characters, leading/trailing dots and spaces, length.
  const name = sanitizeFileName(untrusted).replace(/\.{2,}/g, '.');
  return name === '.' || name === '' ? 'file' : name;
}

/** `name`, then "stem (1).ext", "stem (2).ext"… */
function candidateName(name: string, n: number): string {
  if (n === 0) return name;
  const dot = name.lastIndexOf('.');
  const [stem, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  return `${stem} (${n})${extension}`;
}

function diskError(error: unknown): TincanError {
  const code = (error as NodeJS.ErrnoException).code;
  return new TincanError(code === 'ENOSPC' || code === 'EDQUOT' ? 'FILE_DISK_FULL' : 'STORAGE_UNAVAILABLE', String(error));
}

/** Removes the temporary files a crash left in the folder (none of them is a finished file). */
export async function removeLeftoverParts(directory: string): Promise<void> {
  const names = await readdir(directory).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith(partPrefix) && n.endsWith(partSuffix)).map((n) => rm(path.join(directory, n), { force: true })));
}

/** One received file on its way into `directory`. `path` is set once it is there. */
export class DownloadFileSink implements FileSink {
  readonly isDurable = false;
  readonly canRead = false;
  /** The name it is saved under when that is free (a suffix otherwise). */
  readonly name: string;
  /** Where the finished file is, once commit() resolved. */
  path?: string;
  private readonly partPath: string;
  private handle?: Promise<FileHandle>;
  private isClosed = false;

  constructor(
    private readonly directory: string,
    fileId: string,
    /** Untrusted: made safe here (downloadFileName). */
    name: string,
  ) {
    this.partPath = path.join(directory, `${partPrefix}${fileId.replace(/[^A-Za-z0-9_-]/g, '_')}${partSuffix}`);
    this.name = downloadFileName(name);
  }

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    if (this.isClosed) throw new TincanError('STORAGE_UNAVAILABLE', 'sink closed');
    try {
      const handle = await this.open();
      let done = 0;
      while (done < bytes.length) done += (await handle.write(bytes, done, bytes.length - done, offset + done)).bytesWritten;
    } catch (error) {
      throw diskError(error);
    }
  }

  /** Nothing is kept across a restart before commit (isDurable false): the fsync is commit's. */
  async flush(): Promise<void> {}

  async read(): Promise<Uint8Array> {
    throw new TincanError('STORAGE_UNAVAILABLE', 'a download sink cannot read back');
  }

  /** fsync, then the first free name (link: never over an existing file), then the folder's fsync. */
  async commit(): Promise<string | undefined> {
    if (this.isClosed) throw new TincanError('STORAGE_UNAVAILABLE', 'sink closed');
    try {
      const handle = await this.open(); // an empty file is written by no chunk
      await handle.sync();
      await handle.close();
      this.isClosed = true;
      for (let n = 0; n <= maxNameSuffix; n++) {
        const target = path.join(this.directory, candidateName(this.name, n));
        try {
          await link(this.partPath, target);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
          throw error;
        }
        this.path = target;
        await unlink(this.partPath);
        await fsyncDirectory(this.directory);
        return undefined;
      }
      throw new TincanError('STORAGE_UNAVAILABLE', `no free name for ${this.name}`);
    } catch (error) {
      await rm(this.partPath, { force: true });
      throw error instanceof TincanError ? error : diskError(error);
    }
  }

  async discard(): Promise<void> {
    if (!this.isClosed) {
      this.isClosed = true;
      await this.handle?.then((h) => h.close()).catch(() => undefined);
    }
    await rm(this.partPath, { force: true });
  }

  private open(): Promise<FileHandle> {
    this.handle ??= mkdir(this.directory, { recursive: true, mode: 0o700 }).then(() => open(this.partPath, 'w', 0o600));
    return this.handle;
  }
}
