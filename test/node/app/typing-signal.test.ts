// The typing signal (app/typing-signal.ts): which typing frames a person's keystrokes and sends produce, on a
// made-up clock. What the peer must see: "typing" while someone types, not after they stop, and no frames of its
// own around each message of someone who sends without pausing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TypingSignal, typingPauseMs, typingRepeatMs, type TypingFrame } from '../../../src/app/typing-signal';

/** Runs a script of [time ms, action] against one signal, collecting the frames it asks for with their times. */
function play(script: readonly (readonly [number, 'key' | 'empty' | 'send' | 'tick' | 'stop'])[]): [number, TypingFrame][] {
  const signal = new TypingSignal();
  const frames: [number, TypingFrame][] = [];
  const note = (at: number, frame: TypingFrame | undefined) => frame && frames.push([at, frame]);
  for (const [at, action] of script) {
    if (action === 'key') note(at, signal.input(at, true));
    else if (action === 'empty') note(at, signal.input(at, false));
    else if (action === 'send') signal.sent(at);
    else if (action === 'stop') note(at, signal.stop());
    else note(at, signal.idle(at));
  }
  return frames;
}

describe('typing signal', () => {
  it('says "typing" at the first key, once, and "not typing" once after a pause', () => {
    const frames = play([[1000, 'key'], [1100, 'key'], [1200, 'key'], [1200 + typingPauseMs - 1, 'tick'], [1200 + typingPauseMs, 'tick'], [9000, 'tick']]);
    assert.deepEqual(frames, [[1000, 'on'], [1200 + typingPauseMs, 'off']]);
  });

  it('repeats "typing" while the typing goes on, no more often than every typingRepeatMs', () => {
    const keys = Array.from({ length: 60 }, (_, i) => [1000 + i * 100, 'key'] as const);
    const frames = play(keys);
    assert.deepEqual(frames, [[1000, 'on'], [1000 + typingRepeatMs, 'on'], [1000 + 2 * typingRepeatMs, 'on']]);
  });

  it('sends no typing frames around messages sent one after another without a pause', () => {
    const script: [number, 'key' | 'send'][] = [];
    for (let m = 0; m < 20; m++) script.push([10_000 + m * 200, 'key'], [10_000 + m * 200 + 50, 'send']);
    // The first message was typed after a quiet spell: "typing" once, ended by that message itself.
    assert.deepEqual(play(script), [[10_000, 'on']]);
  });

  it('says "typing" again when the person goes on typing past a pause after a send', () => {
    const frames = play([[1000, 'key'], [1500, 'send'], [1600, 'key'], [1500 + typingPauseMs, 'key'], [1500 + typingPauseMs + 100, 'send']]);
    assert.deepEqual(frames, [[1000, 'on'], [1500 + typingPauseMs, 'on']]);
  });

  it('a send ends "typing" without a frame: no "off" follows after the pause', () => {
    const signal = new TypingSignal();
    assert.equal(signal.input(1000, true), 'on');
    signal.sent(1200);
    assert.equal(signal.checkAt, undefined);
    assert.equal(signal.idle(1200 + typingPauseMs), undefined);
  });

  it('says "not typing" at once when the box is emptied or the typing is stopped, only if it was on', () => {
    assert.deepEqual(play([[1000, 'key'], [1500, 'empty'], [1600, 'empty'], [1700, 'stop']]), [[1000, 'on'], [1500, 'off']]);
    assert.deepEqual(play([[1000, 'key'], [1100, 'stop'], [1200, 'stop']]), [[1000, 'on'], [1100, 'off']]);
    assert.deepEqual(play([[1000, 'stop'], [1100, 'empty']]), []);
  });

  it('tells when to look again: the end of the pause while "typing" is on', () => {
    const signal = new TypingSignal();
    assert.equal(signal.checkAt, undefined);
    signal.input(1000, true);
    signal.input(1400, true);
    assert.equal(signal.checkAt, 1400 + typingPauseMs);
    assert.equal(signal.idle(1000 + typingPauseMs), undefined);
    assert.equal(signal.idle(1400 + typingPauseMs), 'off');
    assert.equal(signal.checkAt, undefined);
  });
});
