// A file offered to a group: the offer travels inside the group's sealed envelope (crypto/envelope.ts body `file`, the
// message's text being the file's name), so it is sealed once like any group message, held for members who are away
// and caught up like one (docs/groups.md "Files"). Its fields are a 1:1 file-offer's (file-frames.ts) but for the
// name and the conversation: the same id, size, chunking, BLAKE2b-256 of the whole file and file key. Every member
// then pulls the chunks over its own session with whichever member has the file (file-transfers.ts), with the 1:1
// frames and checks; the hash sealed here is what each member's copy must match before it is kept.
import { validateFileFrame, type FileFrame } from './file-frames';

/** The envelope's `file`: what a 1:1 offer carries besides the name (the text) and the conversation (the envelope's). */
// A type, not an interface: it is an envelope body's plain JSON object (an index signature there).
export type GroupFileOffer = {
  readonly fileId: string;
  readonly size: number;
  readonly mime: string;
  readonly chunkBytes: number;
  readonly chunks: number;
  /** base64url, 32 bytes each. */
  readonly hash: string;
  readonly key: string;
};

export type GroupOfferFrame = Extract<FileFrame, { type: 'file-offer' }>;

/** The offer as a 1:1 file-offer frame of the group's wire id, checked as strictly as one; undefined when it is not one. */
export function groupOfferFrame(wireId: string, name: string, file: { readonly [key: string]: unknown }): GroupOfferFrame | undefined {
  const frame = validateFileFrame('file-offer', { ...file, name, conversation: wireId });
  return frame?.type === 'file-offer' ? frame : undefined;
}

/** The envelope's `file` for an offer frame (the name goes as the message's text). */
export function groupFileOf(frame: GroupOfferFrame): GroupFileOffer {
  const { fileId, size, mime, chunkBytes, chunks, hash, key } = frame;
  return { fileId, size, mime, chunkBytes, chunks, hash, key };
}
