// Where a file's bytes come from and go to, DOM-free: the sender reads a FileSource (a File in the browser,
// platform/file-source.ts), the receiver writes a FileSink (OPFS or the File System Access API,
// platform/file-sink*.ts; memory in tests, memory-file.ts). Neither side ever holds a whole file.

/** The file being sent. A browser File is a snapshot: reading it after it changed on disk fails (Chromium
 * NotReadableError), which read() reports as TincanError FILE_CHANGED. */
export interface FileSource {
  readonly size: number;
  /** ms since the epoch, as the file system says (File.lastModified). */
  readonly lastModified: number;
  /** Exactly `length` bytes from `offset` (the caller never reads past the end). */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** Where an incoming file is written, chunk by chunk, in any order. */
export interface FileSink {
  /** Written bytes survive a reload once flush() resolved (OPFS sync access handle). False when nothing is kept
   * until commit (the save picker's writable): then a reload starts the transfer over. */
  readonly isDurable: boolean;
  /** read() works before commit. A sink that cannot read takes chunks only in order (the hash is computed as they
   * arrive); one that can is read back at the end for the chunks that arrived out of order (a resumed transfer). */
  readonly canRead: boolean;
  /** What FileSinkFactory.reopen needs to find this sink again after a reload; absent if it cannot be reopened. */
  readonly ref?: string;
  /** Throws TincanError FILE_DISK_FULL when there is no room, STORAGE_UNAVAILABLE for other storage failures. */
  write(offset: number, bytes: Uint8Array): Promise<void>;
  flush(): Promise<void>;
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Every byte is written and the hash matched: makes it the finished file. Resolves to the finished file's
   * reference (what the UI hands to the person: platform/file-sink.ts openFinishedFile), or undefined when the
   * file is already where the person chose (save picker). */
  commit(): Promise<string | undefined>;
  /** Throws away everything written (cancelled, hash mismatch). Idempotent. */
  discard(): Promise<void>;
}

export interface IncomingFileInfo {
  readonly fileId: string;
  readonly name: string;
  /** Bytes the sink will hold: the sealed size (sealed-file-sink.ts storedBytesOf) for the sinks a transfer
   * seals, the file's own size for a sink the person chose (the save picker). */
  readonly size: number;
  readonly mime: string;
  readonly peerId: string;
}

export interface FileSinkFactory {
  create(file: IncomingFileInfo): Promise<FileSink>;
  /** The sink with this ref, as it was after its last flush, or undefined when it is gone. */
  reopen(ref: string, file: IncomingFileInfo): Promise<FileSink | undefined>;
  /** The finished file with this ref (what FileSink.commit returned), as stored, or undefined when it is gone. */
  openFinished(ref: string): Promise<FileSource | undefined>;
}
