// Messages between the page (file-sink.ts) and the OPFS worker (file-sink-worker.ts). Requests are answered in the
// order they were sent, each with its id. Byte buffers are transferred, not copied.

/** The OPFS folder incoming files are written to (and kept in once finished, until the person removes them). */
export const fileSinkDirectory = 'tincan-files';

export type FileSinkRequest =
  /** Opens (creating if `create`) the file's sync access handle; answers its size. */
  | { readonly id: number; readonly op: 'open'; readonly name: string; readonly create: boolean }
  | { readonly id: number; readonly op: 'write'; readonly name: string; readonly offset: number; readonly bytes: ArrayBuffer }
  | { readonly id: number; readonly op: 'flush'; readonly name: string }
  | { readonly id: number; readonly op: 'read'; readonly name: string; readonly offset: number; readonly length: number }
  /** Flushes and closes the handle (the file stays). */
  | { readonly id: number; readonly op: 'close'; readonly name: string }
  /** Closes the handle if open and deletes the file. */
  | { readonly id: number; readonly op: 'remove'; readonly name: string }
  /** Closes every open handle (before the folder is deleted: an open handle locks its file). */
  | { readonly id: number; readonly op: 'close-all' };

/** quota: QuotaExceededError; not-found: no such file; busy: another tab holds the file; unavailable: no OPFS. */
export type FileSinkFailure = 'quota' | 'not-found' | 'busy' | 'unavailable';

export type FileSinkResponse =
  | { readonly id: number; readonly ok: true; readonly size?: number; readonly bytes?: ArrayBuffer }
  | { readonly id: number; readonly ok: false; readonly failure: FileSinkFailure; readonly detail: string };
