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
// at all (and a `.part` file the next start removes). A temporary name carries its home's tag
// (`.tincan-<tag>-<fileId>.part`, downloadsTag): several homes may share one `--downloads` folder, and each start
// removes only its own home's leftovers, never the files another home is receiving.
//
// Room (downloadRefusal): an always-on peer must not fill its disk because contacts keep sending. A file is declined
// when the folder's filesystem would keep less than keepFreeBytes free (default 1 GiB) once this file and the rest of
// those being received are written, or when the folder (every plain file in it, others' temporary files included)
// plus the files being received plus this one would pass `--max-downloads-size`. Both are read at each offer, so
// files the person moves out or deletes make room again.
//
// The sink takes chunks in order and cannot read back (like the browser's save picker, file-io.ts canRead false): the
// transfer hashes them as they arrive and checks the hash before commit; a file interrupted by a lost connection
// goes on from where it stopped on the next one while this process runs (the sink stays in memory), and is cancelled
// at the next start after a restart (docs/node-peer.md §7).
import { createHash } from 'node:crypto';
import { link, lstat, mkdir, open, readdir, rm, statfs, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { TincanError } from '../errors';
import type { FileSink } from '../chat/files/file-io';
import { sanitizeFileName } from '../chat/files/file-frames';
import { fsyncDirectory } from './file-backend';

/** The largest file the CLI takes without being told otherwise (`--max-file-size`). */
export const defaultMaxReceivedFileBytes = 100 * 1024 * 1024;
/** Free space the downloads folder's filesystem keeps: a file that would leave less is declined. */
export const defaultKeepFreeBytes = 1024 * 1024 * 1024;
const partPrefix = '.tincan-';
const partSuffix = '.part';
/** Hex characters of a home's tag in its temporary names. */
const tagLength = 16;
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

/**
 * The tag of one home's temporary names: from its folder's absolute path, which only one process at a time holds
 * (the home's lock), so no two running peers share a tag.
 */
export function downloadsTag(home: string): string {
  return createHash('sha256').update(path.resolve(home)).digest('hex').slice(0, tagLength);
}

/** A temporary name from before names carried a home's tag (`.tincan-<fileId>.part`, a 12-byte file id in
 * base64url): whoever left it was a crashed peer of an older version, and it would count against the folder's budget. */
const untaggedPart = /^\.tincan-[A-Za-z0-9_-]{16}\.part$/;

/** Removes the temporary files a crash of this home (`tag`) left in the folder, and untagged ones of older versions;
 * another home's are left alone. */
export async function removeLeftoverParts(directory: string, tag: string): Promise<void> {
  const names = await readdir(directory).catch(() => [] as string[]);
  const own = `${partPrefix}${tag}-`;
  const leftover = (n: string) => (n.startsWith(own) && n.endsWith(partSuffix)) || untaggedPart.test(n);
  await Promise.all(names.filter(leftover).map((n) => rm(path.join(directory, n), { force: true })));
}

/** How much the downloads folder may take: OpenTincanOptions.files. */
export interface DownloadLimits {
  readonly directory: string;
  /** One file. */
  readonly maxBytes: number;
  /** The folder's plain files and the files being received, together (`--max-downloads-size`); none when absent. */
  readonly maxTotalBytes?: number;
  /** Free space its filesystem keeps. */
  readonly keepFreeBytes: number;
}

/** Why a file is declined for lack of room: larger than one file may be, the disk would be too full, the folder's budget spent. */
export type DownloadRefusal = 'too-large' | 'no-space' | 'downloads-full';

/**
 * Whether a file of `size` bytes fits beside `receiving` (the files this peer is receiving now): undefined when it
 * does. Reads the folder and its filesystem now (the person may have moved files out).
 */
export async function downloadRefusal(limits: DownloadLimits, size: number, receiving: readonly DownloadFileSink[]): Promise<DownloadRefusal | undefined> {
  if (size > limits.maxBytes) return 'too-large';
  await mkdir(limits.directory, { recursive: true, mode: 0o700 });
  const owed = receiving.reduce((sum, sink) => sum + Math.max(0, sink.size - sink.writtenBytes), 0);
  const disk = await statfs(limits.directory);
  if (disk.bavail * disk.bsize - owed - size < limits.keepFreeBytes) return 'no-space';
  if (limits.maxTotalBytes !== undefined) {
    const ownParts = new Set(receiving.map((sink) => sink.partName));
    const inFolder = await folderBytes(limits.directory, ownParts);
    const promised = receiving.reduce((sum, sink) => sum + sink.size, 0);
    if (inFolder + promised + size > limits.maxTotalBytes) return 'downloads-full';
  }
  return undefined;
}

/** The bytes of the plain files directly in `directory`, but for the names in `except`. */
async function folderBytes(directory: string, except: ReadonlySet<string>): Promise<number> {
  const names = (await readdir(directory)).filter((n) => !except.has(n));
  const sizes = await Promise.all(names.map((n) => lstat(path.join(directory, n)).then((s) => (s.isFile() ? s.size : 0), () => 0)));
  return sizes.reduce((sum, bytes) => sum + bytes, 0);
}

/** One received file on its way into `directory`. `path` is set once it is there. */
export class DownloadFileSink implements FileSink {
  readonly isDurable = false;
  readonly canRead = false;
  /** The name it is saved under when that is free (a suffix otherwise). */
  readonly name: string;
  /** Where the finished file is, once commit() resolved. */
  path?: string;
  /** The temporary file's name in the folder. */
  readonly partName: string;
  /** The end of the furthest chunk written so far (chunks come in order). */
  writtenBytes = 0;
  private readonly partPath: string;
  private handle?: Promise<FileHandle>;
  private isClosed = false;

  constructor(
    private readonly directory: string,
    /** This home's downloadsTag. */
    tag: string,
    fileId: string,
    /** Untrusted: made safe here (downloadFileName). */
    name: string,
    /** The size its offer states. */
    readonly size: number,
  ) {
    this.partName = `${partPrefix}${tag}-${fileId.replace(/[^A-Za-z0-9_-]/g, '_')}${partSuffix}`;
    this.partPath = path.join(directory, this.partName);
    this.name = downloadFileName(name);
  }

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    if (this.isClosed) throw new TincanError('STORAGE_UNAVAILABLE', 'sink closed');
    try {
      const handle = await this.open();
      let done = 0;
      while (done < bytes.length) done += (await handle.write(bytes, done, bytes.length - done, offset + done)).bytesWritten;
      this.writtenBytes = Math.max(this.writtenBytes, offset + bytes.length);
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
