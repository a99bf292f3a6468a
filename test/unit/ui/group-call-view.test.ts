// Group calls in a real browser (ui/group-call-view.ts, the group's buttons): a group call rings as a dialog named
// "Incoming call" that names the group and who calls, focused on "Accept call"; the call fills a 360 px phone with
// one tile per other member named by the member list (by key), each saying how its leg is doing, the status "Call"
// and its controls in view, with no axe findings; a group's screen has "Voice call" and "Video call", and a group of
// more than four has them disabled and described by the limit's sentence; while the group's call goes on without this
// device, "Join voice call" or "Join video call" instead, and joining (again) takes focus to the call's "End call".
import { expect } from '@esm-bundle/chai';
import type { GroupCallView as GroupCallViewState } from '../../../src/app/app-state';
import type { GroupCallView } from '../../../src/ui/group-call-view';
import '../../../src/ui/group-call-view';
import { setViewport } from '@web/test-runner-commands';
import { allElements, axeViolations, button, climbers, deepScreens, FixtureApp, focused, loadAppCss, mountShell, nameOf, settle, useView } from './fixtures';

const ringing: GroupCallViewState = {
  id: 'AAAAAAAAAAAAAAAAAAAAAA',
  groupId: climbers.id,
  name: 'Climbers',
  video: false,
  direction: 'in',
  phase: 'ringing-in',
  muted: false,
  cameraOff: true,
  startedAt: Date.now(),
  members: [{ key: 'K-bob', contactId: 'bob', name: 'Bob', phase: 'ringing' }],
};

async function mount(call: GroupCallViewState): Promise<GroupCallView> {
  await loadAppCss();
  const view = document.createElement('tc-group-call-view');
  view.call = call;
  document.body.append(view);
  await view.updateComplete;
  return view;
}

const buttonIn = (view: GroupCallView, name: string) => [...view.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent!.trim() === name);

before(() => import('../../../src/ui/after-unlock'));
afterEach(() => document.querySelectorAll('tc-group-call-view, tc-tincan-shell').forEach((el) => el.remove()));
after(async () => useView('desktop', 'light'));

