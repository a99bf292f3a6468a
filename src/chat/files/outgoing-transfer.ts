// The sending side of one file: preparing (hashing) → offered → transferring ⇄ interrupted → verifying (all sent,
// waiting for the receiver's file-done) → done, or declined, cancelled (either side) or failed.
//
// Every file-accept starts a run: the chunks the receiver lacks, in ascending order, read from the source in
// readAheadChunks batches, each sealed with the file key under a fresh run salt (chunk-codec.ts), then an end-of-run
// marker. Before each run the source is checked against what was offered (size, lastModified, BLAKE2b-256 of the
// first chunk): a file that changed on disk is refused with FILE_CHANGED rather than sent as a mix of two versions.
// A change elsewhere in the file that keeps size and date is not seen here, but the receiver's whole-file hash
// catches it (FILE_HASH_MISMATCH), and the per-run salt keeps the AEAD nonces unique even then. A source that
// cannot be read (Chromium's NotReadableError for a file modified after it was picked) is FILE_CHANGED too.
import { isTincanError } from '../../errors';
import { toBase64Url } from '../../crypto/bytes';
import type { Sodium } from '../../crypto/sodium';
import type { BulkMessage, BulkRun } from './bulk-sender';
import { ChunkBitmap } from './chunk-bitmap';
import { endOfRunIndex, runSaltBytes, sealChunk } from './chunk-codec';
import type { FileSource } from './file-io';
import { hashBytes, hashSource } from './file-hash';
import type { CancelReason, ChunkRanges, DeclineReason, FileFrame } from './file-frames';
import { cancelOutcome } from './incoming-transfer';
import { bytesOfChunks, chunkLength, Transfer, type FileFacts, type TransferHost } from './transfer';
import type { OutgoingTransferRecord } from './transfer-store';

/** Chunks read from the source at once (about 1 MiB): fewer, larger reads; never much in memory. */
export const readAheadChunks = 16;

/** What the sender needs beyond the shared file facts. */
export interface SourceFacts {
  readonly lastModified: number;
  readonly firstChunkHash: Uint8Array;
  readonly sourceRef?: string;
}

/** What the coordinator lends an outgoing transfer. */
export interface OutgoingHost extends TransferHost {
  /** Opens the source again after a reload (the lead's FileSourceResolver); undefined when it cannot. */
  resolveSource(record: OutgoingTransferRecord): Promise<FileSource | undefined>;
  /** Queues a run on the peer's bulk channel; false when the peer is not attached. */
  startRun(peerId: string, run: BulkRun): boolean;
  stopRun(peerId: string, fileId: string): void;
  /** Has the peer's bulk sender report which handed messages left this device (bulk-sender.ts settle). */
  settleSent(peerId: string): void;
}

export class OutgoingTransfer extends Transfer {
  readonly direction = 'out' as const;
  private source?: FileSource;
  private sourceFacts?: SourceFacts;
  private run?: SendRun;
  /** Bytes the receiver had when the current run started, and plaintext bytes of this run that left this device
   * since (whole chunks, counted by the bulk sender: never more than was sent, never going back). */
  private baseBytes = 0;
  private leftBytes = 0;
  /** The run whose messages count in leftBytes: the current one, also after its end marker was handed over. */
  private countedRun?: SendRun;
  /** Plaintext bytes handed to the channel over every run of this page: more than the size when chunks were sent
   * again (lost with a connection). */
  private totalHandedBytes = 0;
  /** An accept that waits for the person to choose the file again (FILE_SOURCE_MISSING). */
  private waitingHave?: ChunkRanges;
  private acceptSequence = 0;

  constructor(
    protected override readonly host: OutgoingHost,
    file: FileFacts,
    source: FileSource | undefined,
    record?: OutgoingTransferRecord,
  ) {
    super(host, file);
    this.source = source;
    if (!record) {
      this.state = 'preparing';
      return;
    }
    this.sourceFacts = { lastModified: record.lastModified, firstChunkHash: record.firstChunkHash, ...(record.sourceRef ? { sourceRef: record.sourceRef } : {}) };
    this.code = record.code;
    const wasRunning = record.state === 'transferring' || record.state === 'verifying' || record.state === 'interrupted';
    this.state = wasRunning ? 'interrupted' : record.state === 'preparing' ? 'cancelled' : record.state;
    if (wasRunning) this.code = 'FILE_CONNECTION_LOST';
  }

  get bytes(): number {
    if (this.state === 'done') return this.file.size;
    if (this.state === 'transferring' || this.state === 'verifying') this.host.settleSent(this.file.peerId);
    return Math.min(this.file.size, this.baseBytes + this.leftBytes);
  }

  override get sentBytes(): number {
    return this.totalHandedBytes;
  }

  protected savedRecord(): OutgoingTransferRecord | undefined {
    return this.sourceFacts ? this.record() : undefined;
  }

