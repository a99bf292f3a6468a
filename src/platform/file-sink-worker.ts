// The OPFS worker: writes incoming files through sync access handles (createSyncAccessHandle exists only in workers;
// Chromium 108+, Firefox 111+). Writes land in place and flush() makes them durable, which is what lets a transfer
// resume after a reload (file-sink.ts). A classic or module worker with no imports at run time: build.mjs bundles it
// like the QR worker. Requests run one at a time, in arrival order.
import { fileSinkDirectory, type FileSinkFailure, type FileSinkRequest, type FileSinkResponse } from './file-sink-protocol';

/** The parts of the worker-only API used here (not in the DOM lib this project compiles with). */
interface SyncAccessHandle {
  read(buffer: Uint8Array, options: { at: number }): number;
  write(buffer: Uint8Array, options: { at: number }): number;
  flush(): void;
  close(): void;
  getSize(): number;
}
interface SyncFileHandle {
  createSyncAccessHandle(): Promise<SyncAccessHandle>;
}

const handles = new Map<string, SyncAccessHandle>();
let queue: Promise<void> = Promise.resolve();

async function directory(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(fileSinkDirectory, { create: true });
}

async function handleOf(name: string, create = false): Promise<SyncAccessHandle> {
  const open = handles.get(name);
  if (open) return open;
  const file = await (await directory()).getFileHandle(name, { create });
  const handle = await (file as unknown as SyncFileHandle).createSyncAccessHandle();
  handles.set(name, handle);
  return handle;
}

async function run(request: FileSinkRequest): Promise<{ response: FileSinkResponse; transfer: Transferable[] }> {
  const { id } = request;
  switch (request.op) {
    case 'open': {
      const handle = await handleOf(request.name, request.create);
      return { response: { id, ok: true, size: handle.getSize() }, transfer: [] };
    }
    case 'write': {
      const handle = await handleOf(request.name);
      const bytes = new Uint8Array(request.bytes);
      const written = handle.write(bytes, { at: request.offset });
      if (written !== bytes.length) throw new DOMException(`wrote ${written} of ${bytes.length} bytes`, 'QuotaExceededError');
      return { response: { id, ok: true }, transfer: [] };
    }
    case 'flush':
      (await handleOf(request.name)).flush();
      return { response: { id, ok: true }, transfer: [] };
    case 'read': {
      const handle = await handleOf(request.name);
      const bytes = new Uint8Array(request.length);
      const read = handle.read(bytes, { at: request.offset });
      const buffer = bytes.buffer.slice(0, read);
      return { response: { id, ok: true, bytes: buffer }, transfer: [buffer] };
    }
    case 'close': {
      const handle = handles.get(request.name);
      handles.delete(request.name);
      handle?.flush();
      handle?.close();
      return { response: { id, ok: true }, transfer: [] };
    }
    case 'close-all': {
      for (const handle of handles.values()) handle.close();
      handles.clear();
      return { response: { id, ok: true }, transfer: [] };
    }
    case 'remove': {
      handles.get(request.name)?.close();
      handles.delete(request.name);
      await (await directory()).removeEntry(request.name).catch((error: unknown) => {
        if (!(error instanceof DOMException && error.name === 'NotFoundError')) throw error;
      });
      return { response: { id, ok: true }, transfer: [] };
    }
  }
}

function failureOf(error: unknown): FileSinkFailure {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'QuotaExceededError') return 'quota';
  if (name === 'NotFoundError') return 'not-found';
  if (name === 'NoModificationAllowedError' || name === 'InvalidStateError') return 'busy';
  return 'unavailable';
}

self.onmessage = ({ data }: MessageEvent<FileSinkRequest>) => {
  queue = queue.then(async () => {
    try {
      const { response, transfer } = await run(data);
      self.postMessage(response, { transfer });
    } catch (error) {
      const response: FileSinkResponse = { id: data.id, ok: false, failure: failureOf(error), detail: String(error) };
      self.postMessage(response);
    }
  });
};
