// In-memory FileSource and FileSink, for tests and the Node peer's small files. The sink models durability: what a
// reopen (a "reload") finds is what was there at the last flush, so a test catches a bitmap that claims unflushed
// chunks.
import { TincanError } from '../../errors';
import type { FileSink, FileSinkFactory, FileSource, IncomingFileInfo } from './file-io';

export function bytesFileSource(bytes: Uint8Array, lastModified = 0): FileSource & { bytes: Uint8Array; reads: number } {
  return {
    bytes,
    reads: 0,
    size: bytes.length,
    lastModified,
    async read(offset, length) {
      this.reads++;
      return this.bytes.slice(offset, offset + length);
    },
  };
}

export interface MemorySinkOptions {
  isDurable?: boolean;
  canRead?: boolean;
  /** Writes fail with FILE_DISK_FULL once this many bytes are in. */
  capacityBytes?: number;
}

export class MemoryFileSink implements FileSink {
  readonly isDurable: boolean;
  readonly canRead: boolean;
  data: Uint8Array;
  /** The bytes as of the last flush: what a reopen finds. */
  flushed: Uint8Array;
  writes = 0;
  committed = false;
  discarded = false;

  constructor(
    readonly ref: string | undefined,
    readonly size: number,
    private readonly options: MemorySinkOptions = {},
    initial?: Uint8Array,
  ) {
    this.isDurable = options.isDurable ?? true;
    this.canRead = options.canRead ?? true;
    this.data = initial ? initial.slice() : new Uint8Array(size);
    this.flushed = this.data.slice();
  }

  async write(offset: number, bytes: Uint8Array): Promise<void> {
    if (this.discarded || this.committed) throw new TincanError('STORAGE_UNAVAILABLE', 'sink closed');
    if (offset + bytes.length > this.size) throw new RangeError('write past the end');
    if (this.options.capacityBytes !== undefined && offset + bytes.length > this.options.capacityBytes) {
      throw new TincanError('FILE_DISK_FULL', `${offset + bytes.length} > ${this.options.capacityBytes}`);
    }
    this.writes++;
    this.data.set(bytes, offset);
  }

  async flush(): Promise<void> {
    if (this.isDurable) this.flushed = this.data.slice();
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (!this.canRead) throw new TincanError('STORAGE_UNAVAILABLE', 'this sink cannot read');
    return this.data.slice(offset, offset + length);
  }

  async commit(): Promise<string | undefined> {
    this.committed = true;
    return this.ref;
  }

  async discard(): Promise<void> {
    this.discarded = true;
    this.data = new Uint8Array(0);
  }
}

/** Sinks by ref; `reopen` gives a new sink holding what the old one had flushed (as after a reload). */
export class MemorySinkFactory implements FileSinkFactory {
  readonly sinks = new Map<string, MemoryFileSink>();
  private next = 0;

  constructor(private readonly options: MemorySinkOptions = {}) {}

  async create(file: IncomingFileInfo): Promise<MemoryFileSink> {
    const sink = new MemoryFileSink(`mem:${file.fileId}:${this.next++}`, file.size, this.options);
    this.sinks.set(sink.ref!, sink);
    return sink;
  }

  async reopen(ref: string, file: IncomingFileInfo): Promise<MemoryFileSink | undefined> {
    const old = this.sinks.get(ref);
    if (!old || old.discarded || !old.isDurable) return undefined;
    const sink = new MemoryFileSink(ref, file.size, this.options, old.flushed);
    this.sinks.set(ref, sink);
    return sink;
  }

  async openFinished(ref: string): Promise<FileSource | undefined> {
    const sink = this.sinks.get(ref);
    return sink?.committed && !sink.discarded ? bytesFileSource(sink.data) : undefined;
  }
}
