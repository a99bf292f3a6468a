// The errors scanning can end in, as the app-wide error codes (src/errors.ts), and how camera failures map
// onto them. getUserMedia names its failures with DOMException names, not codes:
// https://w3c.github.io/mediacapture-main/#dom-mediadevices-getusermedia
import { isTincanError, type ErrorCode } from '../errors';

export type ScanErrorCode = Extract<ErrorCode, 'CAMERA_DENIED' | 'CAMERA_MISSING' | 'CAMERA_INSECURE' | 'QR_NOT_FOUND'>;

const byExceptionName: Record<string, ScanErrorCode> = {
  NotAllowedError: 'CAMERA_DENIED', // the person (or a policy) refused
  SecurityError: 'CAMERA_DENIED', // camera blocked by permissions policy
  NotFoundError: 'CAMERA_MISSING', // no camera at all
  OverconstrainedError: 'CAMERA_MISSING', // no camera that fits the constraints
  NotReadableError: 'CAMERA_MISSING', // a camera exists but another app holds it or the OS refused
  AbortError: 'CAMERA_MISSING',
};

/** Maps what getUserMedia rejected with to a scan error code; anything unnamed counts as no usable camera. */
export function cameraErrorCode(thrown: unknown): ScanErrorCode {
  const name = typeof thrown === 'object' && thrown !== null && 'name' in thrown ? String(thrown.name) : '';
  return byExceptionName[name] ?? 'CAMERA_MISSING';
}

const scanErrorCodes: readonly string[] = ['CAMERA_DENIED', 'CAMERA_MISSING', 'CAMERA_INSECURE', 'QR_NOT_FOUND'] satisfies ScanErrorCode[];

/** The scan error code carried by a TincanError, or undefined for anything else (which is a bug to rethrow). */
export function scanErrorCodeOf(thrown: unknown): ScanErrorCode | undefined {
  return isTincanError(thrown) && scanErrorCodes.includes(thrown.code) ? (thrown.code as ScanErrorCode) : undefined;
}
