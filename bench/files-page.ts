// The page side of bench/files.mjs (bundled by it with esbuild): one page per browser, the sender or the receiver,
// each holding two real RTCPeerConnections to the other page: "ours" (chat channel 0 with the file-* frames, bulk
// channel 1 with sealed chunks, the receiver writing to OPFS through the worker and checking the hash) and "bare"
// (one negotiated channel 1 carrying the same-sized 64 KiB messages, no crypto, no disk, counted and dropped).
// Both send from the same deterministic source (a ChaCha20 keystream: any offset, no file in memory) with the same
// back-pressure (pause at 4 MiB buffered, resume at 1 MiB). Descriptions go through node.
import type { FileFrame } from '../src/chat/files/file-frames';
import { decodeFrame, encodeFrame } from '../src/chat/frames';
import { highWaterBytes, lowWaterBytes } from '../src/chat/files/bulk-channel';
import { bulkMessageBytes } from '../src/chat/files/chunk-codec';
import type { FileSource } from '../src/chat/files/file-io';
import { FileTransfers } from '../src/chat/files/file-transfers';
import type { TransferView } from '../src/chat/files/transfer-events';
import { MemoryTransferStore } from '../src/chat/files/transfer-store';
import { getSodium, type Sodium } from '../src/crypto/sodium';
import { OpfsFileStore, removeFinishedFile } from '../src/platform/file-sink';
import { answerTo, createRtcEnd, offerFrom, type RtcEnd } from '../test/unit/files/rtc-pair';

const conversation = 'dm:AAAAAAAAAAAAAAAAAAAAAA';
const readBytes = 1024 * 1024;

declare global {
  interface Window {
    bench: typeof bench;
  }
  interface Performance {
    memory?: { usedJSHeapSize: number };
  }
}

let sodium: Sodium;
const ends = new Map<string, { pc: RTCPeerConnection; finish(): Promise<RtcEnd> }>();
const open = new Map<string, RtcEnd>();
let files: FileTransfers | undefined;
let disk: OpfsFileStore | undefined;
let resume: { attachedAt: number; firstChunkAt?: number; receivedChunks: number } | undefined;

/** Deterministic bytes at any offset: ChaCha20-IETF keystream under a fixed key (64-byte blocks). */
function keystreamSource(size: number): FileSource {
  const key = new Uint8Array(32).fill(7);
  const nonce = new Uint8Array(12).fill(9);
  return {
    size,
    lastModified: 1_700_000_000_000,
    async read(offset, length) {
      const start = Math.floor(offset / 64) * 64;
      const skip = offset - start;
      const stream = sodium.crypto_stream_chacha20_ietf_xor_ic(new Uint8Array(length + skip), nonce, start / 64, key);
      return stream.subarray(skip, skip + length);
    },
  };
}

/** Peak JS heap while `work` runs (Chromium with --enable-precise-memory-info; undefined elsewhere). */
async function withHeapPeak<T>(work: () => Promise<T>): Promise<T & { heapPeakBytes?: number; heapBaseBytes?: number }> {
  const heap = () => performance.memory?.usedJSHeapSize;
  const base = heap();
  let peak = base;
  const timer = setInterval(() => {
    const now = heap();
    if (now !== undefined && (peak === undefined || now > peak)) peak = now;
  }, 20);
  try {
    const result = await work();
    return { ...result, ...(peak !== undefined ? { heapPeakBytes: peak, heapBaseBytes: base } : {}) };
  } finally {
    clearInterval(timer);
  }
}

function attachFiles(end: RtcEnd, peerId: string): FileTransfers {
  const transfers = files!;
  transfers.attach({
    peerId,
    conversation,
    sendControl: (frame) => {
      end.chat.send(encodeFrame(frame) as Uint8Array<ArrayBuffer>);
      return true;
    },
    bulk: end.bulk,
  });
  end.chat.addEventListener('message', ({ data }: MessageEvent<ArrayBuffer | string>) => {
    if (typeof data === 'string') return;
    const decoded = decodeFrame(new Uint8Array(data));
    if (decoded.ok) transfers.receive(peerId, decoded.frame as FileFrame);
  });
  return transfers;
}

