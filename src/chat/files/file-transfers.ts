// Every file transfer of one unlocked profile, in both directions, over whichever peers are attached. The lead wires
// it into the messenger: `attach` a FilePeer when a peer session opens (its sealed chat channel for control frames, its
// bulk channel for chunks), `detach` when it closes, hand it the file-* frames the session decodes (`receive`), and
// turn its events (offered, state, progress, done, failed) into what the UI shows.
//
// Routing and trust: a control frame must come from an attached peer, name that peer's conversation, and concern a
// transfer with that peer in the direction the frame type implies; a bulk message is routed by the file id in its
// clear header to a transfer of the same peer, which checks it further (incoming-transfer.ts). Everything refused is
// counted per peer (`counters`). A peer can have at most maxOfferedPerPeer offers waiting for an answer; offers larger
// than this device takes are declined at once ('too-large').
//
// Persistence: transfers are written to the injected TransferStore (transfer-store.ts) from the offer (sender) or the
// accept (receiver) on; `open` loads them, so after a reload a transfer continues when its peer is attached again:
// the sender repeats its offer, the receiver asks for the chunks it lacks.
import { isTincanError, TincanError, type ErrorCode } from '../../errors';
import { Emitter } from '../../events';
import { fromBase64Url, toBase64Url } from '../../crypto/bytes';
import { getSodium, type Sodium } from '../../crypto/sodium';
import type { BulkChannel } from './bulk-channel';
import { BulkSender } from './bulk-sender';
import { bulkMessageBytes, chunkBytesFor, readChunkHeader } from './chunk-codec';
import type { FileSink, FileSinkFactory, FileSource } from './file-io';
import { storedBytesOf } from './sealed-file-sink';
import { fileIdBytes, maxChunks, maxProtocolFileBytes, normalizeMime, sanitizeFileName, type FileFrame } from './file-frames';
import { cancelReasonFor, IncomingTransfer, type Attachment } from './incoming-transfer';
import { OutgoingTransfer, type OutgoingHost } from './outgoing-transfer';
import { emptyCounters, type FileCounters, type FileTransferEvents, type TransferView } from './transfer-events';
import type { FileFacts } from './transfer';
import type { OutgoingTransferRecord, TransferRecord, TransferStore } from './transfer-store';

/** Offers from one peer waiting for the person's answer; more are dropped and counted. */
export const maxOfferedPerPeer = 32;
/**
 * Offers refused at once (too large) from one peer, answered with a decline within each refusalWindowMs; more are
 * dropped and counted ('too-many-refusals'). Only the first of a window is told to the person (one line, not one
 * card per offer): the others are counted ('refused-again'). Unbounded, 10,000 offers of 5 GiB made 10,000 cards
 * and 10,000 declines.
 */
export const maxRefusalsPerWindow = 32;
export const refusalWindowMs = 60_000;
/** How often progress is reported while chunks flow. */
export const progressIntervalMs = 250;
export const fileKeyBytes = 32;

/** One live peer, as the messenger attaches it. */
export interface FilePeer {
  /** The contact id. */
  readonly peerId: string;
  /** The wire id of the two-person conversation with this peer (conversation-id.ts). */
  readonly conversation: string;
  /** Sends a control frame on the sealed chat channel (PeerSession.send); false when it cannot now. */
  sendControl(frame: FileFrame): boolean;
  readonly bulk: BulkChannel;
}

/** Opens the file of an outgoing transfer again after a reload (a stored handle), or undefined. */
export type FileSourceResolver = (record: OutgoingTransferRecord) => Promise<FileSource | undefined>;

export interface FileTransfersOptions {
  store: TransferStore;
  sinks: FileSinkFactory;
  sources?: FileSourceResolver;
  /** Largest file this device accepts from a peer (the storage quota decides); default the protocol's 64 GiB. */
  maxIncomingBytes?: (peerId: string) => number;
  now?: () => number;
}

export interface OfferInput {
  readonly peerId: string;
  readonly conversation: string;
  readonly source: FileSource;
  /** Sanitised here (sanitizeFileName). */
  readonly name: string;
  /** As the browser reports it (File.type); normalised here. */
  readonly mime: string;
  /** Stored with the transfer for `sources` after a reload. */
  readonly sourceRef?: string;
}

type Transfer = IncomingTransfer | OutgoingTransfer;