  record(): OutgoingTransferRecord {
    const { fileId, peerId, conversation, name, size, mime, chunkBytes, chunks, hash, key, createdAt, group, from } = this.file;
    const facts = this.sourceFacts!;
    return {
      direction: 'out', fileId, peerId, conversation, name, size, mime, chunkBytes, chunks, hash, key: key.slice(), createdAt,
      ...(group !== undefined ? { group } : {}),
      ...(from !== undefined ? { from } : {}),
      state: this.state, lastModified: facts.lastModified, firstChunkHash: facts.firstChunkHash,
      ...(facts.sourceRef ? { sourceRef: facts.sourceRef } : {}),
      ...(this.code ? { code: this.code } : {}),
    };
  }

  /** Hashes the source, then offers it (now if the peer is attached, else when it is). */
  async prepare(sourceRef?: string): Promise<void> {
    const source = this.source!;
    let digest;
    try {
      digest = await hashSource(this.host.sodium, source, this.file.chunkBytes, () => this.state !== 'preparing');
    } catch (error) {
      if (this.state === 'preparing') this.end('failed', isTincanError(error) ? error.code : 'FILE_CHANGED', false);
      return;
    }
    if (!digest || this.state !== 'preparing') return;
    this.file = { ...this.file, hash: digest.hash };
    this.sourceFacts = { lastModified: source.lastModified, firstChunkHash: digest.firstChunkHash, ...(sourceRef ? { sourceRef } : {}) };
    this.setState('offered');
    this.sendOffer();
  }

  offerFrame(): FileFrame {
    const { conversation, fileId, name, size, mime, chunkBytes, chunks, hash, key } = this.file;
    return { type: 'file-offer', conversation, fileId, name, size, mime, chunkBytes, chunks, hash: toBase64Url(hash), key: toBase64Url(key) };
  }

  /** (Again) on every new connection while the transfer is not finished, so the receiver can answer from its side. */
  sendOffer(): void {
    if (this.state === 'offered' || this.state === 'interrupted' || this.state === 'verifying') this.host.sendControl(this.file.peerId, this.offerFrame());
  }

  /** The receiver wants the chunks outside `have`. */
  async handleAccept(have: ChunkRanges): Promise<void> {
    if (this.isFinal || this.state === 'preparing') return;
    const sequence = ++this.acceptSequence;
    const source = this.source ?? (await this.host.resolveSource(this.record()).catch(() => undefined));
    if (sequence !== this.acceptSequence || this.isFinal) return;
    if (!source) {
      this.waitingHave = have;
      this.stopRun();
      this.setState('interrupted', 'FILE_SOURCE_MISSING');
      this.reportResumable('FILE_SOURCE_MISSING');
      return;
    }
    const isUnchanged = await this.isSourceUnchanged(source);
    if (sequence !== this.acceptSequence || this.isFinal) return;
    if (!isUnchanged) {
      this.end('failed', 'FILE_CHANGED', false, this.cancelFrame('file-changed'));
      return;
    }
    this.source = source;
    this.waitingHave = undefined;
    const need = ChunkBitmap.fromRanges(this.file.chunks, have).complement();
    const had = ChunkBitmap.fromRanges(this.file.chunks, have);
    this.stopRun();
    this.baseBytes = bytesOfChunks(this.file, had.count, had.has(this.file.chunks - 1));
    this.leftBytes = 0;
    this.rate.reset();
    const run = new SendRun(this, need, source, this.host.sodium);
    this.run = run;
    this.countedRun = run;
    this.setState('transferring');
    if (!this.host.startRun(this.file.peerId, run)) this.interrupt();
  }

  /** The file as offered, to serve it to a group's member (file-transfers.ts): undefined when this page no longer has it. */
  async openSource(): Promise<FileSource | undefined> {
    const source = this.source ?? (this.sourceFacts ? await this.host.resolveSource(this.record()).catch(() => undefined) : undefined);
    return source && (await this.isSourceUnchanged(source)) ? source : undefined;
  }

  /** A group's file that a member asked for, and this page (its sender's) no longer has, as after a reload: the card
   * asks the person to choose it again (FILE_SOURCE_MISSING), which nothing else would tell them. */
  groupSourceMissing(): void {
    if (this.file.group === undefined || this.state !== 'done') return;
    this.setState('interrupted', 'FILE_SOURCE_MISSING');
    this.reportResumable('FILE_SOURCE_MISSING');
  }

  /** The person chose the file again after a reload. */
  async provideSource(source: FileSource): Promise<void> {
    if (this.file.group !== undefined) {
      // A group's file: served again from here once it is the same file (file-transfers.ts serve).
      if (this.state !== 'interrupted' || !(await this.isSourceUnchanged(source))) return;
      this.source = source;
      this.setState('done');
      return;
    }
    this.source = source;
    const have = this.waitingHave;
    if (have && this.state === 'interrupted') await this.handleAccept(have);
  }

  handleDecline(reason: DeclineReason): void {
    if (this.isFinal) return;
    this.end('declined', reason === 'too-large' ? 'FILE_TOO_LARGE' : 'FILE_DECLINED', true);
  }

  handleCancel(reason: CancelReason): void {
    if (this.isFinal) return;
    const outcome = cancelOutcome(reason);
    this.end(outcome.state, outcome.code, true);
  }

