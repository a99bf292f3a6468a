// Finding a QR code in a frame: the browser's own BarcodeDetector where it reads QR codes (Chrome on Android
// and macOS, Safari), else jsQR in a Web Worker. The worker is a separate file (esbuild entry point
// src/scan/qr-worker.ts), started only when a scan starts, so jsQR is never part of the page's first download.
import type { DecodeRequest, DecodeResponse, Inversion } from './qr-protocol';

/** The worker's URL relative to the page, injected by build.mjs (the file name carries a content hash). */
declare const __TC_QR_WORKER_URL__: string | undefined;
const qrWorkerPath = typeof __TC_QR_WORKER_URL__ === 'string' ? __TC_QR_WORKER_URL__ : './qr-worker.js';

export interface QrDecoder {
  /** The text of a QR code in `image`, or null when there is none. */
  decode(image: ImageData, inversion: Inversion): Promise<string | null>;
  /** Ends the worker, if one was started. Pending decodes resolve to null. */
  close(): void;
}

/** The parts of the Barcode Detection API used here (not in TypeScript's DOM lib yet). */
interface BarcodeDetectorInstance {
  detect(image: ImageBitmapSource): Promise<{ rawValue: string }[]>;
}
interface BarcodeDetectorClass {
  new (options: { formats: string[] }): BarcodeDetectorInstance;
  getSupportedFormats(): Promise<string[]>;
}

async function nativeQrDetector(): Promise<BarcodeDetectorInstance | undefined> {
  const Detector = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
  if (!Detector) return undefined;
  try {
    const formats = await Detector.getSupportedFormats();
    return formats.includes('qr_code') ? new Detector({ formats: ['qr_code'] }) : undefined;
  } catch {
    return undefined;
  }
}

class WorkerDecoder implements QrDecoder {
  private readonly worker: Worker;
  private readonly pending = new Map<number, (text: string | null) => void>();
  private nextId = 1;
  private failure?: Error;

  constructor(url: URL) {
    this.worker = new Worker(url, { name: 'tincan-qr' });
    this.worker.onmessage = ({ data }: MessageEvent<DecodeResponse>) => {
      this.pending.get(data.id)?.(data.text);
      this.pending.delete(data.id);
    };
    // A worker that fails to load (offline before it was cached, a CSP mistake) fails every decode after it.
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.failure = new Error(`QR worker failed: ${event.message || 'could not load'}`);
      this.close();
    };
  }

  decode(image: ImageData, inversion: Inversion): Promise<string | null> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const pixels = image.data.buffer as ArrayBuffer;
    const request: DecodeRequest = { id, width: image.width, height: image.height, pixels, inversion };
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.worker.postMessage(request, [pixels]);
    });
  }

  close(): void {
    this.worker.terminate();
    for (const resolve of this.pending.values()) resolve(null);
    this.pending.clear();
  }
}

/** BarcodeDetector first; if it turns out not to work (Linux Chromium behind a flag: "not implemented"),
 * every later frame goes to the jsQR worker, which is started only then. */
class FallbackDecoder implements QrDecoder {
  private worker?: WorkerDecoder;
  private closed = false;

  constructor(
    private native: BarcodeDetectorInstance | undefined,
    private readonly workerUrl: URL,
  ) {
    // Without a native detector, start loading the worker now: it loads while the camera opens.
    if (!native) this.worker = new WorkerDecoder(workerUrl);
  }

  async decode(image: ImageData, inversion: Inversion): Promise<string | null> {
    if (this.native) {
      try {
        const [found] = await this.native.detect(image);
        return found?.rawValue ?? null;
      } catch {
        this.native = undefined;
      }
    }
    if (this.closed) return null;
    this.worker ??= new WorkerDecoder(this.workerUrl);
    return this.worker.decode(image, inversion);
  }

  close(): void {
    this.closed = true;
    this.worker?.close();
  }
}

/** Makes a decoder for one scan. `baseUrl` is what the worker path is relative to: the page. */
export async function createQrDecoder(baseUrl: string = document.baseURI): Promise<QrDecoder> {
  return new FallbackDecoder(await nativeQrDetector(), new URL(qrWorkerPath, baseUrl));
}