interface Attached {
  readonly peer: FilePeer;
  readonly sender: BulkSender;
  readonly token: Attachment;
  readonly undo: (() => void)[];
}

export class FileTransfers extends Emitter<FileTransferEvents> {
  private readonly transfers = new Map<string, Transfer>();
  private readonly attached = new Map<string, Attached>();
  private readonly peerCounters = new Map<string, FileCounters>();
  /** Per peer: when its current refusal window began, and how many offers were refused in it. */
  private readonly refusals = new Map<string, { since: number; count: number }>();
  private readonly saving = new Map<string, Promise<void>>();
  private readonly now: () => number;
  private readonly host: OutgoingHost;
  private timer?: ReturnType<typeof setInterval>;
  /** The page went away or the profile locked: nothing is saved or reported any more. */
  private isDisposed = false;

  /** Loads the saved transfers; running ones come back as interrupted and continue once their peer is attached. */
  static async open(options: FileTransfersOptions): Promise<FileTransfers> {
    const sodium = await getSodium();
    const records = await options.store.loadAll();
    return new FileTransfers(options, sodium, records);
  }

  private constructor(
    private readonly options: FileTransfersOptions,
    sodium: Sodium,
    records: readonly TransferRecord[],
  ) {
    super();
    this.now = options.now ?? Date.now;
    this.host = {
      sodium,
      sinks: options.sinks,
      now: () => this.now(),
      sendControl: (peerId, frame) => this.sendControl(peerId, frame),
      save: (record) => this.save(record),
      drop: (fileId) => void this.transfers.delete(fileId),
      stateChanged: (view) => {
        this.emit('state', view);
        this.updateTimer();
      },
      failed: (failure) => this.emit('failed', failure),
      done: (view) => this.emit('done', view),
      resolveSource: async (record) => (this.options.sources ? this.options.sources(record) : undefined),
      startRun: (peerId, run) => {
        const entry = this.attached.get(peerId);
        entry?.sender.add(run);
        return !!entry;
      },
      stopRun: (peerId, fileId) => this.attached.get(peerId)?.sender.remove(fileId),
      settleSent: (peerId) => this.attached.get(peerId)?.sender.settle(),
    };
    for (const record of records) {
      const facts = factsOfRecord(record);
      if (!facts) continue;
      const transfer = record.direction === 'in' ? new IncomingTransfer(this.host, facts, record) : new OutgoingTransfer(this.host, facts, undefined, record);
      this.transfers.set(record.fileId, transfer);
    }
  }

  // Peers ------------------------------------------------------------------------------------------------------

  /** A peer session opened: unfinished transfers with it continue. */
  attach(peer: FilePeer): void {
    if (this.attached.has(peer.peerId)) this.detach(peer.peerId);
    const entry: Attached = { peer, sender: new BulkSender(peer.bulk), token: {}, undo: [] };
    entry.undo.push(
      peer.bulk.on('message', (bytes) => this.receiveChunk(peer.peerId, bytes)),
      peer.bulk.on('close', () => {
        if (this.attached.get(peer.peerId) === entry) this.detach(peer.peerId);
      }),
    );
    this.attached.set(peer.peerId, entry);
    for (const transfer of [...this.transfers.values()]) {
      if (transfer.peerId !== peer.peerId) continue;
      if (transfer instanceof OutgoingTransfer) transfer.sendOffer();
      else if (transfer.state === 'interrupted') void transfer.resume(entry.token);
    }
  }

  /** The peer session closed: running transfers with it are interrupted (and resume on the next attach). */
  detach(peerId: string): void {
    const entry = this.attached.get(peerId);
    if (!entry) return;
    this.attached.delete(peerId);
    entry.sender.close();
    for (const undo of entry.undo.splice(0)) undo();
    for (const transfer of [...this.transfers.values()]) if (transfer.peerId === peerId) transfer.interrupt();
  }

