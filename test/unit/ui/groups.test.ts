// Groups in the shell (issue 19's UI contract), keyboard and a 360 px phone: "New group" opens "Group name" and
// "Create group"; a group's screen has "Invite to group", "Leave group", the list "Members" (one item per member,
// its text starting with the name) and "Remove <name>" only where the rules allow it; a group's messages name their
// senders and say "Delivered to k of n"; "Attach file" sends a file to the group.
import { expect } from '@esm-bundle/chai';
import { sendKeys } from '@web/test-runner-commands';
import { hlcOf } from '../../../src/chat/hybrid-clock';
import { allElements, bob, button, carol, climbers, control, deepScreens, FixtureApp, mainState, message, mountShell, nameOf, settle, textbox, transfer, useView } from './fixtures';

// The shell loads the screens after unlock (a chunk of its own): loaded before the first test, whose first render
// would otherwise wait for the dev server to compile it.
before(() => import('../../../src/ui/after-unlock'));
afterEach(() => document.querySelectorAll('tc-tincan-shell').forEach((el) => el.remove()));
after(async () => useView('desktop', 'light'));

function list(root: Element, name: string): HTMLElement {
  const found = allElements(root).find((el) => el.localName === 'ul' && nameOf(el) === name);
  if (!found) throw new Error(`no list "${name}"`);
  return found as HTMLElement;
}

