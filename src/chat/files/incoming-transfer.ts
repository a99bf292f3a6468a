// The receiving side of one file: offered → (accept) transferring ⇄ interrupted → verifying → done, or declined,
// cancelled (either side) or failed (hash mismatch, disk full, the file changed on the sender's disk).
//
// Untrusted input: every chunk is checked before anything is written, cheapest test first: the transfer must be
// transferring; the index inside the file; not already here or being written; asked for in this run; exactly the
// length its index must have (so a peer lying about the size can write at most `size` bytes, each byte once); and it
// must open under the file key as that very chunk (chunk-codec.ts). Anything else is dropped and counted by reason
// (ChunkDropReason); nothing of it is written.
//
// Hash: BLAKE2b-256 is computed as chunks are taken, in order. Chunks that arrive after a gap (a resumed transfer,
// a chunk dropped for a bad seal) are hashed at the end by reading the written file back from the sink; a sink that
// cannot read back (the save picker) takes chunks only in order. The file is committed (and only then shown as
// complete) when the hash matches the offer's; otherwise it is discarded (FILE_HASH_MISMATCH).
//
// Resume: the chunks written to the sink are a bitmap; every checkpointMs or checkpointBytes the sink is flushed and
// THEN the bitmap is saved, so a saved bitmap never claims a chunk that is not durably on disk. After a drop or a
// reload, file-accept names the saved chunks and the sender sends only the others.
//
// A picture taken without asking (file-acceptance.ts: by its stated type) must be that picture by its first bytes
// (picture-bytes.ts): when chunk 0 says otherwise, nothing of it is written, what was written is discarded, and the
// transfer is offered again with FILE_NOT_A_PICTURE, so the person decides (an HTML page labelled image/png is
// never kept unasked). The sender is not told: its run ends and it waits for the person's accept or decline.
import { isTincanError, type ErrorCode } from '../../errors';
import { ChunkBitmap } from './chunk-bitmap';
import { chunkPlaintextBytes, endOfRunIndex, openChunk } from './chunk-codec';
import type { FileSink, FileSource, IncomingFileInfo } from './file-io';
import { hashReadBytes, StreamingHash } from './file-hash';
import { restKeyBytes, SealedFileSink, sealedFileSource, storedBytesOf } from './sealed-file-sink';
import type { CancelReason } from './file-frames';
import type { ChunkDropReason, TransferProgress, TransferView } from './transfer-events';
import { sniffRasterImage } from './picture-bytes';
import { bytesOfChunks, chunkLength, Transfer, type FileFacts, type TransferHost } from './transfer';
import type { IncomingTransferRecord, TransferState } from './transfer-store';

/** Chunk bytes taken but not yet written; past it chunks are dropped ('write-backlog') and asked for again. */
export const maxPendingWriteBytes = 16 * 1024 * 1024;
/** The received-chunk bitmap is saved after this much new data, and at least every checkpointMs. */
export const checkpointBytes = 8 * 1024 * 1024;
export const checkpointMs = 1_000;
/** Runs in a row that brought nothing new before the receiver stops asking on this connection (a broken sender). */
export const maxFruitlessRuns = 3;
/** A group's file (group-file.ts): copies that did not match the offer's hash, thrown away and asked for again of other
 * members, before the transfer fails. Any member can seal chunks under the file key; none can make them match. */
export const maxGroupMismatches = 2;

/** A live session with the peer; a new one per connection, so an accept is sent once per connection. */
export type Attachment = object;

const cancelCodes: Record<CancelReason, { state: TransferState; code: ErrorCode }> = {
  cancelled: { state: 'cancelled', code: 'FILE_CANCELLED' },
  'file-changed': { state: 'failed', code: 'FILE_CHANGED' },
  'hash-mismatch': { state: 'failed', code: 'FILE_HASH_MISMATCH' },
  'disk-full': { state: 'failed', code: 'FILE_DISK_FULL' },
};

