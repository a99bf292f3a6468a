// What this device accepts of the files offered to it, as policy any program running the core applies the same
// way: the largest file, the room a file must leave for the vault, which pictures are accepted without asking and
// how much they may add up to, and the person's auto-accept setting (a sealed record in the vault).
import type { TransferState } from './transfer-store';
import type { CollectionPort } from './sealed-transfer-store';

/** The largest file this device accepts (the sink keeps it until the person saves or discards it). */
export const maxIncomingFileBytes = 4 * 1024 ** 3;
/** Room a received file must leave in the storage quota for the vault itself (messages, records). */
export const roomMarginBytes = 64 * 1024 * 1024;

/** Pictures up to this size are accepted without asking unless the person changes it (Settings, Files). */
export const defaultAutoAcceptImageBytes = 5_000_000;
export const maxAutoAcceptImageBytes = 100_000_000;
/**
 * Pictures are accepted without asking only while the received files kept for that conversation on this device
 * (accepted, in progress or done; discarded ones no longer count) stay within this, so a peer cannot fill the disk
 * with small pictures nobody agreed to; past it a picture is offered like any other file.
 */
export const defaultAutoAcceptBudgetBytes = 50 * 1024 * 1024;
/** The stated types a picture may be auto-accepted with: the raster formats previews decode (never SVG). */
const autoAcceptedImageTypes: readonly string[] = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

/** The person's file settings: a sealed record in the vault. */
export const fileSettingsCollectionName = 'file-settings';
const autoAcceptRecordId = 'auto-accept-images';

/** What the platform says this device's storage uses and may use. */
export interface StorageFigures {
  readonly usageBytes: number;
  readonly quotaBytes: number;
}

/** Whether the storage quota leaves room for `bytes` more, with roomMarginBytes to spare for the vault itself.
 * True when the platform does not say. */
export function hasRoomFor(bytes: number, figures: StorageFigures | undefined): boolean {
  return !figures || figures.quotaBytes - figures.usageBytes >= bytes + roomMarginBytes;
}

/** A received transfer, as far as the budget is concerned. */
export interface KeptTransfer {
  readonly fileId: string;
  readonly direction: 'in' | 'out';
  readonly state: TransferState;
  readonly size: number;
}

/** Bytes of received files one conversation's transfers keep or will keep on this device: accepted, moving or done,
 * and offers being accepted without asking (`isAutoAccepting`). */
export function keptIncomingBytes(transfers: Iterable<KeptTransfer>, isAutoAccepting: (fileId: string) => boolean): number {
  let bytes = 0;
  for (const t of transfers) {
    if (t.direction !== 'in') continue;
    const kept = t.state === 'offered' ? isAutoAccepting(t.fileId) : !['declined', 'cancelled', 'failed'].includes(t.state);
    if (kept) bytes += t.size;
  }
  return bytes;
}

/**
 * Whether an offered file is accepted without asking: a picture by its stated type (which decides only whether to
 * ask: previews come from the bytes, and SVG is never on the list), within the person's limit (`limitBytes`, 0:
 * always ask), and within the conversation's budget counting what it keeps already (`keptBytes`).
 */
export function isAutoAccepted(offer: { readonly size: number; readonly mime: string }, limits: { readonly limitBytes: number; readonly keptBytes: number; readonly budgetBytes: number }): boolean {
  if (limits.limitBytes <= 0 || offer.size > limits.limitBytes || !autoAcceptedImageTypes.includes(offer.mime)) return false;
  return limits.keptBytes + offer.size <= limits.budgetBytes;
}

/** A limit the person may set for pictures accepted without asking. */
export function isAutoAcceptLimit(maxBytes: unknown): maxBytes is number {
  return typeof maxBytes === 'number' && Number.isSafeInteger(maxBytes) && maxBytes >= 0 && maxBytes <= maxAutoAcceptImageBytes;
}

/** The saved limit for pictures accepted without asking; the default when none was saved or it does not read. */
export async function loadAutoAcceptImageBytes(settings: CollectionPort): Promise<number> {
  try {
    const { records } = await settings.loadAll();
    const value = records.find((r) => r.id === autoAcceptRecordId)?.value as { maxBytes?: unknown } | undefined;
    if (isAutoAcceptLimit(value?.maxBytes)) return value.maxBytes;
  } catch {
    // Unreadable: the default, and the person can set it again.
  }
  return defaultAutoAcceptImageBytes;
}

/** Saves the limit (checked with isAutoAcceptLimit first). */
export async function saveAutoAcceptImageBytes(settings: CollectionPort, maxBytes: number): Promise<void> {
  await settings.put(autoAcceptRecordId, { maxBytes });
}
