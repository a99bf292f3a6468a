// <tc-call-view> in a real browser: the incoming call is a dialog named "Incoming call" with its two buttons and
// focus on "Accept call"; the call itself fills a 360 px phone with its controls in view, names its status "Call",
// says "In call" only in that phase, and sends the person's choices up as events. A call's entry in the history is
// its sentence, not an empty bubble.
import { expect } from '@esm-bundle/chai';
import type { CallView as CallViewState } from '../../../src/app/app-state';
import type { CallView } from '../../../src/ui/call-view';
import type { MessageLog } from '../../../src/ui/message-log';
import '../../../src/ui/call-view';
import '../../../src/ui/message-log';
import { setViewport } from '@web/test-runner-commands';
import { loadAppCss, sizes } from './fixtures';

const ringing: CallViewState = {
  id: 'AAAAAAAAAAAAAAAAAAAAAA', contactId: 'bob', name: 'Bob', video: true, direction: 'in', phase: 'ringing-in', muted: false, cameraOff: false,
};

async function mount(call: CallViewState): Promise<CallView> {
  await loadAppCss();
  const view = document.createElement('tc-call-view');
  view.call = call;
  document.body.append(view);
  await view.updateComplete;
  return view;
}

const button = (view: CallView, name: string) =>
  [...view.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent!.trim() === name);

afterEach(() => document.querySelectorAll('tc-call-view, tc-message-log').forEach((el) => el.remove()));

describe('tc-call-view', () => {
  it('rings as a dialog named "Incoming call", focused on "Accept call"', async () => {
    const view = await mount(ringing);
    const dialog = view.shadowRoot!.querySelector('[role="dialog"]')!;
    const title = view.shadowRoot!.getElementById(dialog.getAttribute('aria-labelledby')!)!;
    expect(title.textContent).to.equal('Incoming call');
    expect(dialog.textContent).to.contain('Bob is calling you (video)');
    expect(view.shadowRoot!.activeElement).to.equal(button(view, 'Accept call'));
    const seen: string[] = [];
    for (const type of ['tc-accept-call', 'tc-decline-call']) view.addEventListener(type, () => seen.push(type));
    button(view, 'Decline call')!.click();
    button(view, 'Accept call')!.click();
    expect(seen).to.deep.equal(['tc-decline-call', 'tc-accept-call']);
  });

  it('fills a phone with the call, its controls in view and its status named "Call"', async () => {
    await setViewport(sizes.phone);
    const view = await mount({ ...ringing, direction: 'out', phase: 'connecting' });
    const status = view.shadowRoot!.querySelector('[role="status"]')!;
    expect(status.getAttribute('aria-label')).to.equal('Call');
    expect(status.textContent).to.equal('Connecting…');
    view.call = { ...view.call!, phase: 'in-call', connectedAt: Date.now() };
    await view.updateComplete;
    expect(status.textContent).to.equal('In call');
    const call = view.shadowRoot!.querySelector<HTMLElement>('.call')!.getBoundingClientRect();
    expect(call.width).to.equal(window.innerWidth);
    expect(call.height).to.equal(window.innerHeight);
    for (const name of ['Mute', 'Turn camera off', 'End call']) {
      const box = button(view, name)!.getBoundingClientRect();
      expect(box.bottom, name).to.be.at.most(window.innerHeight);
      expect(box.height, name).to.be.at.least(44);
    }
    expect(view.shadowRoot!.activeElement).to.equal(button(view, 'End call'));
    // Its path or chat link lost: set up anew, the same controls in reach.
    view.call = { ...view.call!, phase: 'reconnecting' };
    await view.updateComplete;
    expect(status.textContent).to.equal('Reconnecting…');
    expect(!!button(view, 'End call')).to.equal(true);
  });

  it('sends mute and camera choices as toggles', async () => {
    const view = await mount({ ...ringing, phase: 'in-call', muted: true });
    const seen: unknown[] = [];
    view.addEventListener('tc-set-muted', (e) => seen.push((e as CustomEvent).detail));
    view.addEventListener('tc-set-camera-off', (e) => seen.push((e as CustomEvent).detail));
    expect(button(view, 'Mute')!.getAttribute('aria-pressed')).to.equal('true');
    expect(button(view, 'Turn camera off')!.getAttribute('aria-pressed')).to.equal('false');
    button(view, 'Mute')!.click();
    button(view, 'Turn camera off')!.click();
    expect(seen).to.deep.equal([{ muted: false }, { off: true }]);
  });

  it('offers "Switch camera" only while the camera is on and another one is listed', async () => {
    const view = await mount({ ...ringing, phase: 'in-call' });
    expect(button(view, 'Switch camera')).to.equal(undefined);
    view.call = { ...view.call!, canSwitchCamera: true };
    await view.updateComplete;
    const seen: string[] = [];
    view.addEventListener('tc-switch-camera', (e) => seen.push(e.type));
    button(view, 'Switch camera')!.click();
    expect(seen).to.deep.equal(['tc-switch-camera']);
    view.call = { ...view.call!, cameraOff: true };
    await view.updateComplete;
    expect(button(view, 'Switch camera')).to.equal(undefined);
  });

  it('plays the other person\'s voice in an audio element of its own, their video muted', async () => {
    const remoteMedia = new MediaStream();
    const view = await mount({ ...ringing, video: false, cameraOff: true, phase: 'in-call', remoteMedia });
    const voice = view.shadowRoot!.querySelector('audio')!;
    const video = view.shadowRoot!.querySelector<HTMLVideoElement>('video[data-remote]')!;
    expect(voice.srcObject).to.equal(remoteMedia);
    expect(voice.muted).to.equal(false);
    expect(video.muted).to.equal(true);
  });

  it('a call in the history reads as its sentence', async () => {
    await loadAppCss();
    const log = document.createElement('tc-message-log') as MessageLog;
    Object.assign(log, {
      conversationId: 'bob',
      peerName: 'Bob',
      messages: [
        { id: 'c1', direction: 'in', text: '', sentAt: Date.now(), state: 'delivered', index: 0, call: { video: false, outcome: 'missed' } },
        { id: 'c2', direction: 'out', text: '', sentAt: Date.now(), state: 'delivered', index: 1, call: { video: true, outcome: 'answered', durationMs: 65_000 } },
      ],
    });
    document.body.append(log);
    await log.updateComplete;
    const texts = [...log.shadowRoot!.querySelectorAll('.msg p')].map((p) => p.textContent);
    expect(texts).to.deep.equal(['Missed voice call', 'Video call, 1 min']);
  });
});
