// Opening the camera for scanning: the rear camera where there is one, video only. Every failure comes out
// as a TincanError with a scan error code, so the UI has one thing to catch.
import { TincanError } from '../errors';
import { cameraErrorCode } from './scan-errors';

/** Asks for the rear camera ("environment") when there is a choice; a laptop's only camera still fits. */
const cameraConstraints: MediaStreamConstraints = {
  audio: false,
  video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } },
};

export interface CameraHost {
  isSecureContext: boolean;
  mediaDevices?: Pick<MediaDevices, 'getUserMedia'>;
}

/** Opens the camera. `host` defaults to the real window and navigator (tests pass their own). */
export async function openCamera(
  host: CameraHost = { isSecureContext: globalThis.isSecureContext, mediaDevices: navigator.mediaDevices },
): Promise<MediaStream> {
  // Browsers hide navigator.mediaDevices entirely on http:// pages (other than localhost).
  if (!host.isSecureContext) throw new TincanError('CAMERA_INSECURE');
  if (!host.mediaDevices?.getUserMedia) throw new TincanError('CAMERA_MISSING');
  try {
    return await host.mediaDevices.getUserMedia(cameraConstraints);
  } catch (thrown) {
    throw new TincanError(cameraErrorCode(thrown), thrown instanceof Error ? thrown.message : undefined);
  }
}

export function stopCamera(stream: MediaStream | undefined): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}
