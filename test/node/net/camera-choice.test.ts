// "Switch camera" (net/camera-choice.ts): what getUserMedia is asked for, in order. A phone's camera says which way
// it faces, so the other side is asked for (its main camera, however many lenses are listed); a camera that does not
// say (desktop, Chromium's fake devices) gives way to the next one listed, round; the camera in use comes last, so a
// failed switch gets it back. One camera, or none with an id: nothing to switch to.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cameraChoices, canSwitchCamera } from '../../../src/net/camera-choice';

const phone = [{ deviceId: 'front' }, { deviceId: 'back-wide' }, { deviceId: 'back-ultra' }];

describe('camera choice', () => {
  it('a front camera turns to the back (environment), then the next listed, then itself', () => {
    assert.deepEqual(cameraChoices({ deviceId: 'front', facingMode: 'user' }, phone), [
      { facingMode: { exact: 'environment' } },
      { deviceId: { exact: 'back-wide' } },
      { deviceId: { exact: 'front' } },
    ]);
  });

  it('a back camera turns to the front (user)', () => {
    assert.deepEqual(cameraChoices({ deviceId: 'back-ultra', facingMode: 'environment' }, phone)[0], { facingMode: { exact: 'user' } });
    assert.deepEqual(cameraChoices({ deviceId: 'back-ultra', facingMode: 'environment' }, phone)[1], { deviceId: { exact: 'front' } });
  });

  it('a camera that does not say which way it faces gives way to the next listed, round', () => {
    const desk = [{ deviceId: 'a' }, { deviceId: 'b' }];
    assert.deepEqual(cameraChoices({ deviceId: 'a' }, desk), [{ deviceId: { exact: 'b' } }, { deviceId: { exact: 'a' } }]);
    assert.deepEqual(cameraChoices({ deviceId: 'b' }, desk), [{ deviceId: { exact: 'a' } }, { deviceId: { exact: 'b' } }]);
    assert.deepEqual(cameraChoices({}, desk), [{ deviceId: { exact: 'a' } }]);
  });

  it('one camera, or cameras listed without ids (no permission yet), offer no switch', () => {
    for (const cameras of [[], [{ deviceId: 'only' }], [{ deviceId: '' }, { deviceId: '' }], [{ deviceId: 'x' }, { deviceId: 'x' }]]) {
      assert.equal(canSwitchCamera(cameras), false);
      assert.deepEqual(cameraChoices({ deviceId: 'only', facingMode: 'user' }, cameras), []);
    }
    assert.equal(canSwitchCamera(phone), true);
  });
});
