// The shell driven as a person would, with the keyboard only, on a 360 px phone: the first-contact flow for the
// inviter and for an invitee who opened a link, checking where the focus lands after each step; errors next to
// the paste box and inside the viewport; the phone's back gesture; the unread count in the title; and the
// accessible names of the conversation list and the connection status (Chromium's own accessibility tree).
import { expect } from '@esm-bundle/chai';
import { executeServerCommand, sendKeys } from '@web/test-runner-commands';
import type { AppState } from '../../../src/app/app-state';
import type { TincanShell } from '../../../src/ui/tincan-shell';
import {
  accessibilityTree,
  answerWaiting,
  bob,
  carol,
  conversation,
  FixtureApp,
  isVisible,
  focused,
  inviteWaiting,
  mainState,
  messages,
  mountShell,
  nameOf,
  screens,
  settle,
  textbox,
  useView,
} from './fixtures';

const passphrase = 'correct horse battery staple';

async function waitUntil(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 30));
  if (!check()) throw new Error(`not reached: ${what}`);
}

afterEach(() => document.querySelectorAll('tc-tincan-shell').forEach((el) => el.remove()));
after(async () => useView('desktop', 'light'));

/** What has the focus, as "tag: name". */
function focusName(): string {
  const el = focused();
  return el ? `${el.localName}: ${nameOf(el)}` : 'nothing';
}

async function expectFocus(expected: string | RegExp, shell: TincanShell): Promise<void> {
  // Focus moves after renders and lazy chunks: give it a moment (no timing is asserted).
  for (let i = 0; i < 40; i++) {
    await settle(shell);
    const name = focusName();
    if (typeof expected === 'string' ? name === expected : expected.test(name)) return;
  }
  expect(focusName()).to.match(typeof expected === 'string' ? new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : expected);
}

async function press(key: string, times = 1): Promise<void> {
  for (let i = 0; i < times; i++) await sendKeys({ press: key });
}

/** Tabs forward until the focus is on `expected` (at most `limit` presses): the control is reachable by keyboard. */
async function tabTo(expected: string, shell: TincanShell, limit = 25): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (focusName() === expected) return;
    await press('Tab');
    await settle(shell);
  }
  expect(focusName()).to.equal(expected);
}

function connectedState(): Partial<AppState> {
  return {
    exchanges: [],
    invitation: undefined,
    conversations: [{ ...bob, verified: false }],
    activeId: 'bob',
    open: { id: 'bob', messages: [], hasOlder: false, hasNewer: false },
  };
}

function pageText(shell: TincanShell): string {
  const texts: string[] = [];
  const visit = (root: ShadowRoot | Element) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) visit(el.shadowRoot);
      for (const node of el.childNodes) if (node.nodeType === Node.TEXT_NODE && el.getClientRects().length) texts.push(node.textContent ?? '');
    }
  };
  visit(shell.shadowRoot!);
  return texts.join(' ').replace(/\s+/g, ' ');
}

