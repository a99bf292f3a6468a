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
// Groups (group-file.ts, docs/groups.md "Files"): a file offered to a group is one transfer per device, keyed by its id
// like any other, with `group` set. Its offer came in a group message, not in a file-offer frame; a receiver pulls it
// with the 1:1 frames (file-accept, chunks, file-done) over its own session with one member at a time: the sender
// first, else a member who said it has the file (a file-done: sent to every member linked when a copy is complete, and
// again on every new session), else any linked member; one that answers file-cancel has not got it, and the next is
// asked. `peerId` and `conversation` of a group transfer name that member and its session's conversation. A device
// that has the file (the sender's page, or a member whose copy is complete) serves every member that asks with an
// outgoing transfer of its own per member (`serving`, shown nowhere, kept in memory only), reading its source or its
// sealed copy. Each member checks the chunks as in 1:1 and the whole file against the hash in the sealed offer before
// keeping it, so a member serving other bytes (it has the file key, as every member has) gets its copy thrown away; the
// members that copy came from (`servedBy`) are not asked again on this page (`distrusted`), and another is
// (incoming-transfer.ts startOver).
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
import { fileIdBytes, maxChunks, maxProtocolFileBytes, normalizeMime, sanitizeFileName, type ChunkRanges, type FileFrame } from './file-frames';
import { hashBytes } from './file-hash';
import type { GroupOfferFrame } from './group-file';
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
/** A group's file being pulled from a member that sends nothing for this long: that member is taken as not having
 * it (on this session), and another is asked. A member may say it has a file and then never serve it. */
export const groupPullStallMs = 30_000;
export const fileKeyBytes = 32;

/** Most "I have it" announcements (file-done of a group's file) sent when a member's session opens: the newest. */
export const maxAnnouncedPerAttach = 64;

/** What the messenger tells the transfers about groups. */
export interface GroupFilesPort {
  /** Whether `peerId` (a contact id) is a member of the group with local id `group` now. */
  isMember(group: string, peerId: string): boolean;
  /** The contact id of a member's identity key (a group file's sender), when it has one. */
  contactOfKey(key: string): string | undefined;
}