  /** A file-* frame the peer's session decoded. */
  receive(peerId: string, frame: FileFrame): void {
    const counters = this.countersOf(peerId);
    const entry = this.attached.get(peerId);
    if (!entry) return void counters.control['not-attached']++;
    if (frame.conversation !== entry.peer.conversation) return void counters.control['wrong-conversation']++;
    const transfer = this.transfers.get(frame.fileId);
    if (frame.type === 'file-offer') return this.receiveOffer(entry, frame, transfer);
    if (!transfer) {
      counters.control['unknown-file']++;
      // A receiver asking for a file this device no longer has: tell it to stop waiting.
      if (frame.type === 'file-accept') this.sendControl(peerId, { type: 'file-cancel', conversation: frame.conversation, fileId: frame.fileId, reason: 'cancelled' });
      return;
    }
    if (transfer.peerId !== peerId) return void counters.control['wrong-peer']++;
    switch (frame.type) {
      case 'file-accept':
        if (!(transfer instanceof OutgoingTransfer)) return void counters.control.unexpected++;
        if (frame.have.some(([, end]) => end > transfer.file.chunks)) return void counters.control['bad-ranges']++;
        if (transfer.isFinal) {
          // The receiver missed how it ended (a frame lost with a connection): say it again.
          counters.control.unexpected++;
          if (transfer.state === 'declined') this.sendControl(peerId, { type: 'file-decline', conversation: frame.conversation, fileId: frame.fileId, reason: transfer.code === 'FILE_TOO_LARGE' ? 'too-large' : 'declined' });
          else if (transfer.state !== 'done') this.sendControl(peerId, { type: 'file-cancel', conversation: frame.conversation, fileId: frame.fileId, reason: cancelReasonFor(transfer.code) });
          return;
        }
        void transfer.handleAccept(frame.have);
        return;
      case 'file-decline':
        if (!(transfer instanceof OutgoingTransfer)) return void counters.control.unexpected++;
        return transfer.handleDecline(frame.reason);
      case 'file-cancel':
        return transfer.handleCancel(frame.reason);
      case 'file-done':
        if (!(transfer instanceof OutgoingTransfer) || !transfer.handleDone()) counters.control.unexpected++;
        return;
    }
  }

  // Actions ----------------------------------------------------------------------------------------------------

  /** Offers a file: hashes it (state 'preparing'), then sends the offer. Resolves with the offered transfer. */
  async offer(input: OfferInput): Promise<TransferView> {
    const size = input.source.size;
    const peerMax = this.attached.get(input.peerId)?.peer.bulk.maxMessageBytes ?? bulkMessageBytes;
    const chunkBytes = chunkBytesFor(peerMax);
    const chunks = Math.ceil(size / chunkBytes);
    if (size > maxProtocolFileBytes || chunks > maxChunks) throw new TincanError('FILE_TOO_LARGE', `${size} bytes`);
    const idBytes = crypto.getRandomValues(new Uint8Array(fileIdBytes));
    const facts: FileFacts = {
      fileId: toBase64Url(idBytes),
      fileIdBytes: idBytes,
      peerId: input.peerId,
      conversation: input.conversation,
      name: sanitizeFileName(input.name),
      size,
      mime: normalizeMime(input.mime),
      chunkBytes,
      chunks,
      hash: new Uint8Array(0),
      key: crypto.getRandomValues(new Uint8Array(fileKeyBytes)),
      createdAt: this.now(),
    };
    const transfer = new OutgoingTransfer(this.host, facts, input.source);
    this.transfers.set(facts.fileId, transfer);
    this.emit('state', transfer.view());
    await transfer.prepare(input.sourceRef);
    return transfer.view();
  }

  /** The person accepted an offer. `sink`: one the UI opened in the click (save picker); else the factory's.
   * `asPicture`: taken without asking as a picture (file-acceptance.ts), which its first bytes must then be. */
  async accept(fileId: string, sink?: FileSink, options: { readonly asPicture?: boolean } = {}): Promise<void> {
    const transfer = this.transfers.get(fileId);
    if (!(transfer instanceof IncomingTransfer)) throw new TincanError('FILE_CANCELLED', 'no such offer');
    await transfer.accept(this.attached.get(transfer.peerId)?.token, sink, options.asPicture === true);
  }

  decline(fileId: string): void {
    const transfer = this.transfers.get(fileId);
    if (transfer instanceof IncomingTransfer) transfer.decline();
  }

  /** Either side, any time before the end. */
  cancel(fileId: string): void {
    this.transfers.get(fileId)?.cancel();
  }

  /** The person chose the file again (after FILE_SOURCE_MISSING, or ahead of it after a reload). */
  async provideSource(fileId: string, source: FileSource): Promise<void> {
    const transfer = this.transfers.get(fileId);
    if (transfer instanceof OutgoingTransfer) await transfer.provideSource(source);
  }