describe('tc-group-call-view', () => {
  it('rings as a dialog named "Incoming call" that names the group and who calls, focused on "Accept call"', async () => {
    const view = await mount({ ...ringing, members: [...ringing.members, { key: 'K-carol', contactId: 'carol', name: 'Carol', phase: 'ringing' }] });
    const dialog = view.shadowRoot!.querySelector('[role="dialog"]')!;
    expect(view.shadowRoot!.getElementById(dialog.getAttribute('aria-labelledby')!)!.textContent).to.equal('Incoming call');
    expect(view.shadowRoot!.getElementById(dialog.getAttribute('aria-describedby')!)!.textContent).to.equal('Bob, Carol are calling the group Climbers');
    expect(view.shadowRoot!.activeElement).to.equal(buttonIn(view, 'Accept call'));
    const seen: string[] = [];
    for (const type of ['tc-accept-call', 'tc-decline-call']) view.addEventListener(type, () => seen.push(type));
    buttonIn(view, 'Decline call')!.click();
    buttonIn(view, 'Accept call')!.click();
    expect(seen).to.deep.equal(['tc-decline-call', 'tc-accept-call']);
  });

  it('fills a phone with one tile per member, each named and saying its state, "In call" with one of them', async () => {
    await useView('phone', 'light');
    const view = await mount({
      ...ringing,
      phase: 'in-call',
      connectedAt: Date.now(),
      members: [
        { key: 'K-bob', contactId: 'bob', name: 'Bob', phase: 'in-call' },
        { key: 'K-dave-with-a-rather-long-name', contactId: 'dave', name: 'Dave Longname-Mountaineer', phase: 'connecting' },
      ],
    });
    const status = view.shadowRoot!.querySelector('[role="status"]')!;
    expect(status.getAttribute('aria-label')).to.equal('Call');
    expect(status.textContent).to.equal('In call');
    const tiles = allElements(view).find((el) => el.localName === 'ul' && nameOf(el) === 'People in the call')!;
    const items = [...tiles.querySelectorAll('li')];
    expect(items.map((li) => li.querySelector('p')!.textContent)).to.deep.equal(['Bob, In call', 'Dave Longname-Mountaineer, Connecting…']);
    expect(items.map((li) => li.querySelector('video')!.getAttribute('aria-label'))).to.deep.equal(["Bob's video", "Dave Longname-Mountaineer's video"]);
    for (const name of ['Mute', 'Turn camera off', 'End call']) {
      const box = buttonIn(view, name)!.getBoundingClientRect();
      expect(box.bottom, name).to.be.at.most(window.innerHeight);
      expect(box.height, name).to.be.at.least(44);
    }
    expect(view.shadowRoot!.activeElement).to.equal(buttonIn(view, 'End call'));
    expect(await axeViolations(view)).to.deep.equal([]);
    view.call = { ...view.call!, phase: 'ringing-out', members: view.call!.members.map((m) => ({ ...m, phase: 'ringing' as const })) };
    await view.updateComplete;
    expect(status.textContent).to.equal('Calling Climbers…');
  });

  it('docked in a small window, three members\' tiles stay inside the call and leave its controls within reach', async () => {
    // An 800 x 600 window: the conversation's pane is about 450 px wide and the docked call 300 px high. The tiles
    // once overflowed it and covered "End call" (bench/groups.mjs's call of four could not end the call).
    await setViewport({ width: 800, height: 600 });
    const pane = document.createElement('div');
    pane.style.width = '448px';
    document.body.append(pane);
    const view = document.createElement('tc-group-call-view');
    view.docked = true;
    view.call = {
      ...ringing,
      video: true,
      cameraOff: false,
      phase: 'in-call',
      connectedAt: Date.now(),
      members: ['Bob', 'Carol', 'Dave'].map((name) => ({ key: `K-${name}`, contactId: name.toLowerCase(), name, phase: 'in-call' as const })),
    };
    pane.append(view);
    await view.updateComplete;
    try {
      const frame = view.shadowRoot!.querySelector('.call')!.getBoundingClientRect();
      const tiles = [...view.shadowRoot!.querySelectorAll('.tile')].map((tile) => tile.getBoundingClientRect());
      expect(tiles.length).to.equal(3);
      for (const tile of tiles) {
        expect(tile.top, 'a tile inside the call').to.be.at.least(frame.top);
        expect(tile.bottom, 'a tile inside the call').to.be.at.most(frame.bottom);
        expect(tile.height, 'a tile still shows its video').to.be.at.least(64);
      }
      for (const name of ['Mute', 'Turn camera off', 'End call']) {
        const control = buttonIn(view, name)!;
        const box = control.getBoundingClientRect();
        const hit = view.shadowRoot!.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
        expect(hit === control || control.contains(hit), `${name} is what a click at its middle reaches`).to.equal(true);
      }
    } finally {
      pane.remove();
      await useView('desktop', 'light');
    }
  });

  it('sends mute and camera choices as toggles, and "End call"', async () => {
    const view = await mount({ ...ringing, phase: 'in-call', muted: true });
    const seen: unknown[] = [];
    view.addEventListener('tc-set-muted', (e) => seen.push((e as CustomEvent).detail));
    view.addEventListener('tc-set-camera-off', (e) => seen.push((e as CustomEvent).detail));
    view.addEventListener('tc-end-call', () => seen.push('end'));
    expect(buttonIn(view, 'Mute')!.getAttribute('aria-pressed')).to.equal('true');
    buttonIn(view, 'Mute')!.click();
    buttonIn(view, 'Turn camera off')!.click();
    buttonIn(view, 'End call')!.click();
    expect(seen).to.deep.equal([{ muted: false }, { off: false }, 'end']);
  });
});