export function cancelOutcome(reason: CancelReason): { state: TransferState; code: ErrorCode } {
  return cancelCodes[reason];
}

/** The wire reason that tells the peer about a final code. */
export function cancelReasonFor(code: ErrorCode | undefined): CancelReason {
  if (code === 'FILE_CHANGED') return 'file-changed';
  if (code === 'FILE_HASH_MISMATCH') return 'hash-mismatch';
  if (code === 'FILE_DISK_FULL') return 'disk-full';
  return 'cancelled';
}

export class IncomingTransfer extends Transfer {
  readonly direction = 'in' as const;
  private sink?: FileSink;
  private sinkRef?: string;
  /** The at-rest key of the file this device keeps (sealed-file-sink.ts); undefined for a file kept before files
   * were sealed (read as it is) and until a sink is first created. */
  private restKey?: Uint8Array;
  /** Written to the sink (not necessarily flushed). */
  private written: ChunkBitmap;
  /** Flushed and saved at the last checkpoint. */
  private checkpointed: ChunkBitmap;
  /** Taken, write in flight. */
  private readonly pending: ChunkBitmap;
  /** Asked for in the current run and not yet taken. */
  private requested?: ChunkBitmap;
  private pendingWriteBytes = 0;
  private hash?: StreamingHash;
  private hashedThrough = 0;
  private runNewChunks = 0;
  private fruitlessRuns = 0;
  private acceptedOn?: Attachment;
  private isResuming = false;
  private isCommitting = false;
  /** The page went away or the profile locked (FileTransfers.dispose): awaits that end later do nothing more. */
  private isDisposed = false;
  /** The record exists in the store (from the accept on). */
  private isSaved: boolean;
  private checkpointing?: Promise<void>;
  private checkpointAgain = false;
  private lastCheckpointAt: number;
  private bytesSinceCheckpoint = 0;
  /** Taken without asking as a picture of its stated type: chunk 0 must be one (kept with the record). */
  private asPicture: boolean;
  /** A group's file: copies thrown away for not matching the offer's hash (this page). */
  private mismatches = 0;

  constructor(host: TransferHost, file: FileFacts, record?: IncomingTransferRecord) {
    super(host, file);
    this.written = record?.received ? ChunkBitmap.fromBytes(file.chunks, record.received) : new ChunkBitmap(file.chunks);
    this.checkpointed = this.written.clone();
    this.pending = new ChunkBitmap(file.chunks);
    this.isSaved = !!record;
    this.lastCheckpointAt = host.now();
    this.asPicture = record?.asPicture === true;
    if (!record) return;
    this.sinkRef = record.sinkRef;
    this.finishedRef = record.finishedRef;
    this.restKey = record.restKey?.slice();
    this.code = record.code;
    // A transfer that was running when the page went away continues when the peer is back.
    const wasRunning = record.state === 'transferring' || record.state === 'verifying' || record.state === 'interrupted';
    this.state = wasRunning ? 'interrupted' : record.state;
    if (wasRunning) this.code = 'FILE_CONNECTION_LOST';
  }

  get bytes(): number {
    if (this.state === 'done') return this.file.size;
    return bytesOfChunks(this.file, this.written.count, this.written.has(this.file.chunks - 1));
  }

  record(): IncomingTransferRecord {
    const { fileId, peerId, conversation, name, size, mime, chunkBytes, chunks, hash, key, createdAt, group, from } = this.file;
    const live = !this.isFinal && this.sink?.isDurable !== false;
    return {
      direction: 'in', fileId, peerId, conversation, name, size, mime, chunkBytes, chunks, hash, key: key.slice(), createdAt,
      ...(group !== undefined ? { group } : {}),
      ...(from !== undefined ? { from } : {}),
      state: this.state,
      ...(this.code ? { code: this.code } : {}),
      ...(live ? { received: this.checkpointed.toBytes() } : {}),
      ...(live && this.sinkRef ? { sinkRef: this.sinkRef } : {}),
      ...(this.finishedRef ? { finishedRef: this.finishedRef } : {}),
      ...(this.restKey ? { restKey: this.restKey.slice() } : {}),
      ...(this.asPicture ? { asPicture: true as const } : {}),
    };
  }