  /** Removes a transfer and its record (cancelling it first if it is not finished). The finished file itself is the
   * platform's to delete (platform/file-sink.ts removeFinishedFile). */
  async forget(fileId: string): Promise<void> {
    const transfer = this.transfers.get(fileId);
    if (transfer && !transfer.isFinal) transfer.cancel();
    this.transfers.delete(fileId);
    await this.chainSave(fileId, () => this.options.store.remove(fileId));
  }

  /** Bytes an offered (or running) incoming file takes on this device's disk, sealed (sealed-file-sink.ts). */
  storedBytes(fileId: string): number | undefined {
    const transfer = this.transfers.get(fileId);
    return transfer instanceof IncomingTransfer ? storedBytesOf(transfer.file) : undefined;
  }

  /** A received file's plaintext, read from this device's sealed copy (for "Save" and previews); undefined unless
   * it is complete and still kept. Reads throw FILE_DAMAGED for bytes that do not open as they were sealed. */
  async openReceived(fileId: string): Promise<FileSource | undefined> {
    const transfer = this.transfers.get(fileId);
    return transfer instanceof IncomingTransfer ? transfer.openFinished() : undefined;
  }

  get(fileId: string): TransferView | undefined {
    return this.transfers.get(fileId)?.view();
  }

  list(): TransferView[] {
    return [...this.transfers.values()].map((transfer) => transfer.view());
  }

  /** What this device refused from the peer, by reason. */
  counters(peerId: string): FileCounters {
    return this.countersOf(peerId);
  }

  /** Resolves when every record write issued so far is done (before locking the store). */
  async flush(): Promise<void> {
    while (this.saving.size) await Promise.all([...this.saving.values()]);
  }

  /** The page goes away or the profile locks: stops everything at once, sends and saves nothing more, and wipes the
   * file keys held in memory. */
  dispose(): void {
    this.isDisposed = true;
    clearInterval(this.timer);
    this.timer = undefined;
    for (const entry of this.attached.values()) {
      entry.sender.close();
      for (const undo of entry.undo.splice(0)) undo();
    }
    this.attached.clear();
    for (const transfer of this.transfers.values()) {
      if (transfer instanceof IncomingTransfer) transfer.dispose();
      transfer.wipeKey();
    }
    this.transfers.clear();
    this.removeAllListeners();
  }

  // ------------------------------------------------------------------------------------------------------------

  private receiveOffer(entry: Attached, frame: Extract<FileFrame, { type: 'file-offer' }>, existing: Transfer | undefined): void {
    const peerId = entry.peer.peerId;
    const counters = this.countersOf(peerId);
    if (existing) {
      if (!(existing instanceof IncomingTransfer) || existing.peerId !== peerId || !isSameOffer(existing.file, frame)) {
        counters.control['conflicting-offer']++;
        return;
      }
      existing.handleOffer(entry.token);
      return;
    }
    const facts: FileFacts = {
      fileId: frame.fileId,
      fileIdBytes: fromBase64Url(frame.fileId),
      peerId,
      conversation: frame.conversation,
      name: frame.name,
      size: frame.size,
      mime: frame.mime,
      chunkBytes: frame.chunkBytes,
      chunks: frame.chunks,
      hash: fromBase64Url(frame.hash),
      key: fromBase64Url(frame.key),
      createdAt: this.now(),
    };
    const limit = this.options.maxIncomingBytes?.(peerId) ?? maxProtocolFileBytes;
    if (frame.size > limit) {
      const refusals = this.refusalsOf(peerId);
      if (refusals.count >= maxRefusalsPerWindow) return void counters.control['too-many-refusals']++;
      refusals.count++;
      this.sendControl(peerId, { type: 'file-decline', conversation: frame.conversation, fileId: frame.fileId, reason: 'too-large' });
      if (refusals.count > 1) return void counters.control['refused-again']++;
      const transfer = new IncomingTransfer(this.host, facts);
      transfer.state = 'declined';
      transfer.code = 'FILE_TOO_LARGE';
      this.emit('failed', { transfer: transfer.view(), code: 'FILE_TOO_LARGE', resumable: false, byPeer: false });
      return;
    }
    let waiting = 0;
    for (const transfer of this.transfers.values()) if (transfer.peerId === peerId && transfer instanceof IncomingTransfer && transfer.state === 'offered') waiting++;
    if (waiting >= maxOfferedPerPeer) {
      counters.control['too-many-offers']++;
      return;
    }
    const transfer = new IncomingTransfer(this.host, facts);
    this.transfers.set(facts.fileId, transfer);
    this.emit('offered', transfer.view());
  }

