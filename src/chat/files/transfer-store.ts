// What a transfer keeps on disk so it survives a reload, and the DOM-free store interface for it. The lead's store
// implements TransferStore with one SEALED record per transfer (it holds the file key), for example under
// `file/<fileId>`, written through (each put is one write; puts of one transfer never race: file-transfers.ts
// chains them). MemoryTransferStore is for tests and the Node peer.
//
// Writes per transfer: one at the offer (sender) or the accept (receiver), one per state change, and on the
// receiving side a checkpoint of the received-chunk bitmap every checkpointMs / checkpointBytes while receiving
// (file-transfers.ts), ≤ 2 KiB for 1 GiB. Finished, declined and cancelled transfers keep a small record without
// bitmap (so a late or repeated frame about them gets the right answer) until `FileTransfers.forget`.
import type { ErrorCode } from '../../errors';

export type TransferDirection = 'in' | 'out';

/**
 * preparing    sender: hashing the file before the offer
 * offered      offer sent / shown; waiting for Accept or Decline
 * transferring chunks flow
 * interrupted  the connection dropped (or the sender's page lost the file): resumes on the next connection
 * verifying    receiver: every chunk is in, the hash is being checked; sender: every chunk sent, waiting for it
 * done | declined | cancelled | failed   final
 */
export type TransferState = 'preparing' | 'offered' | 'transferring' | 'interrupted' | 'verifying' | 'done' | 'declined' | 'cancelled' | 'failed';

export const finalStates: readonly TransferState[] = ['done', 'declined', 'cancelled', 'failed'];

/** What both sides know about the file (from the offer). */
export interface FileFields {
  readonly fileId: string;
  /** The contact. */
  readonly peerId: string;
  /** The conversation's wire id. */
  readonly conversation: string;
  readonly name: string;
  readonly size: number;
  readonly mime: string;
  readonly chunkBytes: number;
  readonly chunks: number;
  /** BLAKE2b-256 of the whole file (32 bytes). */
  readonly hash: Uint8Array;
  /** The file key (32 bytes): secret, hence sealed records. */
  readonly key: Uint8Array;
  readonly createdAt: number;
  /** A file offered to a group (group-file.ts): the group's local id. `peerId` and `conversation` then name the member
   * a receiver pulls it from now (any member who has it), not a fixed peer. */
  readonly group?: string;
  /** In a group, received: the identity key of the member who offered it (the log names them). */
  readonly from?: string;
}

interface TransferRecordBase extends FileFields {
  readonly state: TransferState;
  /** Why it failed or ended, when final other than done. */
  readonly code?: ErrorCode;
}

export interface IncomingTransferRecord extends TransferRecordBase {
  readonly direction: 'in';
  /** ChunkBitmap bytes of the chunks durably written (flushed) at the last checkpoint; absent once final. */
  readonly received?: Uint8Array;
  /** FileSink.ref of the sink it writes to. */
  readonly sinkRef?: string;
  /** The key the file is sealed with on this device (sealed-file-sink.ts); absent for files kept before files
   * were sealed at rest (read as they are). */
  readonly restKey?: Uint8Array;
  /** What FileSink.commit returned: the finished file. */
  readonly finishedRef?: string;
  /** Taken without asking as a picture of its stated type (file-acceptance.ts): its first chunk must be one. */
  readonly asPicture?: true;
}

export interface OutgoingTransferRecord extends TransferRecordBase {
  readonly direction: 'out';
  /** The source as it was offered: a resume is refused (FILE_CHANGED) unless size, lastModified and the BLAKE2b-256
   * of the first chunk are the same. */
  readonly lastModified: number;
  readonly firstChunkHash: Uint8Array;
  /** Whatever the lead's FileSourceResolver needs to open the file again after a reload (a stored handle id). */
  readonly sourceRef?: string;
}

export type TransferRecord = IncomingTransferRecord | OutgoingTransferRecord;

export interface TransferStore {
  /** Every record (at unlock). */
  loadAll(): Promise<TransferRecord[]>;
  /** Creates or replaces the record of record.fileId. */
  put(record: TransferRecord): Promise<void>;
  remove(fileId: string): Promise<void>;
}

/** Keeps copies, so a test can "reload" by opening a new FileTransfers over the same store. */
export class MemoryTransferStore implements TransferStore {
  readonly records = new Map<string, TransferRecord>();
  puts = 0;

  async loadAll(): Promise<TransferRecord[]> {
    return [...this.records.values()].map(copyRecord);
  }

  async put(record: TransferRecord): Promise<void> {
    this.puts++;
    this.records.set(record.fileId, copyRecord(record));
  }

  async remove(fileId: string): Promise<void> {
    this.records.delete(fileId);
  }
}

function copyRecord<R extends TransferRecord>(record: R): R {
  const copy = { ...record, hash: record.hash.slice(), key: record.key.slice() };
  if (copy.direction === 'in') {
    return { ...copy, ...(copy.received ? { received: copy.received.slice() } : {}), ...(copy.restKey ? { restKey: copy.restKey.slice() } : {}) };
  }
  if (copy.direction === 'out') return { ...copy, firstChunkHash: copy.firstChunkHash.slice() };
  return copy;
}