  override view(): TransferView {
    const view = super.view();
    return this.asPicture ? { ...view, asPicture: true } : view;
  }

  protected savedRecord(): IncomingTransferRecord | undefined {
    return this.isSaved ? this.record() : undefined;
  }

  /** The person accepted. `sink`: one the UI opened (the save picker needs the click); else the factory's.
   * `asPicture`: taken without asking as a picture of its stated type, which its first bytes must then be. */
  async accept(attachment: Attachment | undefined, sink?: FileSink, asPicture = false): Promise<void> {
    if (this.state !== 'offered') return;
    if (asPicture && this.code === 'FILE_NOT_A_PICTURE') return; // the person was asked: only they accept it now
    const opened = sink ?? (await this.createSealedSink());
    if (this.state !== 'offered' || this.isDisposed) {
      await opened.discard().catch(() => undefined);
      return;
    }
    this.useSink(opened, true);
    this.asPicture = asPicture;
    this.isSaved = true;
    this.startRun(attachment);
  }

  /** A group's offer is kept from its arrival: it came once, in a message, and nobody offers it again after a reload. */
  keepOffer(): void {
    if (this.isSaved) return;
    this.isSaved = true;
    this.host.save(this.record());
  }

  /** The peer is back (or offered again): ask for what is missing. */
  async resume(attachment: Attachment): Promise<void> {
    if (this.state !== 'interrupted' || this.acceptedOn === attachment || this.isResuming) return;
    this.isResuming = true;
    try {
      if (!this.sink) {
        const stored = this.sinkRef ? await this.host.sinks.reopen(this.sinkRef, this.storedInfo()).catch(() => undefined) : undefined;
        // A sink kept before files were sealed at rest (no restKey) goes on as it is.
        const reopened = stored && this.restKey ? new SealedFileSink(this.host.sodium, this.restKey, this.file, stored) : stored;
        const sink = reopened ?? (await this.createSealedSink());
        if (this.state !== 'interrupted' || this.isDisposed) {
          if (!reopened) await sink.discard().catch(() => undefined);
          return;
        }
        this.useSink(sink, !reopened);
      }
      this.startRun(attachment);
    } catch (error) {
      this.failStorage(error);
    } finally {
      this.isResuming = false;
    }
  }

  /** The same offer again (the sender reconnected): answer from where this transfer stands. */
  handleOffer(attachment: Attachment): void {
    switch (this.state) {
      case 'interrupted':
        void this.resume(attachment);
        return;
      case 'done':
        this.send({ type: 'file-done', conversation: this.file.conversation, fileId: this.file.fileId });
        return;
      case 'declined':
        this.send({ type: 'file-decline', conversation: this.file.conversation, fileId: this.file.fileId, reason: 'declined' });
        return;
      case 'cancelled':
      case 'failed':
        this.send({ type: 'file-cancel', conversation: this.file.conversation, fileId: this.file.fileId, reason: cancelReasonFor(this.code) });
        return;
      default:
        return; // offered (still shown), transferring, verifying: nothing to add
    }
  }

