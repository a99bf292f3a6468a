// What every transfer shares, in either direction (incoming-transfer.ts, outgoing-transfer.ts): the coordinator it
// reports to (file-transfers.ts implements TransferHost), the facts of the file, and the common steps of the state
// machine: a state change is saved and reported; the end is reached once, releases what the transfer holds, tells
// the peer why, and is saved (or the transfer forgotten when it was never saved).
import type { ErrorCode } from '../../errors';
import type { Sodium } from '../../crypto/sodium';
import type { FileSinkFactory } from './file-io';
import type { FileFrame } from './file-frames';
import type { TransferFailure, TransferProgress, TransferView } from './transfer-events';
import { TransferRate } from './transfer-rate';
import { finalStates, type FileFields, type TransferDirection, type TransferRecord, type TransferState } from './transfer-store';

export interface TransferHost {
  readonly sodium: Sodium;
  readonly sinks: FileSinkFactory;
  now(): number;
  /** Sends on the peer's sealed chat channel; false when the peer is not attached (the frame is not queued). */
  sendControl(peerId: string, frame: FileFrame): boolean;
  /** Writes the record (writes of one transfer happen in call order). */
  save(record: TransferRecord): void;
  /** The transfer is final and was never written: forget it (a later chunk for it is an unknown file). */
  drop(fileId: string): void;
  stateChanged(view: TransferView): void;
  failed(failure: TransferFailure): void;
  done(view: TransferView): void;
}

export interface FileFacts extends FileFields {
  /** The 12 bytes behind fileId, as in the chunk header. */
  readonly fileIdBytes: Uint8Array;
}

/** Plaintext length of chunk `index`: chunkBytes, but the rest of the file for the last one. */
export function chunkLength(file: Pick<FileFacts, 'size' | 'chunkBytes' | 'chunks'>, index: number): number {
  return index < file.chunks - 1 ? file.chunkBytes : file.size - (file.chunks - 1) * file.chunkBytes;
}

/** Bytes in `count` chunks, `hasLast` if the (shorter) last chunk is among them. */
export function bytesOfChunks(file: Pick<FileFacts, 'size' | 'chunkBytes' | 'chunks'>, count: number, hasLast: boolean): number {
  if (count === 0) return 0;
  return hasLast ? (count - 1) * file.chunkBytes + chunkLength(file, file.chunks - 1) : count * file.chunkBytes;
}

export abstract class Transfer {
  abstract readonly direction: TransferDirection;
  state: TransferState = 'offered';
  code?: ErrorCode;
  /** Receiver, once done: the finished file (FileSink.commit). */
  finishedRef?: string;
  readonly rate = new TransferRate();

  constructor(
    protected readonly host: TransferHost,
    public file: FileFacts,
  ) {}

  get peerId(): string {
    return this.file.peerId;
  }

  get isFinal(): boolean {
    return finalStates.includes(this.state);
  }

  /** Bytes done, for the progress bar. */
  abstract get bytes(): number;
  /** The record to save, or undefined while this transfer is not (yet) kept in the store. */
  protected abstract savedRecord(): TransferRecord | undefined;
  /** Lets go of what the transfer holds (its run, its sink) at the end. */
  protected abstract release(): void;
  abstract cancel(): void;
  abstract interrupt(): void;

  view(): TransferView {
    const { fileId, peerId, conversation, name, size, mime, createdAt, group, from } = this.file;
    return {
      fileId, direction: this.direction, peerId, conversation, name, size, mime, createdAt, state: this.state, bytes: this.bytes,
      ...(group !== undefined ? { group } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(this.code ? { code: this.code } : {}),
      ...(this.finishedRef ? { finishedRef: this.finishedRef } : {}),
      ...(this.sentBytes !== undefined ? { sentBytes: this.sentBytes } : {}),
    };
  }

  /** Sender: bytes handed to the channel so far, re-sent ones included (outgoing-transfer.ts). */
  get sentBytes(): number | undefined {
    return undefined;
  }

  progress(): TransferProgress {
    const bytes = this.bytes;
    const total = this.file.size;
    return { fileId: this.file.fileId, direction: this.direction, bytes, total, bytesPerSecond: this.rate.bytesPerSecond(), secondsLeft: this.rate.secondsLeft(bytes, total) };
  }

  /** Wipes the file key from memory (the profile locks or the page goes away); records hold their own copy. */
  wipeKey(): void {
    this.host.sodium.memzero(this.file.key);
  }

  /** A progress sample while chunks flow (file-transfers.ts calls it a few times a second). */
  tick(now: number): TransferProgress | undefined {
    if (this.state !== 'transferring') return undefined;
    this.rate.sample(now, this.bytes);
    return this.progress();
  }

  protected setState(state: TransferState, code?: ErrorCode): void {
    if (this.state === state && this.code === code) return;
    this.state = state;
    this.code = code;
    const record = this.savedRecord();
    if (record) this.host.save(record);
    this.host.stateChanged(this.view());
  }

  /** Final, once: releases, tells the peer (`frame`), saves or forgets, reports. */
  protected end(state: TransferState, code: ErrorCode, byPeer: boolean, frame?: FileFrame): void {
    if (this.isFinal) return;
    this.release();
    if (frame) this.send(frame);
    this.state = state;
    this.code = code;
    const record = this.savedRecord();
    if (record) this.host.save(record);
    else this.host.drop(this.file.fileId);
    this.host.stateChanged(this.view());
    this.host.failed({ transfer: this.view(), code, resumable: false, byPeer });
  }

  /** Reports an interruption the next connection (or the person) can undo. */
  protected reportResumable(code: ErrorCode): void {
    this.host.failed({ transfer: this.view(), code, resumable: true, byPeer: false });
  }

  protected send(frame: FileFrame): boolean {
    return this.host.sendControl(this.file.peerId, frame);
  }

  /** The state now (after an await: TypeScript keeps the narrowing from before it). */
  protected isIn(state: TransferState): boolean {
    return this.state === state;
  }
}