describe('first contact by keyboard only, on a phone', function () {
  this.timeout(60_000);

  it('inviter: profile, New invite, the answer pasted, connected, a message, and back', async () => {
    await useView('phone', 'light');
    const app = new FixtureApp(screens['setup']!);
    app.script['createProfile'] = () => app.set({ ...mainState, profileName: 'Alice' });
    app.script['newInvite'] = async () => {
      app.set({ exchanges: [{ ...inviteWaiting, state: 'gathering', code: undefined, link: undefined }] });
      await new Promise((resolve) => setTimeout(resolve, 50));
      app.set({ exchanges: [inviteWaiting] });
    };
    app.script['submitCode'] = () => app.set(connectedState());
    app.script['sendMessage'] = () => true;
    const shell = await mountShell(app);

    await expectFocus('input: Your name', shell);
    await sendKeys({ type: 'Alice' });
    await press('Tab');
    await sendKeys({ type: passphrase });
    await press('Tab');
    await sendKeys({ type: passphrase });
    await tabTo('button: Create profile', shell);
    await press('Enter');
    expect(app.called('createProfile')).to.deep.equal([['Alice', passphrase, passphrase, 'anywhere']]);

    await expectFocus('button: New invite', shell);
    await press('Enter');
    expect(app.called('newInvite')).to.have.length(1);
    // The invite's first way to send it (no Web Share API in headless Chromium: "Copy link").
    await expectFocus(/^button: (Copy link|Share invite)$/, shell);
    expect(pageText(shell)).to.contain("Waiting for your friend's answer");
    expect(pageText(shell)).to.contain('Works across networks');

    await tabTo('textarea: Paste a code', shell);
    await sendKeys({ type: 'THEANSWER' });
    await press('Enter');
    expect(app.called('submitCode')).to.deep.equal([['THEANSWER', 'paste']]);

    // Connected: the app opened the conversation; the next thing to do is to write.
    await expectFocus('textarea: Message', shell);
    await sendKeys({ type: 'hello Bob' });
    await press('Enter');
    expect(app.called('sendMessage')).to.deep.equal([['hello Bob']]);

    // Escape in the empty message box is the back gesture: the list, with the focus on Bob.
    await press('Escape');
    await expectFocus(/^button: Bob\b/, shell);
    expect(app.called('closeConversation')).to.have.length(1);
  });

  it('invitee who opened a link: invited before and after the profile, Answer, the answer card, connected', async () => {
    await useView('phone', 'light');
    const app = new FixtureApp(screens['setup-invited']!);
    const shell = await mountShell(app);
    expect(pageText(shell)).to.contain("You've been invited to chat");
    app.script['createProfile'] = () => app.set({ ...mainState, invitation: app.state.state.invitation });
    app.script['acceptInvitation'] = () => app.set({ invitation: undefined, exchanges: [answerWaiting] });

    await expectFocus('input: Your name', shell);
    await sendKeys({ type: 'Bob' });
    await press('Tab');
    await sendKeys({ type: passphrase });
    await press('Tab');
    await sendKeys({ type: passphrase });
    await press('Enter');
    expect(app.called('createProfile')).to.have.length(1);

    await expectFocus('button: Answer', shell);
    expect(pageText(shell)).to.contain("You've been invited to chat");
    expect(pageText(shell)).to.contain('IP address');
    await press('Enter');
    expect(app.called('acceptInvitation')).to.have.length(1);

    await expectFocus(/^button: (Copy answer|Share answer)$/, shell);
    expect(pageText(shell)).to.contain('Send this answer back');

    app.set(connectedState());
    await expectFocus('textarea: Message', shell);
  });

  it('unlock screen: the passphrase box has the focus, and gets it back after a wrong passphrase', async () => {
    await useView('phone', 'light');
    const app = new FixtureApp(screens['unlock']!);
    app.script['unlock'] = () => app.set({ notice: { kind: 'error', code: 'WRONG_PASSPHRASE', area: 'welcome' } });
    const shell = await mountShell(app);
    await expectFocus('input: Passphrase', shell);
    await sendKeys({ type: 'wrong' });
    await press('Enter');
    expect(app.called('unlock')).to.deep.equal([['wrong']]);
    await expectFocus('input: Passphrase', shell);
  });

  it('inviter on a phone: once the link is copied the answer box is in view, and pasting the answer connects at once', async () => {
    await useView('phone', 'light');
    const app = new FixtureApp({ ...mainState, exchanges: [inviteWaiting] });
    app.script['submitCode'] = () => app.set(connectedState());
    const shell = await mountShell(app);
    shell.dispatchEvent(new CustomEvent('tc-navigate', { detail: { view: 'pair' } }));
    await settle(shell);
    const copyLink = allIn(shell.shadowRoot!).find((el): el is HTMLButtonElement => el instanceof HTMLButtonElement && el.textContent!.trim() === 'Copy link')!;
    copyLink.focus();
    copyLink.scrollIntoView({ block: 'nearest' });
    const paste = textbox(shell, 'Paste a code');
    // Issue 18: the box sits inside the waiting invite card, under "Waiting for …'s answer": in view from the start.
    expect(paste.getBoundingClientRect().bottom - shell.getBoundingClientRect().top, 'inside the invite card, in view').to.be.at.most(innerHeight);
    // Headless Chromium's clipboard refuses a page without a gesture it trusts: the copy is real, the permission set.
    await executeServerCommand('tc-grant-clipboard');
    await press('Enter');
    await waitUntil(() => pageText(shell).includes('Link copied.'), 'copied');
    // In view: inside the shell's screen (the shell fills one viewport height from where the test page put it).
    const screenTop = shell.getBoundingClientRect().top;
    const inView = () => paste.getBoundingClientRect().top >= screenTop && paste.getBoundingClientRect().bottom <= screenTop + innerHeight + 1;
    await waitUntil(inView, 'the answer box scrolled into view');
    // The other "New invite" is not a second primary action meanwhile.
    const primaries = allIn(shell.shadowRoot!).filter((el) => el instanceof HTMLButtonElement && el.classList.contains('primary') && el.getClientRects().length);
    expect(primaries.map((b) => b.textContent!.trim())).not.to.include('New invite');
    // A paste into the empty box: the browser fires "paste", then puts the text in.
    paste.focus();
    paste.dispatchEvent(new ClipboardEvent('paste', { bubbles: true, cancelable: true, composed: true }));
    paste.value = 'THEANSWER';
    await waitUntil(() => app.called('submitCode').length === 1, 'submitted without Connect');
    expect(app.called('submitCode')).to.deep.equal([['THEANSWER', 'paste']]);
  });

  it('text pasted into a box that holds some already waits for Connect', async () => {
    await useView('phone', 'light');
    const app = new FixtureApp({ ...mainState, exchanges: [inviteWaiting] });
    const shell = await mountShell(app);
    shell.dispatchEvent(new CustomEvent('tc-navigate', { detail: { view: 'pair' } }));
    await settle(shell);
    const paste = textbox(shell, 'Paste a code');
    const pasteInto = (before: string, after: string) => {
      paste.value = before;
      paste.dispatchEvent(new ClipboardEvent('paste', { bubbles: true, cancelable: true, composed: true }));
      paste.value = after;
    };
    pasteInto('THEANS', 'THEANSWER');
    // A barrier: a paste into the emptied box is taken at once (after the browser puts the text in); a submit the
    // first paste had scheduled would have come before it.
    pasteInto('', 'OTHERCODE');
    await waitUntil(() => app.called('submitCode').length > 0, 'the second paste taken');
    expect(app.called('submitCode')).to.deep.equal([['OTHERCODE', 'paste']]);
  });

  it('a wrong paste on a phone: the error shows next to the paste box, inside the viewport', async () => {
    await useView('phone', 'light');
    const app = new FixtureApp({ ...mainState, exchanges: [inviteWaiting] });
    app.script['submitCode'] = () => app.set({ notice: { kind: 'error', code: 'CODE_NOT_TINCAN', area: 'pairing' } });
    const shell = await mountShell(app);
    shell.dispatchEvent(new CustomEvent('tc-navigate', { detail: { view: 'pair' } }));
    await expectFocus('textarea: Paste a code', shell);
    await sendKeys({ type: 'hello there' });
    await press('Enter');
    await settle(shell);
    const paste = textbox(shell, 'Paste a code');
    const alert = [...shell.shadowRoot!.querySelectorAll('*')]
      .flatMap((el) => [el, ...(el.shadowRoot ? allIn(el.shadowRoot) : [])])
      .find((el) => el.getAttribute('role') === 'alert' && el.textContent!.includes('not a Tincan code'))!;
    expect(alert, 'an alert with the error').to.exist;
    const box = alert.getBoundingClientRect();
    expect(box.top).to.be.at.least(0);
    // (+1: scrolled to "nearest", its bottom may sit a fraction of a pixel past the edge.)
    expect(box.bottom).to.be.at.most(innerHeight + 1);
    // Under the box come only its hint and the Connect button, then the error.
    expect(box.top - paste.getBoundingClientRect().bottom).to.be.below(200);
    expect(focusName()).to.equal('textarea: Paste a code');
  });
});