  /** One bulk-channel message for this file; the reason when it was dropped. */
  receiveChunk(index: number, message: Uint8Array): ChunkDropReason | undefined {
    if (this.state !== 'transferring' || !this.sink) return 'not-transferring';
    const { sodium } = this.host;
    if (index === endOfRunIndex) {
      const plain = openChunk(sodium, this.file.key, message);
      if (!plain || plain.length !== 0) return 'bad-seal';
      this.endOfRun();
      return undefined;
    }
    if (index >= this.file.chunks) return 'out-of-range';
    if (this.written.has(index) || this.pending.has(index)) return 'duplicate';
    if (!this.requested?.has(index)) return 'unrequested';
    const length = chunkLength(this.file, index);
    if (chunkPlaintextBytes(message) !== length) return 'bad-length';
    if (!this.sink.canRead && index !== this.hashedThrough) return 'out-of-order';
    if (this.pendingWriteBytes + length > maxPendingWriteBytes) return 'write-backlog';
    const plain = openChunk(sodium, this.file.key, message);
    if (!plain || plain.length !== length) return 'bad-seal';
    if (index === 0 && this.asPicture && sniffRasterImage(plain) !== this.file.mime) {
      this.askAboutPicture();
      return 'not-a-picture';
    }
    this.requested.clear(index);
    this.pending.set(index);
    this.runNewChunks++;
    this.pendingWriteBytes += length;
    if (index === this.hashedThrough) {
      this.hash!.update(plain);
      this.hashedThrough++;
    }
    const sink = this.sink;
    sink.write(index * this.file.chunkBytes, plain).then(
      () => this.chunkWritten(sink, index, length),
      (error: unknown) => {
        if (sink === this.sink) this.failStorage(error);
      },
    );
    return undefined;
  }

  /** The connection ended: keep what is written, resume on the next one. */
  interrupt(): void {
    this.acceptedOn = undefined;
    if (this.state !== 'transferring') return;
    this.requested = undefined;
    this.setState('interrupted', 'FILE_CONNECTION_LOST');
    void this.checkpoint();
    this.reportResumable('FILE_CONNECTION_LOST');
  }

  decline(): void {
    if (this.state !== 'offered') return;
    this.end('declined', 'FILE_DECLINED', false, { type: 'file-decline', conversation: this.file.conversation, fileId: this.file.fileId, reason: 'declined' });
  }

  /** The person cancelled (an offer not yet answered is declined). */
  cancel(): void {
    if (this.state === 'offered') return this.decline();
    if (this.isFinal || this.isCommitting) return;
    this.end('cancelled', 'FILE_CANCELLED', false, { type: 'file-cancel', conversation: this.file.conversation, fileId: this.file.fileId, reason: 'cancelled' });
  }

  handleCancel(reason: CancelReason): void {
    if (this.isFinal || this.isCommitting) return;
    const outcome = cancelOutcome(reason);
    this.end(outcome.state, outcome.code, true);
  }

  /** Progress sample, and a checkpoint when the last one is checkpointMs old. */
  override tick(now: number): TransferProgress | undefined {
    const progress = super.tick(now);
    if (progress && now - this.lastCheckpointAt >= checkpointMs && this.written.count !== this.checkpointed.count) void this.checkpoint();
    return progress;
  }

  /** The finished file's plaintext, read from this device's sealed copy; undefined unless done and kept. */
  async openFinished(): Promise<FileSource | undefined> {
    if (this.state !== 'done' || !this.finishedRef) return undefined;
    const stored = await this.host.sinks.openFinished(this.finishedRef);
    if (!stored || !this.restKey) return stored;
    return sealedFileSource(this.host.sodium, this.restKey, this.file, stored);
  }

  override wipeKey(): void {
    super.wipeKey();
    if (this.restKey) this.host.sodium.memzero(this.restKey);
  }

  /** Frees the hash (the page goes away; nothing is sent or saved). */
  dispose(): void {
    this.isDisposed = true;
    this.hash?.dispose();
    this.hash = undefined;
    this.sink = undefined;
  }

  // ------------------------------------------------------------------------------------------------------------

  /** Taken without asking as a picture, but chunk 0 is not that picture: stop taking chunks, discard what was
   * written, and offer it to the person again with the reason (saved, so a reload still asks). */
  private askAboutPicture(): void {
    this.asPicture = false;
    this.acceptedOn = undefined;
    this.release();
    this.sinkRef = undefined;
    this.written = new ChunkBitmap(this.file.chunks);
    this.checkpointed = this.written.clone();
    this.setState('offered', 'FILE_NOT_A_PICTURE');
  }

