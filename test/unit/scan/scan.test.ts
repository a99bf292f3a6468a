// The pure parts of scanning: which scanned texts reach the app, and how camera failures are named; and the
// camera opener with a fake host. Decoding itself runs against a fake camera in test/e2e/scan.test.mjs.
import { expect } from '@esm-bundle/chai';
import { isTincanError } from '../../../src/errors';
import { openCamera } from '../../../src/scan/camera';
import { cameraErrorCode, scanErrorCodeOf } from '../../../src/scan/scan-errors';
import { looksLikeTincanText } from '../../../src/scan/scan-text';

describe('looksLikeTincanText', () => {
  it('accepts a bare code and a Tincan link, with surrounding spaces', () => {
    expect(looksLikeTincanText('5B6B2WXMZNYQ')).to.equal(true);
    expect(looksLikeTincanText('https://someone.github.io/tincan/#5B6B2WXMZNYQ')).to.equal(true);
    expect(looksLikeTincanText('  http://localhost:8080/#abc123\n')).to.equal(true);
  });

  it('refuses other QR contents', () => {
    for (const text of ['', 'https://example.com/menu', 'https://example.com/#', 'WIFI:S:home;T:WPA;P:x;;', 'https://example.com/#a-b', 'hello world']) {
      expect(looksLikeTincanText(text), text).to.equal(false);
    }
  });
});

describe('camera errors', () => {
  it('maps getUserMedia failures to scan error codes', () => {
    const named = (name: string) => new DOMException('x', name);
    expect(cameraErrorCode(named('NotAllowedError'))).to.equal('CAMERA_DENIED');
    expect(cameraErrorCode(named('NotFoundError'))).to.equal('CAMERA_MISSING');
    expect(cameraErrorCode(named('OverconstrainedError'))).to.equal('CAMERA_MISSING');
    expect(cameraErrorCode(new Error('odd'))).to.equal('CAMERA_MISSING');
    expect(cameraErrorCode('a string')).to.equal('CAMERA_MISSING');
  });

  it('explains an insecure page and a browser without mediaDevices before asking', async () => {
    const codeOf = (host: Parameters<typeof openCamera>[0]) => openCamera(host).then(() => 'opened', (e: unknown) => scanErrorCodeOf(e));
    expect(await codeOf({ isSecureContext: false })).to.equal('CAMERA_INSECURE');
    expect(await codeOf({ isSecureContext: true })).to.equal('CAMERA_MISSING');
    const denied = { getUserMedia: () => Promise.reject(new DOMException('no', 'NotAllowedError')) };
    expect(await codeOf({ isSecureContext: true, mediaDevices: denied })).to.equal('CAMERA_DENIED');
  });

  it('leaves errors that are not scan errors alone', () => {
    expect(scanErrorCodeOf(new Error('bug'))).to.equal(undefined);
    expect(isTincanError(new Error('bug'))).to.equal(false);
  });
});
