// One capture of the microphone (and camera) for every leg of a group call (net/call-link.ts CallCapture; docs/calls.md
// "Group calls"). Browser only. The legs (net/call-peer.ts) send the same tracks: the microphone is asked for once,
// mute (track.enabled) is one state for all of them, "Turn camera off" stops the one camera track, and turning it on
// again captures one new track that every leg puts on its video sender. The tracks stop when the group call releases
// the capture, not when one leg closes (the others go on with them).
import type { CallCapture } from './call-link';

export class SharedCapture implements CallCapture {
  private stream?: Promise<MediaStream>;
  /** While the camera comes on again: the one track every leg waits for. */
  private camera?: Promise<MediaStreamTrack>;
  private released = false;

  constructor(private readonly video: boolean) {}

  /** The microphone (and camera): asked for by the first leg, the same stream for the others (a refusal for all). */
  media(): Promise<MediaStream> {
    this.stream ??= navigator.mediaDevices.getUserMedia({ audio: true, video: this.video }).then((stream) => {
      if (this.released) stopAll(stream);
      return stream;
    });
    return this.stream;
  }

  /** "Turn camera off": the camera's track stops (once, whichever leg asks first). */
  async cameraOff(): Promise<void> {
    const stream = await this.stream;
    this.camera = undefined;
    for (const track of stream?.getVideoTracks() ?? []) {
      track.stop();
      stream!.removeTrack(track);
    }
  }

  /** The camera on again: one new track for every leg (the first asks for it, the others get the same). */
  async cameraOn(): Promise<MediaStreamTrack> {
    const stream = await this.media();
    const live = stream.getVideoTracks().find((track) => track.readyState === 'live');
    if (live) return live;
    this.camera ??= navigator.mediaDevices.getUserMedia({ video: true }).then((camera) => {
      const track = camera.getVideoTracks()[0]!;
      if (this.released) track.stop();
      else stream.addTrack(track);
      // From now on the stream has it; a track that later ends by itself is asked for again, not handed out dead.
      this.camera = undefined;
      return track;
    });
    const camera = this.camera;
    // A refusal is for this attempt only: the next "Turn camera on" asks again.
    camera.catch(() => {
      if (this.camera === camera) this.camera = undefined;
    });
    return camera;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    void this.stream?.then(stopAll, () => undefined);
  }
}

function stopAll(stream: MediaStream): void {
  for (const track of stream.getTracks()) track.stop();
}
