// Where a call sits in the shell: on a 360 px phone it covers the page (the person is on the call); on a wide screen
// it is docked at the top of the conversation's pane, so the newest messages and the composer stay in view and can be
// typed into during the call (issue 22: the full-page call covered the composer on desktops).
import './fixed-clock';
import { expect } from '@esm-bundle/chai';
import { setViewport } from '@web/test-runner-commands';
import { control, deepScreens, FixtureApp, mountShell, settle, useView } from './fixtures';
import type { TincanShell } from '../../../src/ui/tincan-shell';

afterEach(() => document.querySelectorAll('tc-tincan-shell').forEach((el) => el.remove()));
after(async () => useView('desktop', 'light'));

/** The element a click at (x, y) reaches, through open shadow roots. */
function hitAt(x: number, y: number): Element | null {
  let hit = document.elementFromPoint(x, y);
  while (hit?.shadowRoot) {
    const inner = hit.shadowRoot.elementFromPoint(x, y);
    // Outside this shadow tree (elementFromPoint answers its host or a node of the outer tree): the host is hit.
    if (!inner || inner.getRootNode() !== hit.shadowRoot) break;
    hit = inner;
  }
  return hit;
}

/** The focused element, through open shadow roots. */
function deepActiveElement(): Element | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

const centreOf = (el: Element) => {
  const box = el.getBoundingClientRect();
  return [box.left + box.width / 2, box.top + box.height / 2] as const;
};

async function shellInCall(video = false): Promise<TincanShell> {
  const { state } = deepScreens['chat-call']!;
  return mountShell(new FixtureApp(video ? { ...state, call: { ...state.call!, video: true, cameraOff: false, canSwitchCamera: true } } : state));
}

/** Each control of the call, by name, and whether a click at its centre reaches it. */
function reachableControls(shell: TincanShell): Record<string, boolean> {
  const controls = [...shell.shadowRoot!.querySelector('tc-call-view')!.shadowRoot!.querySelectorAll('.controls button')];
  return Object.fromEntries(controls.map((b) => [b.textContent!.trim(), hitAt(...centreOf(b)) === b]));
}

describe('a call in the shell', () => {
  it('on a wide screen leaves the composer and the newest message in reach under the call', async () => {
    await useView('desktop', 'light');
    const shell = await shellInCall();
    const end = control(shell, 'button', 'End call');
    const box = control(shell, 'textarea', 'Message');
    const [endX, endY] = centreOf(end);
    expect(hitAt(endX, endY) === end, '"End call" can be clicked').to.equal(true);
    const [boxX, boxY] = centreOf(box);
    expect(hitAt(boxX, boxY) === box, 'the composer can be clicked, not covered by the call').to.equal(true);
    const call = shell.shadowRoot!.querySelector('tc-call-view')!.shadowRoot!.querySelector('.call')!;
    expect(call.getBoundingClientRect().bottom, 'the call ends above the composer').to.be.at.most(box.getBoundingClientRect().top);
    const log = shell.shadowRoot!.querySelector('tc-chat-screen')!.shadowRoot!.querySelector('tc-message-log')!;
    const newest = [...log.shadowRoot!.querySelectorAll('.msg p')].at(-1)!;
    const [newestX, newestY] = centreOf(newest);
    expect(hitAt(newestX, newestY) === newest, 'the newest message is in view, not under the call').to.equal(true);
    box.focus();
    expect(deepActiveElement() === box, 'focus can go to the composer').to.equal(true);
  });

  // The window crosses the phone/desktop width during the call: the call moves between its two places, and the
  // focus the person put in the composer stays there (it went back to "End call").
  it('keeps the focus in the composer when the window is resized across the phone width during a call', async () => {
    await useView('desktop', 'light');
    const shell = await shellInCall();
    const box = control(shell, 'textarea', 'Message');
    box.focus();
    await setViewport({ width: 700, height: 800 });
    await settle(shell);
    await setViewport({ width: 1000, height: 800 });
    await settle(shell);
    const [boxX, boxY] = centreOf(box);
    expect(hitAt(boxX, boxY) === box, 'the composer in reach again').to.equal(true);
    expect(deepActiveElement() === box, 'focus still in the composer').to.equal(true);
  });

  // An 800x600 window (the end-to-end tests' size): the own camera's preview, sized by the page's width over the whole
  // page, covered "Switch camera" in the docked call's lower height.
  it('on a small wide window a video call\'s own preview leaves every control in reach', async () => {
    await setViewport({ width: 800, height: 600 });
    const shell = await shellInCall(true);
    await settle(shell);
    expect(reachableControls(shell)).to.deep.equal({ Mute: true, 'Turn camera off': true, 'Switch camera': true, 'End call': true });
  });

  it('on a phone covers the page, its controls in view', async () => {
    await useView('phone', 'light');
    const shell = await shellInCall();
    const call = shell.shadowRoot!.querySelector('tc-call-view')!.shadowRoot!.querySelector('.call')!;
    const box = call.getBoundingClientRect();
    expect([box.left, box.top, box.width, box.height]).to.deep.equal([0, 0, innerWidth, innerHeight]);
    const end = control(shell, 'button', 'End call');
    const [endX, endY] = centreOf(end);
    expect(hitAt(endX, endY) === end, 'reached by a click').to.equal(true);
  });
});
