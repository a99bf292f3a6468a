// The TransferStore (transfer-store.ts) over the vault: one sealed record per transfer in the store's "files"
// collection (store/sealed-collection.ts), as JSON with bytes in base64url. What comes back from storage is
// untrusted: a record that does not have the exact shape of a transfer is left out (and counted), never handed
// to a transfer.
import { errorCodes, type ErrorCode } from '../../errors';
import { fromBase64Url, toBase64Url } from '../../crypto/bytes';
import type { JsonValue } from '../../crypto/vault';
import { isFileId } from './file-frames';
import { restKeyBytes } from './sealed-file-sink';
import { type TransferRecord, type TransferState, type TransferStore } from './transfer-store';

/** What the store's collection offers (store/sealed-collection.ts SealedCollection). */
export interface CollectionPort {
  loadAll(): Promise<{ readonly records: readonly { readonly id: string; readonly value: unknown }[]; readonly skipped: number }>;
  put(id: string, value: JsonValue): Promise<void>;
  remove(id: string): Promise<void>;
}

export const transfersCollectionName = 'files';

const states: readonly TransferState[] = ['preparing', 'offered', 'transferring', 'interrupted', 'verifying', 'done', 'declined', 'cancelled', 'failed'];
type Loose = Readonly<Record<string, unknown>>;

export class SealedTransferStore implements TransferStore {
  /** Records at the last load that were not transfers (damaged or of another shape). */
  skipped = 0;

  constructor(private readonly collection: CollectionPort) {}

  async loadAll(): Promise<TransferRecord[]> {
    const { records, skipped } = await this.collection.loadAll();
    const transfers: TransferRecord[] = [];
    this.skipped = skipped;
    for (const { id, value } of records) {
      const record = fromJson(value);
      if (record && record.fileId === id) transfers.push(record);
      else this.skipped++;
    }
    return transfers;
  }

  put(record: TransferRecord): Promise<void> {
    return this.collection.put(record.fileId, toJson(record));
  }

  remove(fileId: string): Promise<void> {
    return this.collection.remove(fileId);
  }
}

function toJson(record: TransferRecord): JsonValue {
  const base: Record<string, JsonValue> = {
    direction: record.direction,
    fileId: record.fileId,
    peerId: record.peerId,
    conversation: record.conversation,
    name: record.name,
    size: record.size,
    mime: record.mime,
    chunkBytes: record.chunkBytes,
    chunks: record.chunks,
    hash: toBase64Url(record.hash),
    key: toBase64Url(record.key),
    createdAt: record.createdAt,
    state: record.state,
  };
  if (record.code) base.code = record.code;
  if (record.group !== undefined) base.group = record.group;
  if (record.from !== undefined) base.from = record.from;
  if (record.direction === 'in') {
    if (record.received) base.received = toBase64Url(record.received);
    if (record.sinkRef !== undefined) base.sinkRef = record.sinkRef;
    if (record.finishedRef !== undefined) base.finishedRef = record.finishedRef;
    if (record.restKey) base.restKey = toBase64Url(record.restKey);
    if (record.asPicture) base.asPicture = true;
  } else {
    base.lastModified = record.lastModified;
    base.firstChunkHash = toBase64Url(record.firstChunkHash);
    if (record.sourceRef !== undefined) base.sourceRef = record.sourceRef;
  }
  return base;
}

function bytes(value: unknown, length?: number): Uint8Array | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const decoded = fromBase64Url(value);
    return length === undefined || decoded.length === length ? decoded : undefined;
  } catch {
    return undefined;
  }
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isText = (value: unknown, max = 1024): value is string => typeof value === 'string' && value.length <= max;
const optionalText = (value: unknown): boolean => value === undefined || isText(value);

/** A transfer record from stored JSON, or undefined when anything is off. */
function fromJson(value: unknown): TransferRecord | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Loose;
  const hash = bytes(v.hash, 32);
  const key = bytes(v.key, 32);
  const state = states.find((s) => s === v.state);
  const code = v.code === undefined ? undefined : (errorCodes as readonly string[]).includes(v.code as string) ? (v.code as ErrorCode) : null;
  if (
    !isFileId(v.fileId) ||
    !isText(v.peerId, 64) ||
    !isText(v.conversation, 64) ||
    !isText(v.name, 1024) ||
    !isCount(v.size) ||
    !isText(v.mime, 256) ||
    !isCount(v.chunkBytes) ||
    !isCount(v.chunks) ||
    !hash ||
    !key ||
    !isCount(v.createdAt) ||
    !state ||
    code === null ||
    !optionalText(v.group) ||
    !optionalText(v.from)
  ) {
    return undefined;
  }
  const fields = {
    fileId: v.fileId,
    peerId: v.peerId,
    conversation: v.conversation,
    name: v.name,
    size: v.size,
    mime: v.mime,
    chunkBytes: v.chunkBytes,
    chunks: v.chunks,
    hash,
    key,
    createdAt: v.createdAt,
    state,
    ...(code ? { code } : {}),
    ...(v.group !== undefined ? { group: v.group as string } : {}),
    ...(v.from !== undefined ? { from: v.from as string } : {}),
  };
  if (v.direction === 'in') {
    const received = v.received === undefined ? undefined : bytes(v.received);
    const restKey = v.restKey === undefined ? undefined : bytes(v.restKey, restKeyBytes);
    if ((v.received !== undefined && !received) || (v.restKey !== undefined && !restKey) || !optionalText(v.sinkRef) || !optionalText(v.finishedRef) || (v.asPicture !== undefined && v.asPicture !== true)) return undefined;
    return {
      ...fields,
      direction: 'in',
      ...(received ? { received } : {}),
      ...(v.sinkRef !== undefined ? { sinkRef: v.sinkRef as string } : {}),
      ...(v.finishedRef !== undefined ? { finishedRef: v.finishedRef as string } : {}),
      ...(restKey ? { restKey } : {}),
      ...(v.asPicture ? { asPicture: true as const } : {}),
    };
  }
  if (v.direction === 'out') {
    const firstChunkHash = bytes(v.firstChunkHash, 32);
    if (!firstChunkHash || typeof v.lastModified !== 'number' || !Number.isFinite(v.lastModified) || !optionalText(v.sourceRef)) return undefined;
    return {
      ...fields,
      direction: 'out',
      lastModified: v.lastModified,
      firstChunkHash,
      ...(v.sourceRef !== undefined ? { sourceRef: v.sourceRef as string } : {}),
    };
  }
  return undefined;
}