  /** A group's copy did not match the offer's hash: the member it came from is told, the copy is thrown away (a new
   * at-rest key for the next), and the transfer waits, interrupted, for file-transfers.ts to ask another member. */
  private startOver(): void {
    this.mismatches++;
    this.send({ type: 'file-cancel', conversation: this.file.conversation, fileId: this.file.fileId, reason: 'hash-mismatch' });
    this.acceptedOn = undefined;
    this.release();
    this.sinkRef = undefined;
    if (this.restKey) this.host.sodium.memzero(this.restKey);
    this.restKey = undefined;
    this.written = new ChunkBitmap(this.file.chunks);
    this.checkpointed = this.written.clone();
    this.setState('interrupted', 'FILE_HASH_MISMATCH');
    this.reportResumable('FILE_HASH_MISMATCH');
  }

  /** What the platform's sink holds: the sealed file (sealed-file-sink.ts). */
  private storedInfo(): IncomingFileInfo {
    const { fileId, name, mime, peerId } = this.file;
    return { fileId, name, mime, peerId, size: storedBytesOf(this.file) };
  }

  /** A new platform sink, sealed at rest under this transfer's key (made with the first sink, kept with the record
   * before any chunk is checkpointed). */
  private async createSealedSink(): Promise<FileSink> {
    this.restKey ??= this.host.sodium.randombytes_buf(restKeyBytes);
    return new SealedFileSink(this.host.sodium, this.restKey, this.file, await this.host.sinks.create(this.storedInfo()));
  }

  private useSink(sink: FileSink, isFresh: boolean): void {
    this.sink = sink;
    this.sinkRef = sink.ref;
    if (isFresh) {
      this.written = new ChunkBitmap(this.file.chunks);
      this.checkpointed = this.written.clone();
    }
    // The hash restarts with every sink (and after a reload): chunks already written are read back at the end.
    this.hash?.dispose();
    this.hash = new StreamingHash(this.host.sodium);
    this.hashedThrough = 0;
    if (!sink.canRead && !isFresh) {
      // A reopened sink that cannot read back what it holds: the hash needs every byte, so start over.
      this.written = new ChunkBitmap(this.file.chunks);
      this.checkpointed = this.written.clone();
    }
  }

  private startRun(attachment: Attachment | undefined): void {
    this.rate.reset();
    this.fruitlessRuns = 0;
    if (this.written.isComplete) {
      this.setState('transferring');
      void this.verify();
      return;
    }
    if (!attachment) {
      this.setState('interrupted', 'FILE_CONNECTION_LOST');
      return;
    }
    this.setState('transferring');
    this.sendAccept(attachment);
  }

  private sendAccept(attachment: Attachment): void {
    const have = this.written.union(this.pending).haveRanges();
    this.requested = ChunkBitmap.fromRanges(this.file.chunks, have).complement();
    this.runNewChunks = 0;
    this.acceptedOn = attachment;
    const sent = this.send({ type: 'file-accept', conversation: this.file.conversation, fileId: this.file.fileId, have });
    if (!sent) this.interrupt();
  }

  private endOfRun(): void {
    if (this.written.union(this.pending).isComplete) return; // the rest is being written
    this.fruitlessRuns = this.runNewChunks === 0 ? this.fruitlessRuns + 1 : 0;
    if (this.fruitlessRuns >= maxFruitlessRuns) {
      // The sender keeps sending nothing usable: stop asking on this connection; the next one tries again.
      this.interrupt();
      return;
    }
    this.sendAccept(this.acceptedOn!);
  }