const bench = {
  async init(): Promise<string> {
    sodium = await getSodium();
    disk = new OpfsFileStore(new URL('./file-sink-worker.js', location.href));
    files = await FileTransfers.open({ store: new MemoryTransferStore(), sinks: disk });
    return navigator.userAgent;
  },

  async offer(label: string): Promise<RTCSessionDescriptionInit> {
    const end = createRtcEnd();
    ends.set(label, end);
    return offerFrom(end.pc);
  },

  async answer(label: string, offer: RTCSessionDescriptionInit): Promise<RTCSessionDescriptionInit> {
    const end = createRtcEnd();
    ends.set(label, end);
    return answerTo(end.pc, offer);
  },

  async complete(label: string, answer?: RTCSessionDescriptionInit): Promise<number> {
    const end = ends.get(label)!;
    if (answer) await end.pc.setRemoteDescription(answer);
    const done = await end.finish();
    open.set(label, done);
    if (label.startsWith('ours')) {
      // A later 'ours-…' connection replaces the first (a reconnect): time from attaching to its first chunk.
      resume = { attachedAt: performance.now(), receivedChunks: 0 };
      const stats = resume;
      done.bulk.on('message', () => {
        stats.firstChunkAt ??= performance.now();
        stats.receivedChunks++;
      });
      attachFiles(done, 'peer');
    }
    return done.bulk.maxMessageBytes;
  },

  /** Receiver: resolves once `share` of the file is written. */
  waitShare(fileId: string, share: number): Promise<number> {
    return new Promise((resolve) => {
      const off = files!.on('progress', (p) => {
        if (p.fileId !== fileId || p.bytes < share * p.total) return;
        off();
        resolve(p.bytes);
      });
    });
  },

  /** Sender: the link drops (the connection closes; the receiver sees its channels close). */
  drop(label: string): void {
    open.get(label)?.pc.close();
  },

  resumeStats(): { resumeMs?: number; receivedChunks: number } {
    return { ...(resume?.firstChunkAt !== undefined ? { resumeMs: resume.firstChunkAt - resume.attachedAt } : {}), receivedChunks: resume?.receivedChunks ?? 0 };
  },

  /** Sender: offers `size` bytes (hashing them first); the receiver's accept starts the transfer. */
  async offerFile(size: number): Promise<{ fileId: string; prepareMs: number }> {
    const started = performance.now();
    const view = await files!.offer({ peerId: 'peer', conversation, source: keystreamSource(size), name: 'bench.bin', mime: 'application/octet-stream' });
    return { fileId: view.fileId, prepareMs: performance.now() - started };
  },

  /** Receiver: accepts the offer and waits until the file is written, its hash checked and committed. */
  async receiveFile(fileId: string): Promise<{ ms: number; bytes: number; state: string; heapPeakBytes?: number; heapBaseBytes?: number }> {
    const transfers = files!;
    return withHeapPeak(async () => {
      const done = new Promise<TransferView>((resolve, reject) => {
        transfers.on('done', (view) => view.fileId === fileId && resolve(view));
        transfers.on('failed', (failure) => failure.transfer.fileId === fileId && !failure.resumable && reject(new Error(failure.code)));
      });
      for (let i = 0; !transfers.get(fileId) && i < 500; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      const started = performance.now();
      await transfers.accept(fileId);
      const view = await done;
      const ms = performance.now() - started;
      if (view.finishedRef) await removeFinishedFile(view.finishedRef);
      return { ms, bytes: view.size, state: view.state };
    });
  },

  /** Sender, bare channel: on "go", sends `size` bytes from the same source as 64 KiB messages. */
  bareSend(size: number): Promise<void> {
    const channel = open.get('bare')!.bulk;
    const source = keystreamSource(size);
    channel.bufferedAmountLowThreshold = lowWaterBytes;
    return new Promise((resolve, reject) => {
      const off = channel.on('message', () => {
        off();
        void (async () => {
          for (let offset = 0; offset < size; offset += readBytes) {
            const batch = await source.read(offset, Math.min(readBytes, size - offset));
            for (let at = 0; at < batch.length; at += bulkMessageBytes) {
              if (channel.bufferedAmount >= highWaterBytes) await new Promise<void>((go) => { const stop = channel.on('buffered-low', () => { stop(); go(); }); });
              channel.send(batch.subarray(at, Math.min(batch.length, at + bulkMessageBytes)));
            }
          }
          resolve();
        })().catch(reject);
      });
    });
  },

  /** Receiver, bare channel: says "go" and counts bytes until `size` arrived. */
  bareReceive(size: number): Promise<{ ms: number; bytes: number; heapPeakBytes?: number; heapBaseBytes?: number }> {
    const channel = open.get('bare')!.bulk;
    return withHeapPeak(
      () =>
        new Promise((resolve) => {
          let bytes = 0;
          const started = performance.now();
          const off = channel.on('message', (message) => {
            bytes += message.length;
            if (bytes < size) return;
            off();
            resolve({ ms: performance.now() - started, bytes });
          });
          channel.send(new Uint8Array([1]));
        }),
    );
  },
};

window.bench = bench;