/** Sending a file to a group: the group's local and wire ids. */
export interface GroupOfferInput {
  readonly group: string;
  readonly wireId: string;
  readonly source: FileSource;
  readonly name: string;
  readonly mime: string;
}

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
  /** Groups' files this device serves, by `${fileId} ${peerId}` of the member it sends to. */
  private readonly serving = new Map<string, OutgoingTransfer>();
  /** Groups' files: the members who said they have the file (file-done). */
  private readonly haves = new Map<string, Set<string>>();
  /** Groups' files: members who answered that they have not got it, until their session ends. */
  private readonly lacking = new Map<string, Set<string>>();
  /** Groups' files: members a copy came from (since the last one thrown away), and members a copy that did not match
   * the offer's hash came from: not asked again on this page. */
  private readonly servedBy = new Map<string, Set<string>>();
  private readonly distrusted = new Map<string, Set<string>>();
  private groups?: GroupFilesPort;
  private readonly now: () => number;
  private readonly host: OutgoingHost;
  private readonly servingHost: OutgoingHost;
  private timer?: ReturnType<typeof setInterval>;
  /** The page went away or the profile locked: nothing is saved or reported any more. */
  private isDisposed = false;
  /** Groups' files being pulled: bytes at the last change and when (groupPullStallMs). */
  private readonly pulling = new Map<string, { readonly bytes: number; readonly at: number }>();
  /** groupPullStallMs, shortened by tests. */
  private readonly pullStallMs = groupPullStallMs;

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
      failed: (failure) => {
        this.emit('failed', failure);
        const { transfer } = failure;
        if (transfer.group !== undefined && failure.code === 'FILE_HASH_MISMATCH' && failure.resumable) this.distrustCopy(transfer.fileId);
      },
      done: (view) => {
        this.emit('done', view);
        if (view.group !== undefined && view.direction === 'in') this.announce(view.fileId);
      },
      resolveSource: async (record) => (this.options.sources ? this.options.sources(record) : undefined),
      startRun: (peerId, run) => {
        const entry = this.attached.get(peerId);
        entry?.sender.add(run);
        return !!entry;
      },
      stopRun: (peerId, fileId) => this.attached.get(peerId)?.sender.remove(fileId),
      settleSent: (peerId) => this.attached.get(peerId)?.sender.settle(),
    };
    // What serves a group's file to one member reports nothing and keeps nothing: it is not the person's transfer.
    this.servingHost = {
      ...this.host,
      save: () => undefined,
      drop: () => undefined,
      stateChanged: () => undefined,
      failed: () => undefined,
      done: () => undefined,
    };
    for (const record of records) {
      const facts = factsOfRecord(record);
      if (!facts) continue;
      const transfer = record.direction === 'in' ? new IncomingTransfer(this.host, facts, record) : new OutgoingTransfer(this.host, facts, undefined, record);
      this.transfers.set(record.fileId, transfer);
    }
  }

  /** The messenger's view of groups (set once it exists; group files wait for it). */
  useGroups(port: GroupFilesPort): void {
    this.groups = port;
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
    const announced: string[] = [];
    for (const transfer of [...this.transfers.values()]) {
      if (transfer.file.group !== undefined) {
        if (!this.groups?.isMember(transfer.file.group, peer.peerId)) continue;
        if (transfer instanceof IncomingTransfer && transfer.state === 'done') announced.push(transfer.file.fileId);
        else if (transfer instanceof IncomingTransfer && transfer.state === 'interrupted') this.pull(transfer);
        continue;
      }
      if (transfer.peerId !== peer.peerId) continue;
      if (transfer instanceof OutgoingTransfer) transfer.sendOffer();
      else if (transfer.state === 'interrupted') void transfer.resume(entry.token);
    }
    for (const fileId of announced.slice(-maxAnnouncedPerAttach)) this.sendControl(peer.peerId, { type: 'file-done', conversation: peer.conversation, fileId });
  }

  /** The peer session closed: running transfers with it are interrupted (and resume on the next attach). */
  detach(peerId: string): void {
    const entry = this.attached.get(peerId);
    if (!entry) return;
    this.attached.delete(peerId);
    entry.sender.close();
    for (const undo of entry.undo.splice(0)) undo();
    for (const [key, serving] of [...this.serving]) {
      if (serving.peerId !== peerId) continue;
      this.serving.delete(key);
      serving.interrupt();
    }
    for (const lacking of this.lacking.values()) lacking.delete(peerId);
    for (const transfer of [...this.transfers.values()]) {
      if (transfer.peerId !== peerId) continue;
      transfer.interrupt();
      // A group's file goes on from another member who has it, if one is linked.
      if (transfer.file.group !== undefined && transfer instanceof IncomingTransfer && transfer.state === 'interrupted') this.pull(transfer);
    }
  }

  /** A file-* frame the peer's session decoded. */
  receive(peerId: string, frame: FileFrame): void {
    const counters = this.countersOf(peerId);
    const entry = this.attached.get(peerId);
    if (!entry) return void counters.control['not-attached']++;
    if (frame.conversation !== entry.peer.conversation) return void counters.control['wrong-conversation']++;
    const transfer = this.transfers.get(frame.fileId);
    if (transfer?.file.group !== undefined) return this.receiveGroupFrame(entry, frame, transfer);
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
    const peerMax = this.attached.get(input.peerId)?.peer.bulk.maxMessageBytes ?? bulkMessageBytes;
    const transfer = this.startOffer(input, { peerId: input.peerId, conversation: input.conversation }, peerMax);
    await transfer.prepare(input.sourceRef);
    return transfer.view();
  }

  /** A new outgoing transfer of `input.source`, in state 'preparing' (its hash comes with `prepare`). */
  private startOffer(input: Pick<OfferInput, 'source' | 'name' | 'mime'>, to: Pick<FileFacts, 'peerId' | 'conversation' | 'group'>, peerMaxMessageBytes: number): OutgoingTransfer {
    const size = input.source.size;
    const chunkBytes = chunkBytesFor(peerMaxMessageBytes);
    const chunks = Math.ceil(size / chunkBytes);
    if (size > maxProtocolFileBytes || chunks > maxChunks) throw new TincanError('FILE_TOO_LARGE', `${size} bytes`);
    const idBytes = crypto.getRandomValues(new Uint8Array(fileIdBytes));
    const facts: FileFacts = {
      fileId: toBase64Url(idBytes),
      fileIdBytes: idBytes,
      ...to,
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
    return transfer;
  }

  /** The person accepted an offer. `sink`: one the UI opened in the click (save picker); else the factory's.
   * `asPicture`: taken without asking as a picture (file-acceptance.ts), which its first bytes must then be. A group's
   * file is asked of a member who has it, or waits (interrupted) for one. */
  async accept(fileId: string, sink?: FileSink, options: { readonly asPicture?: boolean } = {}): Promise<void> {
    const transfer = this.transfers.get(fileId);
    if (!(transfer instanceof IncomingTransfer)) throw new TincanError('FILE_CANCELLED', 'no such offer');
    const server = transfer.file.group !== undefined ? this.serverFor(transfer) : this.attached.get(transfer.peerId);
    if (server && transfer.file.group !== undefined) this.pointAt(transfer, server);
    await transfer.accept(server?.token, sink, options.asPicture === true);
  }

  /**
   * Offers a file to a group: hashes it (state 'preparing'), then resolves with the offer to seal in a group message
   * (group-file.ts); `groupOffered` once that message is sent. Chunks fit 64 KiB messages, which every member's
   * browser takes (chunk-codec.ts bulkMessageBytes).
   */
  async offerToGroup(input: GroupOfferInput): Promise<{ view: TransferView; offer: GroupOfferFrame }> {
    const transfer = this.startOffer(input, { peerId: '', conversation: input.wireId, group: input.group }, bulkMessageBytes);
    await transfer.prepare();
    if (transfer.state !== 'offered') throw new TincanError(transfer.code ?? 'FILE_CANCELLED', 'not offered');
    const offer = transfer.offerFrame();
    if (offer.type !== 'file-offer') throw new TincanError('FILE_CANCELLED', 'not an offer');
    return { view: transfer.view(), offer };
  }

  /** The group message with the offer is sent (or failed: `isSent` false): the sender's entry is done, or cancelled. */
  groupOffered(fileId: string, isSent: boolean): void {
    const transfer = this.transfers.get(fileId);
    if (!(transfer instanceof OutgoingTransfer) || transfer.file.group === undefined) return;
    if (isSent) transfer.handleDone();
    else transfer.cancel();
  }

  /** A group's file offer arrived in a message (delivery.ts 'group-file'): shown as an offer, kept from now on. */
  receiveGroupOffer(input: { readonly group: string; readonly from: string; readonly fromKey: string; readonly offer: GroupOfferFrame }): void {
    const { offer } = input;
    if (this.transfers.has(offer.fileId)) return;
    const facts: FileFacts = {
      fileId: offer.fileId,
      fileIdBytes: fromBase64Url(offer.fileId),
      peerId: input.from,
      conversation: '',
      name: offer.name,
      size: offer.size,
      mime: offer.mime,
      chunkBytes: offer.chunkBytes,
      chunks: offer.chunks,
      hash: fromBase64Url(offer.hash),
      key: fromBase64Url(offer.key),
      createdAt: this.now(),
      group: input.group,
      from: input.fromKey,
    };
    const transfer = new IncomingTransfer(this.host, facts);
    this.transfers.set(facts.fileId, transfer);
    if (offer.size > (this.options.maxIncomingBytes?.(input.from) ?? maxProtocolFileBytes)) {
      transfer.state = 'declined';
      transfer.code = 'FILE_TOO_LARGE';
      transfer.keepOffer();
      this.emit('failed', { transfer: transfer.view(), code: 'FILE_TOO_LARGE', resumable: false, byPeer: false });
      return;
    }
    transfer.keepOffer();
    this.emit('offered', transfer.view());
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
    // A group's members who were told this page had not got it ask again once told it has.
    if (transfer?.file.group !== undefined && transfer.state === 'done') this.announce(fileId);
  }

  /** Removes a transfer and its record (cancelling it first if it is not finished). The finished file itself is the
   * platform's to delete (platform/file-sink.ts removeFinishedFile). */
  async forget(fileId: string): Promise<void> {
    const transfer = this.transfers.get(fileId);
    if (transfer && !transfer.isFinal) transfer.cancel();
    this.transfers.delete(fileId);
    for (const members of [this.haves, this.lacking, this.servedBy, this.distrusted, this.pulling]) members.delete(fileId);
    for (const [key, serving] of [...this.serving]) {
      if (serving.file.fileId !== fileId) continue;
      this.serving.delete(key);
      serving.cancel();
    }
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
    for (const serving of this.serving.values()) serving.wipeKey();
    this.serving.clear();
    for (const transfer of this.transfers.values()) {
      if (transfer instanceof IncomingTransfer) transfer.dispose();
      transfer.wipeKey();
    }
    this.transfers.clear();
    this.removeAllListeners();
  }

  // Groups' files -----------------------------------------------------------------------------------------------

  /** A frame about a group's file from a member's session (see the header). */
  private receiveGroupFrame(entry: Attached, frame: FileFrame, transfer: Transfer): void {
    const peerId = entry.peer.peerId;
    const counters = this.countersOf(peerId);
    if (!this.groups?.isMember(transfer.file.group!, peerId)) return void counters.control['wrong-peer']++;
    const servingKey = `${frame.fileId} ${peerId}`;
    switch (frame.type) {
      case 'file-accept':
        if (frame.have.some(([, end]) => end > transfer.file.chunks)) return void counters.control['bad-ranges']++;
        return void this.serve(entry, transfer, frame.have);
      case 'file-done': {
        this.serving.get(servingKey)?.handleDone();
        this.serving.delete(servingKey);
        const haves = this.haves.get(frame.fileId) ?? new Set<string>();
        this.haves.set(frame.fileId, haves.add(peerId));
        this.lacking.get(frame.fileId)?.delete(peerId);
        if (transfer instanceof IncomingTransfer && transfer.state === 'interrupted') this.pull(transfer);
        return;
      }
      case 'file-cancel': {
        const serving = this.serving.get(servingKey);
        if (serving) {
          this.serving.delete(servingKey);
          return serving.handleCancel(frame.reason);
        }
        if (!(transfer instanceof IncomingTransfer) || transfer.peerId !== peerId) return void counters.control.unexpected++;
        // The member asked has not got it (any more): ask the next one.
        this.haves.get(frame.fileId)?.delete(peerId);
        const lacking = this.lacking.get(frame.fileId) ?? new Set<string>();
        this.lacking.set(frame.fileId, lacking.add(peerId));
        if (transfer.state === 'transferring') transfer.interrupt();
        if (transfer.state === 'interrupted') this.pull(transfer);
        return;
      }
      default:
        return void counters.control.unexpected++;
    }
  }

  /** Sends a member the chunks it lacks of a group's file this device has; tells it when it has not got it. */
  private async serve(entry: Attached, transfer: Transfer, have: ChunkRanges): Promise<void> {
    const peerId = entry.peer.peerId;
    const conversation = entry.peer.conversation;
    let source: FileSource | undefined;
    // The sender's page serves from the offer on (a member may ask before the message's write is done here).
    if (transfer instanceof OutgoingTransfer && (transfer.state === 'offered' || transfer.state === 'done')) source = await transfer.openSource();
    else if (transfer instanceof IncomingTransfer && transfer.state === 'done') source = await transfer.openFinished().catch(() => undefined);
    if (this.attached.get(peerId) !== entry) return;
    if (!source) {
      if (transfer instanceof OutgoingTransfer) transfer.groupSourceMissing();
      return void this.sendControl(peerId, { type: 'file-cancel', conversation, fileId: transfer.file.fileId, reason: 'cancelled' });
    }
    let firstChunkHash: Uint8Array;
    try {
      firstChunkHash = hashBytes(this.host.sodium, await source.read(0, Math.min(transfer.file.chunkBytes, source.size)));
    } catch {
      return void this.sendControl(peerId, { type: 'file-cancel', conversation, fileId: transfer.file.fileId, reason: 'cancelled' });
    }
    if (this.attached.get(peerId) !== entry || this.isDisposed) return;
    const key = `${transfer.file.fileId} ${peerId}`;
    this.serving.get(key)?.interrupt();
    const facts: FileFacts = { ...transfer.file, peerId, conversation, key: transfer.file.key.slice() };
    const { fileIdBytes: _bytes, ...fields } = facts;
    const record: OutgoingTransferRecord = { ...fields, direction: 'out', state: 'offered', lastModified: source.lastModified, firstChunkHash };
    const serving = new OutgoingTransfer(this.servingHost, facts, source, record);
    this.serving.set(key, serving);
    await serving.handleAccept(have);
  }

  /** Asks a member who has it for what this device lacks of a group's file; it waits (interrupted) while none is linked. */
  private pull(transfer: IncomingTransfer): void {
    const server = this.serverFor(transfer);
    if (!server) return;
    this.pointAt(transfer, server);
    void transfer.resume(server.token);
  }

  /** The linked member to ask for a group's file: its sender, else one who said it has it, else any other member (one
   * that answered it lacks it is not asked again on that session). */
  private serverFor(transfer: IncomingTransfer): Attached | undefined {
    const { group, from, fileId } = transfer.file;
    const lacking = this.lacking.get(fileId);
    const sender = from !== undefined ? this.groups?.contactOfKey(from) : undefined;
    const distrusted = this.distrusted.get(fileId);
    for (const peerId of [...(sender !== undefined ? [sender] : []), ...(this.haves.get(fileId) ?? []), ...this.attached.keys()]) {
      const entry = this.attached.get(peerId);
      if (entry && !lacking?.has(peerId) && !distrusted?.has(peerId) && this.groups?.isMember(group!, peerId)) return entry;
    }
    return undefined;
  }

  /** A group's copy did not match the offer's hash (incoming-transfer.ts startOver): the members it came from are not
   * asked again here, and another is. */
  private distrustCopy(fileId: string): void {
    const distrusted = this.distrusted.get(fileId) ?? new Set<string>();
    for (const peerId of this.servedBy.get(fileId) ?? []) distrusted.add(peerId);
    this.distrusted.set(fileId, distrusted);
    this.servedBy.delete(fileId);
    const transfer = this.transfers.get(fileId);
    if (transfer instanceof IncomingTransfer && transfer.state === 'interrupted') this.pull(transfer);
  }

  /** A group's transfer now talks with `server` (its frames name their session's conversation). */
  private pointAt(transfer: IncomingTransfer, server: Attached): void {
    const servedBy = this.servedBy.get(transfer.file.fileId) ?? new Set<string>();
    this.servedBy.set(transfer.file.fileId, servedBy.add(server.peer.peerId));
    if (transfer.peerId === server.peer.peerId && transfer.file.conversation === server.peer.conversation) return;
    transfer.file = { ...transfer.file, peerId: server.peer.peerId, conversation: server.peer.conversation };
  }

  /** "I have it" (file-done) to every linked member of the file's group but the one it came from. */
  private announce(fileId: string): void {
    const transfer = this.transfers.get(fileId);
    if (!transfer?.file.group) return;
    for (const [peerId, entry] of this.attached) {
      if (peerId === transfer.peerId || !this.groups?.isMember(transfer.file.group, peerId)) continue;
      this.sendControl(peerId, { type: 'file-done', conversation: entry.peer.conversation, fileId });
    }
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
      if (transfer instanceof IncomingTransfer && transfer.file.group !== undefined) this.checkPull(transfer, now);
    }
  }

  /** A group's file pulled from a member that sends nothing (groupPullStallMs): ask another. */
  private checkPull(transfer: IncomingTransfer, now: number): void {
    const { fileId } = transfer.file;
    if (transfer.state !== 'transferring') return void this.pulling.delete(fileId);
    const last = this.pulling.get(fileId);
    if (!last || last.bytes !== transfer.bytes) return void this.pulling.set(fileId, { bytes: transfer.bytes, at: now });
    if (now - last.at < this.pullStallMs) return;
    this.pulling.delete(fileId);
    const stalled = transfer.peerId;
    this.haves.get(fileId)?.delete(stalled);
    const lacking = this.lacking.get(fileId) ?? new Set<string>();
    this.lacking.set(fileId, lacking.add(stalled));
    transfer.interrupt();
    const after: string = transfer.state;
    if (after === 'interrupted') this.pull(transfer);
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
  const { fileId, peerId, conversation, name, size, mime, chunkBytes, chunks, hash, key, createdAt, group, from } = record;
  return {
    fileId, fileIdBytes: fileIdBytesOfRecord, peerId, conversation, name, size, mime, chunkBytes, chunks, hash, key, createdAt,
    ...(group !== undefined ? { group } : {}),
    ...(from !== undefined ? { from } : {}),
  };
}

function isSameOffer(file: FileFacts, frame: Extract<FileFrame, { type: 'file-offer' }>): boolean {
  return (
    file.name === frame.name && file.size === frame.size && file.mime === frame.mime && file.chunkBytes === frame.chunkBytes &&
    file.chunks === frame.chunks && toBase64Url(file.hash) === frame.hash && toBase64Url(file.key) === frame.key
  );
}