  private receiveChunk(peerId: string, message: Uint8Array): void {
    const counters = this.countersOf(peerId);
    const header = readChunkHeader(message);
    if (!header) return void counters.chunks.malformed++;
    const transfer = this.transfers.get(header.fileId);
    if (!transfer) return void counters.chunks['unknown-file']++;
    if (transfer.peerId !== peerId) return void counters.chunks['wrong-peer']++;
    if (!(transfer instanceof IncomingTransfer)) return void counters.chunks['not-transferring']++;
    const dropped = transfer.receiveChunk(header.index, message);
    if (dropped) counters.chunks[dropped]++;
    else counters.received++;
  }

  private sendControl(peerId: string, frame: FileFrame): boolean {
    const entry = this.attached.get(peerId);
    if (!entry) return false;
    try {
      return entry.peer.sendControl(frame);
    } catch {
      return false;
    }
  }

  private save(record: TransferRecord): void {
    // After dispose the keys in memory are wiped: a transfer still finishing an await (a commit, a reopen) must not
    // write a record with a zeroed at-rest key over the good one (its file could never be opened again).
    if (this.isDisposed) return;
    void this.chainSave(record.fileId, () => this.options.store.put(record));
  }

  /** Writes of one transfer run one after the other, in call order. */
  private chainSave(fileId: string, write: () => Promise<void>): Promise<void> {
    const previous = this.saving.get(fileId) ?? Promise.resolve();
    const next = previous.then(write).catch((error: unknown) => {
      const code: ErrorCode = isTincanError(error) ? error.code : 'STORAGE_UNAVAILABLE';
      this.emit('error', { fileId, code });
    });
    this.saving.set(fileId, next);
    void next.then(() => {
      if (this.saving.get(fileId) === next) this.saving.delete(fileId);
    });
    return next;
  }

  /** The peer's refusal window, a new one once refusalWindowMs have passed since the last began. */
  private refusalsOf(peerId: string): { since: number; count: number } {
    const now = this.now();
    let refusals = this.refusals.get(peerId);
    if (!refusals || now - refusals.since >= refusalWindowMs) {
      refusals = { since: now, count: 0 };
      this.refusals.set(peerId, refusals);
    }
    return refusals;
  }

  private countersOf(peerId: string): FileCounters {
    let counters = this.peerCounters.get(peerId);
    if (!counters) this.peerCounters.set(peerId, (counters = emptyCounters()));
    return counters;
  }

  /** Progress ticks run only while some transfer is transferring. */
  private updateTimer(): void {
    const isActive = [...this.transfers.values()].some((transfer) => transfer.state === 'transferring');
    if (isActive && this.timer === undefined) {
      this.timer = setInterval(() => this.tick(), progressIntervalMs);
    } else if (!isActive && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private tick(): void {
    const now = this.now();
    for (const transfer of this.transfers.values()) {
      const progress = transfer.tick(now);
      if (progress) this.emit('progress', progress);
    }
  }
}

function factsOfRecord(record: TransferRecord): FileFacts | undefined {
  let fileIdBytesOfRecord: Uint8Array;
  try {
    fileIdBytesOfRecord = fromBase64Url(record.fileId);
  } catch {
    return undefined;
  }
  if (fileIdBytesOfRecord.length !== fileIdBytes) return undefined;
  const { fileId, peerId, conversation, name, size, mime, chunkBytes, chunks, hash, key, createdAt } = record;
  return { fileId, fileIdBytes: fileIdBytesOfRecord, peerId, conversation, name, size, mime, chunkBytes, chunks, hash, key, createdAt };
}

function isSameOffer(file: FileFacts, frame: Extract<FileFrame, { type: 'file-offer' }>): boolean {
  return (
    file.name === frame.name && file.size === frame.size && file.mime === frame.mime && file.chunkBytes === frame.chunkBytes &&
    file.chunks === frame.chunks && toBase64Url(file.hash) === frame.hash && toBase64Url(file.key) === frame.key
  );
}