  /** The receiver has the file and its hash matched (an empty file is done without a chunk, straight from offered). */
  handleDone(): boolean {
    if (this.isFinal || this.state === 'preparing') return false;
    this.stopRun();
    this.waitingHave = undefined;
    this.setState('done');
    this.host.done(this.view());
    return true;
  }

  cancel(): void {
    if (this.isFinal) return;
    this.end('cancelled', 'FILE_CANCELLED', false, this.cancelFrame('cancelled'));
  }

  interrupt(): void {
    if (this.state !== 'transferring' && this.state !== 'verifying') return;
    this.stopRun();
    this.setState('interrupted', 'FILE_CONNECTION_LOST');
    this.reportResumable('FILE_CONNECTION_LOST');
  }

  // Run callbacks --------------------------------------------------------------------------------------------

  runLeft(run: SendRun, payloadBytes: number): void {
    if (run === this.countedRun) this.leftBytes += payloadBytes;
  }

  runSent(run: SendRun, item: BulkMessage): void {
    if (run !== this.run) return;
    this.totalHandedBytes += item.payloadBytes;
    if (item.isEnd) {
      this.run = undefined;
      this.setState('verifying');
    }
  }

  runFailed(run: SendRun, error: unknown): void {
    if (run !== this.run || this.isFinal) return;
    this.run = undefined;
    this.end('failed', isTincanError(error, 'STORAGE_UNAVAILABLE') ? 'STORAGE_UNAVAILABLE' : 'FILE_CHANGED', false, this.cancelFrame('file-changed'));
  }

  // ------------------------------------------------------------------------------------------------------------

  private async isSourceUnchanged(source: FileSource): Promise<boolean> {
    const facts = this.sourceFacts;
    if (!facts || source.size !== this.file.size || source.lastModified !== facts.lastModified) return false;
    try {
      const first = await source.read(0, Math.min(this.file.chunkBytes, this.file.size));
      return this.host.sodium.memcmp(hashBytes(this.host.sodium, first), facts.firstChunkHash);
    } catch {
      return false;
    }
  }

  private stopRun(): void {
    if (!this.run) return;
    this.run.abort();
    this.run = undefined;
    this.host.stopRun(this.file.peerId, this.file.fileId);
  }

  protected release(): void {
    this.stopRun();
    this.waitingHave = undefined;
  }

  private cancelFrame(reason: CancelReason): FileFrame {
    return { type: 'file-cancel', conversation: this.file.conversation, fileId: this.file.fileId, reason };
  }
}

/** One pass over the chunks a receiver asked for. */
export class SendRun implements BulkRun {
  isAborted = false;
  private readonly salt: Uint8Array;
  private cursor = 0;
  private readonly batch: { index: number; bytes: Uint8Array }[] = [];
  private isEndSent = false;

  constructor(
    private readonly transfer: OutgoingTransfer,
    private readonly need: ChunkBitmap,
    private readonly source: FileSource,
    private readonly sodium: Sodium,
  ) {
    this.salt = crypto.getRandomValues(new Uint8Array(runSaltBytes));
  }

  get fileId(): string {
    return this.transfer.file.fileId;
  }

  abort(): void {
    this.isAborted = true;
    this.batch.length = 0;
  }

  async next(): Promise<BulkMessage | undefined> {
    const file = this.transfer.file;
    if (!this.batch.length) await this.readBatch();
    if (this.isAborted) return undefined;
    const chunk = this.batch.shift();
    if (chunk) {
      const message = sealChunk(this.sodium, file.key, file.fileIdBytes, chunk.index, this.salt, chunk.bytes);
      return { message, payloadBytes: chunk.bytes.length, isEnd: false };
    }
    if (this.isEndSent) return undefined;
    this.isEndSent = true;
    return { message: sealChunk(this.sodium, file.key, file.fileIdBytes, endOfRunIndex, this.salt, new Uint8Array(0)), payloadBytes: 0, isEnd: true };
  }

  sent(item: BulkMessage): void {
    this.transfer.runSent(this, item);
  }

  left(payloadBytes: number): void {
    this.transfer.runLeft(this, payloadBytes);
  }

  failed(error: unknown): void {
    this.transfer.runFailed(this, error);
  }

  /** Reads the next contiguous needed chunks (at most readAheadChunks) in one read. */
  private async readBatch(): Promise<void> {
    const file = this.transfer.file;
    const first = this.need.nextSet(this.cursor);
    if (first < 0) {
      this.cursor = file.chunks;
      return;
    }
    let end = first + 1;
    while (end < file.chunks && end - first < readAheadChunks && this.need.has(end)) end++;
    const offset = first * file.chunkBytes;
    const length = Math.min(file.size, end * file.chunkBytes) - offset;
    const bytes = await this.source.read(offset, length);
    if (bytes.length !== length) throw new Error(`source read ${bytes.length} of ${length} bytes`);
    this.cursor = end;
    if (this.isAborted) return;
    for (let index = first; index < end; index++) {
      const start = (index - first) * file.chunkBytes;
      this.batch.push({ index, bytes: bytes.subarray(start, start + chunkLength(file, index)) });
    }
  }
}
