// Web Worker entry (its own esbuild entry point, loaded only when a scan starts): decodes one frame at a
// time with jsQR, off the main thread. jsQR takes about 10 ms for a 640x480 frame on a desktop core.
import jsQR from 'jsqr';
import type { DecodeRequest, DecodeResponse } from './qr-protocol';

/** The part of the worker global this file uses (the project's type-check sees the DOM lib, not WebWorker). */
interface WorkerScope {
  onmessage: ((event: MessageEvent<DecodeRequest>) => void) | null;
  postMessage(message: DecodeResponse): void;
}

const scope = self as unknown as WorkerScope;

scope.onmessage = ({ data: request }) => {
  const { id, width, height, pixels, inversion } = request;
  let text: string | null = null;
  try {
    text = jsQR(new Uint8ClampedArray(pixels), width, height, { inversionAttempts: inversion })?.data ?? null;
  } catch {
    // jsQR throws on some damaged codes instead of returning null: for the scanner that is "not found".
    text = null;
  }
  scope.postMessage({ id, text });
};