describe('groups in the shell', () => {
  it('"New group" asks for its name and creates it, by keyboard on a phone', async () => {
    await useView('phone', 'light');
    const app = new FixtureApp({ ...mainState, conversations: [carol] });
    const shell = await mountShell(app);
    button(shell, 'New group').focus();
    await sendKeys({ press: 'Enter' });
    await settle(shell);
    const name = textbox(shell, 'Group name');
    expect(name.matches(':focus') || allElements(shell).some((el) => el.shadowRoot?.activeElement === name)).to.equal(true);
    await sendKeys({ type: 'Climbers' });
    await sendKeys({ press: 'Enter' });
    await settle(shell);
    expect(app.called('createGroup')).to.deep.equal([['Climbers']]);
  });

  it('shows the members, the actions the rules allow, senders and "Delivered to 1 of 3"', async () => {
    await useView('phone', 'light');
    const app = new FixtureApp(deepScreens['chat-group']!.state);
    const shell = await mountShell(app);
    const items = [...list(shell, 'Members').querySelectorAll('li')].map((li) => li.textContent!.replace(/\s+/g, ' ').trim());
    expect(items.map((t) => t.split(/[ ,(]/)[0])).to.deep.equal(['Alice', 'Bob', 'Carol', 'Dave']);
    expect(items[0]).to.match(/^Alice \(you\)/);
    for (const member of climbers.group!.members.filter((m) => m.canRemove)) button(shell, `Remove ${member.name}`);
    expect(allElements(shell).some((el) => el.localName === 'button' && nameOf(el) === 'Remove Alice')).to.equal(false);
    const log = allElements(shell).find((el) => el.getAttribute('role') === 'log')!;
    expect(log.textContent).to.include('Bob').and.include('Rope is packed').and.include('Delivered to 1 of 3');
    button(shell, 'Invite to group').click();
    button(shell, 'Leave group').click();
    button(shell, 'Remove Carol').click();
    expect(app.called('inviteToGroup')).to.deep.equal([[climbers.id]]);
    expect(app.called('leaveGroup')).to.deep.equal([[climbers.id]]);
    expect(app.called('removeFromGroup')).to.deep.equal([[climbers.id, 'K-carol']]);
  });

  it("shows a group's messages in clock order, not in the order they were stored (a catch-up comes in late)", async () => {
    const state = deepScreens['chat-group']!.state;
    const reading = (minute: number) => hlcOf(Date.UTC(2026, 11, 7, 5, minute));
    // Stored in this order; written Carol, Bob, own, Bob (the same reading as Carol's later one: the key decides).
    const stored = [
      message({ from: 'K-bob', text: 'second: Bob', order: reading(2) }),
      message({ direction: 'out', text: 'third: mine', order: reading(3) }),
      message({ from: 'K-carol', text: 'first: Carol (caught up)', order: reading(1) }),
      message({ from: 'K-carol', text: 'fifth: Carol', order: reading(4) }),
      message({ from: 'K-bob', text: 'fourth: Bob', order: reading(4) }),
    ];
    const shell = await mountShell(new FixtureApp({ ...state, open: { ...state.open!, messages: stored } }));
    const log = allElements(shell).find((el) => el.getAttribute('role') === 'log')!;
    const shown = [...(log.shadowRoot ?? log).querySelectorAll('.msg p')].map((p) => p.textContent);
    expect(shown).to.deep.equal(['first: Carol (caught up)', 'second: Bob', 'third: mine', 'fourth: Bob', 'fifth: Carol']);
  });

  it("shows each member's verified mark and key change by key (two Bobs are not confused), and opens its safety number", async () => {
    await useView('phone', 'light');
    const state = deepScreens['chat-group']!.state;
    const member = { isSelf: false, online: true, canRemove: false, addedByName: 'Alice', verified: false, nameHadOtherKey: false };
    const changedAt = Date.UTC(2026, 10, 2, 9, 30);
    const trust = {
      ...climbers,
      group: {
        ...climbers.group!,
        members: [
          climbers.group!.members[0]!,
          { ...member, key: 'K-bob-1', name: 'Bob', verified: true },
          { ...member, key: 'K-bob-2', name: 'Bob', nameHadOtherKey: true },
          { ...member, key: 'K-cat-new', name: 'Cat', keyChangedAt: changedAt },
          { ...member, key: 'K-cat-old', name: 'Cat', replacedKeyOf: { name: 'Cat', changedAt } },
        ],
      },
    };
    const app = new FixtureApp({ ...state, conversations: [trust, bob, carol] });
    app.script.openMemberSafetyNumber = () => {
      app.set({ activeId: bob.id, open: { id: bob.id, messages: [], hasOlder: false, hasNewer: false } });
      return bob.id;
    };
    const shell = await mountShell(app);
    const items = [...list(shell, 'Members').querySelectorAll('li')].map((li) => li.textContent!.replace(/\s+/g, ' ').trim());
    expect(items.map((t) => t.split(/[ ,(]/)[0])).to.deep.equal(['Alice', 'Bob', 'Bob', 'Cat', 'Cat']);
    expect(items[1]).to.match(/, ✓ verified/);
    expect(items[2]).not.to.match(/verified/);
    expect(items[2]).to.include('Someone named Bob was in this group before with another key');
    expect(items[3]).to.include('Cat moved to a new device').and.include('Compare safety numbers with Cat again');
    expect(items[4]).to.include('Cat uses the key Cat left for a new device').and.include('it is not the key you talk to Cat with now');
    const safety = allElements(shell).filter((el) => el.localName === 'button' && nameOf(el).startsWith('Safety number with'));
    expect(safety.map(nameOf), 'none for a key no one holds now, none for oneself').to.deep.equal([
      'Safety number with Bob', 'Safety number with Bob', 'Safety number with Cat',
    ]);
    (safety[1] as HTMLButtonElement).click();
    await settle(shell);
    expect(app.called('openMemberSafetyNumber')).to.deep.equal([[climbers.id, 'K-bob-2']]);
    const heading = allElements(shell).find((el) => el.localName === 'h2' && el.textContent?.trim() === 'About Bob');
    expect(heading, "the member's contact details, where the safety number is compared").to.not.equal(undefined);
    expect(allElements(shell).some((el) => el.getAttribute('role') === 'region' && nameOf(el) === 'Safety number'), 'its safety number open').to.equal(true);
  });

  it('says when this device is no longer in the group, and offers nothing to do in it', async () => {
    const state = deepScreens['chat-group']!.state;
    const left = { ...climbers, group: { ...climbers.group!, isMember: false, members: climbers.group!.members.filter((m) => !m.isSelf).map((m) => ({ ...m, canRemove: false })) } };
    const shell = await mountShell(new FixtureApp({ ...state, conversations: [left] }));
    const status = allElements(shell).find((el) => el.getAttribute('role') === 'status' && nameOf(el) === 'Connection')!;
    expect(status.textContent).to.include('You are no longer in this group');
    for (const name of ['Invite to group', 'Leave group', 'Remove Bob']) {
      expect(allElements(shell).some((el) => el.localName === 'button' && nameOf(el) === name), name).to.equal(false);
    }
  });

  it('says a member with no link here is reached "via" the member its messages come through (issue 19)', async () => {
    const state = deepScreens['chat-group']!.state;
    const through = { ...climbers, group: { ...climbers.group!, members: climbers.group!.members.map((m) => (m.name === 'Carol' ? { ...m, via: 'Bob' } : m)) } };
    const shell = await mountShell(new FixtureApp({ ...state, conversations: [through] }));
    const items = [...list(shell, 'Members').querySelectorAll('li')].map((li) => li.textContent!.replace(/\s+/g, ' ').trim());
    expect(items.find((t) => t.startsWith('Carol'))).to.match(/^Carol, via Bob/);
    expect(items.find((t) => t.startsWith('Bob'))).to.match(/^Bob, connected/);
    expect(items.find((t) => t.startsWith('Dave'))).to.match(/^Dave Longname-Mountaineer, connected/);
  });

  it('a group has "Attach file" as a two-person conversation has: it sends what is picked, even with nobody connected; a file shows as its sender\'s card', async () => {
    const state = deepScreens['chat-group']!.state;
    const nobodyOnline = { ...climbers, group: { ...climbers.group!, members: climbers.group!.members.map((m) => ({ ...m, online: false })) } };
    const offer = transfer({ conversationId: climbers.id, inGroup: true, from: 'K-bob', name: 'topo.pdf', size: 2_400_000, state: 'offered' });
    const app = new FixtureApp({ ...state, conversations: [nobodyOnline, bob, carol], transfers: [offer] });
    app.script['sendFile'] = () => 'sentsentsent0001';
    const shell = await mountShell(app);
    const input = control<HTMLInputElement>(shell, 'input[type=file]', 'Attach file');
    const click = new MouseEvent('click', { bubbles: true, cancelable: true });
    input.dispatchEvent(click);
    expect(click.defaultPrevented).to.equal(false, 'the picker opens: the offer waits like any message');
    const picked = new DataTransfer();
    picked.items.add(new File(['hello world'], 'hello.txt', { type: 'text/plain' }));
    input.files = picked.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
    await settle(shell);
    expect(app.called('sendFile').map(([, name, mime]) => [name, mime])).to.deep.equal([['hello.txt', 'text/plain']]);
    expect(app.called('showError')).to.deep.equal([]);
    const log = allElements(shell).find((el) => el.getAttribute('role') === 'log')!;
    const card = allElements(log).find((el) => el.localName === 'tc-transfer-card')!;
    expect((card.shadowRoot?.textContent ?? '').replace(/\s+/g, ' ')).to.include('topo.pdf').and.include('2.4 MB').and.include('Bob sent this file to the group.');
    button(shell, 'Accept topo.pdf').click();
    expect(app.called('acceptFile').map(([fileId]) => fileId)).to.deep.equal([offer.fileId]);
  });
});
