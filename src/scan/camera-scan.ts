// One camera scan: opens the camera into a <video>, hands a frame to the decoder every `frameIntervalMs`
// (one decode at a time), and stops the camera as soon as `onText` accepts a text or `stop()` is called.
import { toError } from '../errors';
import { openCamera, stopCamera, type CameraHost } from './camera';
import type { QrDecoder } from './qr-decoder';
import { PixelReader } from './frames';

/** Time between the end of one decode and the next frame: ~8 tries a second, light on a phone's battery. */
const frameIntervalMs = 120;
/** Longest side of a frame handed to the decoder; a Tincan QR code (up to ~60 modules) reads well below it. */
const frameMaxSidePx = 960;

export interface CameraScanOptions {
  video: HTMLVideoElement;
  decoder: QrDecoder;
  /** Called with every decoded text; return true to accept it, which stops the scan. */
  onText: (text: string) => boolean;
  /** Called once if decoding itself breaks (the worker failed to load); the scan is stopped. */
  onFailure: (error: Error) => void;
  camera?: CameraHost;
}

export class CameraScan {
  private stream?: MediaStream;
  private timer?: ReturnType<typeof setTimeout>;
  private readonly pixels = new PixelReader();
  private isStopped = false;

  constructor(private readonly options: CameraScanOptions) {}

  /** Opens the camera and starts decoding. Rejects with a TincanError (CAMERA_*) if the camera fails. */
  async start(): Promise<void> {
    const stream = await openCamera(this.options.camera);
    if (this.isStopped) {
      stopCamera(stream);
      return;
    }
    this.stream = stream;
    const { video } = this.options;
    video.srcObject = stream;
    try {
      await video.play();
    } catch {
      // play() rejects when stop() detached the stream meanwhile; frames are read from the element anyway.
    }
    this.scheduleFrame(0);
  }

  stop(): void {
    if (this.isStopped) return;
    this.isStopped = true;
    clearTimeout(this.timer);
    stopCamera(this.stream);
    this.options.video.srcObject = null;
  }

  private scheduleFrame(delayMs: number): void {
    if (this.isStopped) return;
    this.timer = setTimeout(() => {
      this.readFrame().catch((thrown: unknown) => {
        if (this.isStopped) return;
        this.stop();
        this.options.onFailure(toError(thrown));
      });
    }, delayMs);
  }

  private async readFrame(): Promise<void> {
    const { video, decoder, onText } = this.options;
    // HAVE_CURRENT_DATA: the first frame has arrived and has a size.
    if (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || video.videoWidth === 0) {
      this.scheduleFrame(frameIntervalMs);
      return;
    }
    const image = this.pixels.read(video, video.videoWidth, video.videoHeight, frameMaxSidePx);
    const text = await decoder.decode(image, 'dontInvert');
    if (this.isStopped) return;
    if (text !== null && onText(text)) this.stop();
    else this.scheduleFrame(frameIntervalMs);
  }
}
