// Which camera "Switch camera" turns to (net/call-peer.ts), DOM-free. On a phone the camera says which way it
// faces: the other side's is asked for by facingMode (user <-> environment), so the browser picks that side's main
// camera however many lenses the phone lists. Where the camera does not say (desktops, fake devices), the next
// camera in the browser's list, round. The last choice is the camera in use now, so a failed switch gets it back.

export type FacingMode = 'user' | 'environment';

/** The camera in use, from its track's settings. */
export interface CameraNow {
  readonly deviceId?: string;
  readonly facingMode?: string;
}

/** A camera the browser lists (enumerateDevices, kind "videoinput"). */
export interface CameraDevice {
  readonly deviceId: string;
}

export type CameraConstraints = { readonly facingMode: { readonly exact: FacingMode } } | { readonly deviceId: { readonly exact: string } };

/** Whether there is another camera to switch to: more than one listed with an id. */
export function canSwitchCamera(cameras: readonly CameraDevice[]): boolean {
  return new Set(cameras.map((c) => c.deviceId).filter(Boolean)).size > 1;
}

/** What to ask getUserMedia for, in order: the other side, else the next listed camera; then the one in use. */
export function cameraChoices(now: CameraNow, cameras: readonly CameraDevice[]): CameraConstraints[] {
  const ids = [...new Set(cameras.map((c) => c.deviceId).filter(Boolean))];
  if (ids.length < 2) return [];
  const choices: CameraConstraints[] = [];
  if (now.facingMode === 'user' || now.facingMode === 'environment') {
    choices.push({ facingMode: { exact: now.facingMode === 'user' ? 'environment' : 'user' } });
  }
  const at = now.deviceId ? ids.indexOf(now.deviceId) : -1;
  choices.push({ deviceId: { exact: ids[(at + 1) % ids.length]! } });
  if (now.deviceId) choices.push({ deviceId: { exact: now.deviceId } });
  return choices;
}