  private chunkWritten(sink: FileSink, index: number, length: number): void {
    this.pending.clear(index);
    this.pendingWriteBytes -= length;
    if (sink !== this.sink || this.isFinal) return;
    this.written.set(index);
    this.bytesSinceCheckpoint += length;
    if (this.written.isComplete) void this.verify();
    else if (this.bytesSinceCheckpoint >= checkpointBytes) void this.checkpoint();
  }

  /** Flushes the sink, then saves the bitmap of what the flush covered. */
  private checkpoint(): Promise<void> {
    if (!this.sink?.isDurable || !this.isSaved) return Promise.resolve();
    if (this.checkpointing) {
      this.checkpointAgain = true;
      return this.checkpointing;
    }
    const sink = this.sink;
    const run = async () => {
      do {
        this.checkpointAgain = false;
        const snapshot = this.written.clone();
        this.bytesSinceCheckpoint = 0;
        this.lastCheckpointAt = this.host.now();
        try {
          await sink.flush();
        } catch (error) {
          if (sink === this.sink) this.failStorage(error);
          return;
        }
        if (sink !== this.sink || this.isFinal) return;
        this.checkpointed = snapshot;
        this.host.save(this.record());
      } while (this.checkpointAgain);
    };
    this.checkpointing = run().finally(() => (this.checkpointing = undefined));
    return this.checkpointing;
  }

  private async verify(): Promise<void> {
    if (this.state !== 'transferring' && this.state !== 'interrupted') return;
    const sink = this.sink!;
    const hash = this.hash!;
    this.requested = undefined;
    this.setState('verifying');
    let digest: Uint8Array;
    try {
      if (this.hashedThrough < this.file.chunks) {
        if (!sink.canRead) throw new Error('chunks out of order in a sink that cannot read back');
        const end = this.file.size;
        for (let offset = this.hashedThrough * this.file.chunkBytes; offset < end; offset += hashReadBytes) {
          const bytes = await sink.read(offset, Math.min(hashReadBytes, end - offset));
          if (!this.isIn('verifying') || sink !== this.sink) return;
          hash.update(bytes);
        }
        this.hashedThrough = this.file.chunks;
      }
      digest = hash.digest();
      this.hash = undefined;
    } catch (error) {
      if (sink === this.sink) this.failStorage(error);
      return;
    }
    if (!this.isIn('verifying')) return;
    if (!this.host.sodium.memcmp(digest, this.file.hash)) {
      if (this.file.group !== undefined && this.mismatches < maxGroupMismatches) return this.startOver();
      this.end('failed', 'FILE_HASH_MISMATCH', false, { type: 'file-cancel', conversation: this.file.conversation, fileId: this.file.fileId, reason: 'hash-mismatch' });
      return;
    }
    this.isCommitting = true;
    let finishedRef: string | undefined;
    try {
      await sink.flush();
      finishedRef = await sink.commit();
    } catch (error) {
      this.isCommitting = false;
      this.failStorage(error);
      return;
    }
    if (sink !== this.sink) return; // disposed meanwhile (the page went away): the next unlock verifies again
    this.sink = undefined;
    this.finishedRef = finishedRef;
    this.code = undefined;
    this.setState('done');
    this.send({ type: 'file-done', conversation: this.file.conversation, fileId: this.file.fileId });
    this.host.done(this.view());
  }

  private failStorage(error: unknown): void {
    if (this.isFinal) return;
    const code: ErrorCode = isTincanError(error, 'FILE_DISK_FULL') ? 'FILE_DISK_FULL' : isTincanError(error, 'FILE_DAMAGED') ? 'FILE_DAMAGED' : 'STORAGE_UNAVAILABLE';
    this.isCommitting = false;
    this.end('failed', code, false, { type: 'file-cancel', conversation: this.file.conversation, fileId: this.file.fileId, reason: cancelReasonFor(code) });
  }

  protected release(): void {
    this.requested = undefined;
    this.hash?.dispose();
    this.hash = undefined;
    const sink = this.sink;
    this.sink = undefined;
    if (sink) void sink.discard().catch(() => undefined);
  }
}
