// A RecordBackend in a directory, for Node (the coming Node peer, and tests): every record in memory, every write
// batch appended to one journal file, the journal compacted into a snapshot file on open.
//
// Files in the directory
//   records.journal    the current file: a sequence of frames, each ONE write batch
//   records.journal.tmp    a compacted journal being written (renamed over records.journal when complete)
// Frame layout (integers big-endian)
//   offset  size  field
//   0       4     payload length P
//   4       32    SHA-256 of the payload
//   36      P     payload: JSON array of batch entries: ["put", key, base64 value] | ["del", key] | ["delp", prefix]
// Atomicity: a batch is visible once its whole frame is on disk (written, then fsync). On open, frames are replayed
// in order until the first incomplete frame or one whose hash fails (a crash in the middle of an append); that
// tail is cut off before anything new is appended, so a torn batch is never half applied. A write that fails in
// the middle (disk full) is cut back off at once, so the next batch starts right after the last complete one. Compaction writes the
// live records as one frame to records.journal.tmp, fsyncs it, renames it over records.journal (atomic on POSIX)
// and fsyncs the directory.
import { createHash } from 'node:crypto';
import { mkdir, open, rename } from 'node:fs/promises';
import path from 'node:path';
import { MemoryRecordBackend } from '../store/memory-backend';
import { checkBatch, mapStorageErrors, type RecordBackend, type RecordWrite } from '../store/record-backend';

export const journalFileName = 'records.journal';
const frameHeaderBytes = 4 + 32;
/** Compact on open when the journal is this many times the size of the live records (and at least 1 MiB). */
const compactionRatio = 2;
const compactionMinBytes = 1024 * 1024;

type JournalEntry = ['put', string, string] | ['del', string] | ['delp', string];

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

function frame(entries: readonly JournalEntry[]): Buffer {
  const payload = Buffer.from(JSON.stringify(entries), 'utf8');
  const header = Buffer.alloc(frameHeaderBytes);
  header.writeUInt32BE(payload.length, 0);
  sha256(payload).copy(header, 4);
  return Buffer.concat([header, payload]);
}

function toEntries(batch: readonly RecordWrite[]): JournalEntry[] {
  return batch.map((write): JournalEntry => {
    if ('value' in write) return ['put', write.key, Buffer.from(write.value).toString('base64')];
    if ('remove' in write) return ['del', write.key];
    return ['delp', write.prefix];
  });
}

function toWrites(entries: readonly JournalEntry[]): RecordWrite[] {
  return entries.map((entry): RecordWrite => {
    if (entry[0] === 'put') return { key: entry[1], value: new Uint8Array(Buffer.from(entry[2], 'base64')) };
    if (entry[0] === 'del') return { key: entry[1], remove: true };
    return { prefix: entry[1], removePrefix: true };
  });
}

function isJournalEntries(value: unknown): value is JournalEntry[] {
  return (
    Array.isArray(value) &&
    value.every(
      (entry) =>
        Array.isArray(entry) &&
        ((entry[0] === 'put' && entry.length === 3 && typeof entry[1] === 'string' && typeof entry[2] === 'string') ||
          ((entry[0] === 'del' || entry[0] === 'delp') && entry.length === 2 && typeof entry[1] === 'string')),
    )
  );
}

/** Replays the journal's complete frames; returns the records and the length of the intact part. */
async function replay(journal: Buffer): Promise<{ records: MemoryRecordBackend; intactBytes: number }> {
  const records = new MemoryRecordBackend();
  let offset = 0;
  while (offset + frameHeaderBytes <= journal.length) {
    const length = journal.readUInt32BE(offset);
    const end = offset + frameHeaderBytes + length;
    if (end > journal.length) break;
    const payload = journal.subarray(offset + frameHeaderBytes, end);
    if (!sha256(payload).equals(journal.subarray(offset + 4, offset + frameHeaderBytes))) break;
    let entries: unknown;
    try {
      entries = JSON.parse(payload.toString('utf8'));
    } catch {
      break;
    }
    if (!isJournalEntries(entries)) break;
    await records.write(toWrites(entries));
    offset = end;
  }
  return { records, intactBytes: offset };
}

/** The records in memory (MemoryRecordBackend answers every read), each batch made durable in the journal first. */
class FileRecordBackend extends MemoryRecordBackend {
  private queue: Promise<unknown> = Promise.resolve();
  /** Set when a failed append could not be cut back off the journal: nothing more may be appended after it. */
  private isBroken = false;

  constructor(
    records: Map<string, Uint8Array>,
    private readonly journalPath: string,
    /** Length of the journal's complete frames: where the next frame starts. */
    private intactBytes: number,
  ) {
    super(records);
  }

  /** Every batch is synced to disk before it resolves, so a `durable` write (record-backend.ts) needs nothing more. */
  override write(batch: readonly RecordWrite[]): Promise<void> {
    const run = this.queue.then(async () => {
      this.checkOpen();
      checkBatch(batch);
      if (batch.length === 0) return;
      if (this.isBroken) throw new Error('the journal could not be repaired after a failed write: reopen the store');
      // On disk first: memory changes only once the whole frame is durable. The file is opened per batch, so a
      // dropped backend (a test's simulated crash) leaves no descriptor behind.
      const bytes = frame(toEntries(batch));
      const journal = await open(this.journalPath, 'r+');
      try {
        await journal.write(bytes, 0, bytes.length, this.intactBytes);
        await journal.datasync();
      } catch (error) {
        // A torn frame must not stay in front of the next one (which would then be lost on replay): cut the
        // journal back to its last complete frame, or refuse further writes if even that fails.
        await journal.truncate(this.intactBytes).then(
          () => journal.datasync(),
          () => (this.isBroken = true),
        );
        throw error;
      } finally {
        await journal.close();
      }
      this.intactBytes += bytes.length;
      await super.write(batch);
    });
    this.queue = run.catch(() => undefined);
    return mapStorageErrors(() => run);
  }

  override clear(): Promise<void> {
    return this.write([{ prefix: '', removePrefix: true }]);
  }
}

/** fsync of a folder: a rename or link in it survives a crash once this resolved. */
export async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Opens (creating if needed) the records kept in `directory`. One process at a time may open a directory. */
export async function openFileBackend(directory: string): Promise<RecordBackend> {
  return mapStorageErrors(async () => {
    await mkdir(directory, { recursive: true });
    const journalPath = path.join(directory, journalFileName);
    const existing = await open(journalPath, 'a+');
    let bytes: Buffer;
    try {
      bytes = await existing.readFile();
    } finally {
      await existing.close();
    }
    const { records, intactBytes } = await replay(bytes);
    let liveBytes = 0;
    for (const value of records.records.values()) liveBytes += value.length;
    const needsCompaction = intactBytes > compactionMinBytes && intactBytes > compactionRatio * liveBytes;
    if (intactBytes === bytes.length && !needsCompaction) return new FileRecordBackend(records.records, journalPath, intactBytes);
    // A torn tail, or too much history: write the live records as one frame and swap the files.
    const temporary = `${journalPath}.tmp`;
    const compacted = await open(temporary, 'w');
    const entries: JournalEntry[] = [...records.records].map(([key, value]) => ['put', key, Buffer.from(value).toString('base64')]);
    const snapshot = entries.length > 0 ? frame(entries) : Buffer.alloc(0);
    try {
      await compacted.writeFile(snapshot);
      await compacted.sync();
    } finally {
      await compacted.close();
    }
    await rename(temporary, journalPath);
    await fsyncDirectory(directory);
    return new FileRecordBackend(records.records, journalPath, snapshot.length);
  });
}