describe('a group\'s call buttons', () => {
  it('"Voice call" and "Video call" in a group of four start its call', async () => {
    const app = new FixtureApp(deepScreens['chat-group']!.state);
    const shell = await mountShell(app);
    button(shell, 'Voice call').click();
    button(shell, 'Video call').click();
    expect(app.called('startCall')).to.deep.equal([[false], [true]]);
  });

  it('"Join voice call" (or "Join video call") while the group\'s call goes on without this device: it joins, and focus goes to the call', async () => {
    await useView('phone', 'light');
    const app = new FixtureApp(deepScreens['chat-group']!.state);
    const shell = await mountShell(app);
    const joinNamed = (name: string) => allElements(shell).find((el) => el.localName === 'button' && nameOf(el) === name) as HTMLButtonElement | undefined;
    const join = () => joinNamed('Join voice call');
    expect(!!join()).to.equal(false);
    // A call of this group that this device left goes on; focus went to its "End call" once already, in that part.
    const call = { ...ringing, phase: 'in-call' as const, startedAt: 1_000, members: [{ key: 'K-bob', contactId: 'bob', name: 'Bob', phase: 'in-call' as const }] };
    app.set({ groupCall: call });
    await settle(shell);
    expect(focused()?.textContent?.trim()).to.equal('End call');
    const goingOn = [{ groupId: climbers.id, id: call.id, video: false, members: ['K-bob'] }];
    app.set({ groupCall: undefined, groupCallsGoingOn: goingOn });
    await settle(shell);
    expect(!!join()).to.equal(true);
    expect(join()!.disabled).to.equal(false);
    // A video call says so (joining it starts with the camera off).
    app.set({ groupCallsGoingOn: goingOn.map((c) => ({ ...c, video: true })) });
    await settle(shell);
    expect(!!joinNamed('Join video call')).to.equal(true);
    expect(!!join()).to.equal(false);
    app.set({ groupCallsGoingOn: goingOn });
    await settle(shell);
    expect(allElements(shell).some((el) => el.localName === 'button' && nameOf(el) === 'Voice call')).to.equal(false);
    join()!.click();
    expect(app.called('joinGroupCall')).to.deep.equal([[]]);
    // The app joins: this device's new part of the same call; the button goes, focus goes to the call.
    app.set({ groupCall: { ...call, phase: 'connecting', startedAt: 2_000, members: [{ ...call.members[0]!, phase: 'ringing' }] } });
    await settle(shell);
    expect(!!join()).to.equal(false);
    expect(focused()?.textContent?.trim()).to.equal('End call');
    expect(allElements(shell).some((el) => el.localName === 'tc-group-call-view' && el.shadowRoot!.contains(focused()))).to.equal(true);
    // In another call (a call of two people): "Join call" waits.
    app.set({ groupCall: undefined, call: { id: 'BBBBBBBBBBBBBBBBBBBBBB', contactId: 'bob', name: 'Bob', video: false, direction: 'out', phase: 'ringing-out', muted: false, cameraOff: true, canSwitchCamera: false } });
    await settle(shell);
    expect(join()!.disabled).to.equal(true);
  });

  it('in a group of five they are disabled and described by the limit', async () => {
    const five = {
      ...climbers,
      group: {
        ...climbers.group!,
        tooBigToCall: true,
        members: [...climbers.group!.members, { key: 'K-eve', name: 'Eve', isSelf: false, online: true, canRemove: true, addedByName: 'Alice', verified: false, nameHadOtherKey: false }],
      },
    };
    const shell = await mountShell(new FixtureApp({ ...deepScreens['chat-group']!.state, conversations: [five] }));
    for (const name of ['Voice call', 'Video call']) {
      const control = allElements(shell).find((el) => el.localName === 'button' && nameOf(el) === name) as HTMLButtonElement;
      expect(control.disabled, name).to.equal(true);
      const description = (control.getRootNode() as ShadowRoot).getElementById(control.getAttribute('aria-describedby')!)!;
      expect(description.textContent).to.equal('Calls are for groups of up to 4 people; this group has 5.');
    }
  });
});
