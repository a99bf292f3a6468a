// A File the person picked (input, drop, paste) as the sender's FileSource: read in slices, never whole. Chromium
// refuses to read a File whose file changed on disk after it was picked (NotReadableError); that is FILE_CHANGED.
// The same reader serves a received file's sealed copy in OPFS, where a failed read is FILE_DAMAGED.
import { TincanError, type ErrorCode } from '../errors';
import type { FileSource } from '../chat/files/file-io';

export function fileSource(file: File, failure: ErrorCode = 'FILE_CHANGED'): FileSource {
  return {
    size: file.size,
    lastModified: file.lastModified,
    async read(offset, length) {
      try {
        return new Uint8Array(await file.slice(offset, offset + length).arrayBuffer());
      } catch (error) {
        throw new TincanError(failure, String(error));
      }
    },
  };
}