function allIn(root: ShadowRoot): Element[] {
  return [...root.querySelectorAll('*')].flatMap((el) => [el, ...(el.shadowRoot ? allIn(el.shadowRoot) : [])]);
}

describe('tc-tincan-shell', function () {
  this.timeout(30_000);

  it('puts the unread count in the title', async () => {
    const app = new FixtureApp({ ...mainState, conversations: [carol, bob], unreadTotal: 2 });
    const shell = await mountShell(app);
    expect(document.title).to.equal('(2) Tincan');
    app.set({ unreadTotal: 0 });
    await settle(shell);
    expect(document.title).to.equal('Tincan');
  });

  it('names each conversation button by its contact first, and the status "Connection" says Connected', async () => {
    await useView('desktop', 'light');
    const dan = conversation({ id: 'dan', name: 'Dan Smith', unread: 3, typing: true, connection: 'online' });
    const app = new FixtureApp({
      ...mainState,
      conversations: [carol, bob, dan],
      activeId: 'bob',
      open: { id: 'bob', messages: messages(3), hasOlder: false, hasNewer: false },
    });
    const shell = await mountShell(app);
    const tree = await accessibilityTree();
    const list = tree.findIndex((n) => n.role === 'list' && n.name === 'Conversations');
    expect(list, 'a list named Conversations').to.be.at.least(0);
    const buttons = tree.filter((n) => n.role === 'button').map((n) => n.name);
    for (const [name, rest] of [
      ['Carol', /2 unread.*Carol closed Tincan or went offline|2 unread/],
      ['Bob', /Connected/],
      ['Dan Smith', /3 unread.*typing/],
    ] as const) {
      const label = buttons.find((b) => b.startsWith(`${name},`) || b.startsWith(`${name} `));
      expect(label, `a button starting with ${name} in ${JSON.stringify(buttons)}`).to.be.a('string');
      expect(label).to.match(rest);
    }
    const status = tree.find((n) => n.role === 'status' && n.name === 'Connection');
    expect(status, 'a status named Connection').to.exist;
    const statusElement = allIn(shell.shadowRoot!).find((el) => el.getAttribute('role') === 'status' && el.getAttribute('aria-label') === 'Connection')!;
    expect(statusElement.textContent!.trim()).to.equal('Connected');
  });

  it('a conversation reached only through relays says "via relay", in its header and in the list, and that files and calls wait', async () => {
    await useView('desktop', 'light');
    const erin = conversation({ id: 'erin', name: 'Erin', connection: 'relay', lastText: 'through the relay' });
    const app = new FixtureApp({
      ...mainState,
      conversations: [erin, bob],
      activeId: 'erin',
      open: { id: 'erin', messages: messages(2), hasOlder: false, hasNewer: false },
    });
    const shell = await mountShell(app);
    const status = allIn(shell.shadowRoot!).find((el) => el.getAttribute('role') === 'status' && el.getAttribute('aria-label') === 'Connection')!;
    expect(status.textContent!.trim()).to.equal('via relay');
    expect(pageText(shell)).to.contain('Messages go through your relays until a direct connection forms. Files and calls need one.');
    expect(pageText(shell)).not.to.contain('sent when you reconnect');
    const buttons = allIn(shell.shadowRoot!).filter((el) => el.localName === 'button').map(nameOf);
    expect(buttons.some((name) => name.startsWith('Erin, via relay')), JSON.stringify(buttons)).to.equal(true);
    expect(buttons.some((name) => /call/i.test(name)), 'no call buttons').to.equal(false);
  });

  it('shows a closed conversation honestly, with Reconnect', async () => {
    await useView('phone', 'light');
    const app = new FixtureApp({
      ...mainState,
      conversations: [carol],
      activeId: 'carol',
      open: { id: 'carol', messages: [], hasOlder: false, hasNewer: false },
    });
    const shell = await mountShell(app);
    // A 360 px phone: one word in the header, the reason in the details; a short placeholder, the note above it.
    const status = allIn(shell.shadowRoot!).find((el) => el.getAttribute('role') === 'status' && el.getAttribute('aria-label') === 'Connection')!;
    expect(status.textContent!.trim()).to.equal('Offline');
    expect(pageText(shell)).not.to.contain('closed Tincan');
    expect(pageText(shell)).to.contain('2 waiting');
    expect(pageText(shell)).to.contain('Messages you write now are sent when you reconnect.');
    const header = status.closest('header')!;
    const lineHeight = parseFloat(getComputedStyle(status).lineHeight);
    expect(status.getBoundingClientRect().height, 'the status on one line').to.be.below(lineHeight * 1.5);
    expect(header.scrollWidth).to.be.at.most(header.clientWidth);
    const field = textbox(shell, 'Message') as HTMLTextAreaElement;
    expect(field.placeholder).to.equal('Write a message');
    const style = getComputedStyle(field);
    const context = new OffscreenCanvas(1, 1).getContext('2d')!;
    context.font = `${style.fontSize} ${style.fontFamily}`;
    const room = field.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    expect(context.measureText(field.placeholder).width, 'the placeholder is not cut').to.be.below(room);
    const details = allIn(shell.shadowRoot!).find((el) => el.localName === 'button' && nameOf(el) === 'Contact details') as HTMLButtonElement;
    details.click();
    await settle(shell);
    for (let i = 0; i < 40 && !pageText(shell).includes('Carol closed Tincan or went offline'); i++) await settle(shell);
    expect(pageText(shell)).to.contain('Carol closed Tincan or went offline');
    const back = allIn(shell.shadowRoot!).find((el) => el.localName === 'button' && el.classList.contains('back') && isVisible(el)) as HTMLButtonElement;
    back.click();
    await settle(shell);
    const reconnect = allIn(shell.shadowRoot!).find((el) => el.localName === 'button' && nameOf(el) === 'Reconnect') as HTMLButtonElement;
    app.script['reconnect'] = () =>
      app.set({ exchanges: [{ ...inviteWaiting, id: 'r1', kind: 'reconnect', contactName: 'Carol' }] });
    reconnect.click();
    await settle(shell);
    expect(app.called('reconnect')).to.deep.equal([['carol']]);
    // The one-code invite shows on the pairing screen, saying who alone can use it.
    expect(pageText(shell)).to.contain('Reconnect with Carol');
    expect(pageText(shell)).to.contain("Only Carol's device can use this code");
    // Carol opens it: connected, the same conversation comes back, and the message box has the focus.
    app.set({ exchanges: [], conversations: [{ ...carol, connection: 'online', closedByPeer: undefined, waiting: 0 }] });
    await expectFocus('textarea: Message', shell);
  });

  it('on a phone, the back button of a conversation counts what is unread in the others', async () => {
    await useView('phone', 'light');
    const app = new FixtureApp({ ...mainState, conversations: [bob, carol], activeId: 'bob', open: { id: 'bob', messages: [], hasOlder: false, hasNewer: false } });
    const shell = await mountShell(app);
    const backButton = () => allIn(shell.shadowRoot!).find((el) => el.localName === 'button' && el.classList.contains('back') && isVisible(el)) as HTMLButtonElement;
    const backNames = async () => (await accessibilityTree()).filter((n) => n.role === 'button' && n.name.startsWith('Back to conversations')).map((n) => n.name);
    expect(await backNames()).to.deep.equal(['Back to conversations, 2 unread']);
    const badge = () => backButton().querySelector('.badge');
    expect(badge() && isVisible(badge()!) ? badge()!.textContent : 'no badge').to.equal('2');
    // Carol's messages read elsewhere: no count.
    app.set({ conversations: [bob, { ...carol, unread: 0 }] });
    await settle(shell);
    expect(await backNames()).to.deep.equal(['Back to conversations']);
    expect(badge()).to.equal(null);
  });

  it('the browser back button leaves a conversation on a phone', async () => {
    await useView('phone', 'light');
    const app = new FixtureApp({ ...mainState, conversations: [bob] });
    app.script['selectConversation'] = (id: never) => app.set({ activeId: id, open: { id, messages: [], hasOlder: false, hasNewer: false } });
    const shell = await mountShell(app);
    const item = allIn(shell.shadowRoot!).find((el) => el.localName === 'button' && nameOf(el).startsWith('Bob')) as HTMLButtonElement;
    item.click();
    await settle(shell);
    expect(app.called('selectConversation')).to.deep.equal([['bob']]);
    expect(textbox(shell, 'Message')).to.exist;
    history.back();
    await expectFocus(/^button: Bob\b/, shell);
    expect(app.called('closeConversation')).to.have.length(1);
  });

  it('shows a pairing error as a banner when the pairing screen is not on screen', async () => {
    await useView('phone', 'light');
    const app = new FixtureApp({ ...mainState, notice: { kind: 'error', code: 'INVITER_GONE', area: 'pairing' } });
    const shell = await mountShell(app);
    expect(pageText(shell)).to.contain('the page that made the invite seems to be closed');
    const dismiss = allIn(shell.shadowRoot!).find((el) => el.localName === 'button' && nameOf(el) === 'Dismiss') as HTMLButtonElement;
    dismiss.click();
    await settle(shell);
    expect(app.called('dismissNotice')).to.have.length(1);
  });
});
