// What file transfers tell the UI (through the app facade), and what they count about a peer's bad input.
import type { ErrorCode } from '../../errors';
import type { TransferDirection, TransferState } from './transfer-store';

/** One transfer as the UI shows it. */
export interface TransferView {
  readonly fileId: string;
  readonly direction: TransferDirection;
  readonly peerId: string;
  readonly conversation: string;
  /** Sanitised (file-frames.ts sanitizeFileName). */
  readonly name: string;
  readonly size: number;
  /** As the sender stated it: never a reason to render anything (platform/image-preview.ts sniffs the bytes). */
  readonly mime: string;
  readonly state: TransferState;
  /** When it was offered or received, on this device's clock (ms since the epoch). */
  readonly createdAt: number;
  /** Bytes received and written (in), or sent and gone from the channel's buffer (out). */
  readonly bytes: number;
  /** Why it failed, ended, or is interrupted. */
  readonly code?: ErrorCode;
  /** Receiver, once done: FileSink.commit's reference to the finished file (platform/file-sink.ts). */
  readonly finishedRef?: string;
  /** Sender: plaintext bytes handed to the channel by this page, chunks sent again included. */
  readonly sentBytes?: number;
  /** Receiver: taken without asking as a picture (its first bytes were one; the page still has to decode it). */
  readonly asPicture?: true;
  /** Offered to a group (transfer-store.ts FileFields): the group's local id, and who offered it when received. */
  readonly group?: string;
  readonly from?: string;
}

/** For the progress bar, about four times a second while chunks flow. */
export interface TransferProgress {
  readonly fileId: string;
  readonly direction: TransferDirection;
  readonly bytes: number;
  readonly total: number;
  /** Over the last few seconds (transfer-rate.ts). */
  readonly bytesPerSecond: number;
  /** Undefined while the speed is unknown or zero. */
  readonly secondsLeft: number | undefined;
}

export interface TransferFailure {
  readonly transfer: TransferView;
  readonly code: ErrorCode;
  /** The transfer is only interrupted and continues on the next connection (FILE_CONNECTION_LOST), or once the
   * sender chooses the file again (FILE_SOURCE_MISSING). */
  readonly resumable: boolean;
  /** The peer ended it (declined, cancelled, its disk full, hash mismatch on its side). */
  readonly byPeer: boolean;
}

export interface FileTransferEvents {
  /** A peer offers a file: show name, size, type with "Accept" and "Decline". */
  offered: TransferView;
  /** Any change of state (for the list of transfers). */
  state: TransferView;
  progress: TransferProgress;
  /** Complete: the receiver checked the hash (in) / the receiver said so (out). */
  done: TransferView;
  failed: TransferFailure;
  /** The transfer record could not be written: the transfer goes on but may not resume after a reload. */
  error: { readonly fileId: string; readonly code: ErrorCode };
}

/** Why a bulk-channel message was dropped (nothing of it was written). */
export type ChunkDropReason =
  | 'malformed' // too short or another version
  | 'unknown-file' // no transfer with that id here (or one that was never accepted and is gone)
  | 'wrong-peer' // a transfer of another peer's
  | 'not-transferring' // before accept, after cancel, decline, done or failure
  | 'out-of-range' // index past the last chunk
  | 'duplicate' // this chunk is already here or being written
  | 'unrequested' // not asked for in the current run
  | 'bad-length' // not the length its index must have (a peer that lies about the size)
  | 'bad-seal' // does not open under the file key as the chunk it claims to be
  | 'out-of-order' // a sink that cannot read back takes chunks only in order (asked for again)
  | 'write-backlog' // this device's disk is behind: asked for again at the end of the run
  | 'not-a-picture'; // the first chunk of a file taken without asking as a picture is not one: the person is asked

/** Why a control frame was not acted on. */
export type ControlDropReason =
  | 'not-attached' // the peer has no live session here
  | 'wrong-conversation'
  | 'unknown-file'
  | 'wrong-peer'
  | 'conflicting-offer' // an id already used for another file
  | 'too-many-offers' // more unanswered offers than maxOfferedPerPeer
  | 'refused-again' // an offer refused (too large) after another in the same window: declined, not shown again
  | 'too-many-refusals' // more refused offers than maxRefusalsPerWindow in one window: not even answered
  | 'bad-ranges' // a file-accept naming chunks past the end
  | 'unexpected'; // a frame that makes no sense in the transfer's state or direction

export interface FileCounters {
  readonly chunks: Record<ChunkDropReason, number>;
  readonly control: Record<ControlDropReason, number>;
  /** Chunk messages taken and written. */
  received: number;
}

export function emptyCounters(): FileCounters {
  return {
    chunks: {
      malformed: 0, 'unknown-file': 0, 'wrong-peer': 0, 'not-transferring': 0, 'out-of-range': 0, duplicate: 0,
      unrequested: 0, 'bad-length': 0, 'bad-seal': 0, 'out-of-order': 0, 'write-backlog': 0, 'not-a-picture': 0,
    },
    control: {
      'not-attached': 0, 'wrong-conversation': 0, 'unknown-file': 0, 'wrong-peer': 0, 'conflicting-offer': 0,
      'too-many-offers': 0, 'refused-again': 0, 'too-many-refusals': 0, 'bad-ranges': 0, unexpected: 0,
    },
    received: 0,
  };
}
