// The answer's way back on a 360x740 phone: the paste box sits inside the waiting invite card, right under
// "Waiting for …'s answer", in view without scrolling; "Paste answer" takes the clipboard's answer; the raw invite
// code and "Copy invite" wait behind "Show code". The one-code reconnect card holds the box for its fallback too.
import { expect } from '@esm-bundle/chai';
import { executeServerCommand, sendKeys } from '@web/test-runner-commands';
import type { ExchangeView } from '../../../src/app/app-state';
import type { TincanShell } from '../../../src/ui/tincan-shell';
import { allElements, bob, button, FixtureApp, inviteWaiting, mainState, mountShell, nameOf, settle, textbox, useView } from './fixtures';

afterEach(() => document.querySelectorAll('tc-tincan-shell').forEach((el) => el.remove()));
after(async () => useView('desktop', 'light'));

async function connectScreen(exchange: ExchangeView): Promise<{ app: FixtureApp; shell: TincanShell }> {
  await useView('phone', 'light');
  const app = new FixtureApp({ ...mainState, conversations: [bob], exchanges: [exchange] });
  const shell = await mountShell(app);
  shell.dispatchEvent(new CustomEvent('tc-navigate', { detail: { view: 'pair' } }));
  await settle(shell);
  return { app, shell };
}

/** The exchange card the element is shown in (slotted light DOM counts as inside it). */
const cardOf = (el: Element) => el.closest('tc-exchange-card');

function inView(shell: TincanShell, el: Element): boolean {
  const box = el.getBoundingClientRect();
  const top = shell.getBoundingClientRect().top;
  return box.top >= top && box.bottom <= top + innerHeight;
}

describe('the answer box inside the waiting invite card', function () {
  this.timeout(30_000);

  it('an invite: the box is right under "Waiting for …\'s answer", in view; the raw code is behind "Show code"', async () => {
    const { shell } = await connectScreen(inviteWaiting);
    const paste = textbox(shell, 'Paste a code');
    const card = cardOf(paste)!;
    expect(card, 'inside the invite card').to.exist;
    const waiting = [...card.shadowRoot!.querySelectorAll('[role=status]')].find((el) => el.textContent!.includes("Waiting for your friend's answer"))!;
    expect(waiting).to.exist;
    expect(paste.getBoundingClientRect().top, 'under the waiting line').to.be.above(waiting.getBoundingClientRect().bottom);
    expect(inView(shell, paste), 'in view without scrolling').to.equal(true);

    const names = allElements(shell.shadowRoot!).filter((el) => el.localName === 'textarea').map(nameOf);
    expect(names, 'the raw code is folded').to.not.include('Invite code');
    expect(allElements(shell.shadowRoot!).some((el) => el.localName === 'button' && nameOf(el) === 'Copy invite')).to.equal(false);
    const show = button(shell, 'Show code');
    expect(show.getAttribute('aria-expanded')).to.equal('false');
    show.click();
    await settle(shell);
    expect(textbox(shell, 'Invite code').value).to.equal(inviteWaiting.code);
    expect(button(shell, 'Copy invite')).to.exist;
    expect(button(shell, 'Hide code').getAttribute('aria-expanded')).to.equal('true');
  });

  it('"Paste answer" submits what the clipboard holds', async () => {
    const { app, shell } = await connectScreen(inviteWaiting);
    // Headless Chromium never lets a test page read the clipboard (see the next test): this one hands the page
    // what a person's browser would, to check what the page does with it.
    const readText = navigator.clipboard.readText;
    navigator.clipboard.readText = async () => 'THEANSWER';
    try {
      button(shell, 'Paste answer').click();
      for (let i = 0; i < 100 && app.called('submitCode').length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 30));
    } finally {
      navigator.clipboard.readText = readText;
    }
    expect(app.called('submitCode')).to.deep.equal([['THEANSWER', 'paste']]);
  });

  it('"Paste answer" in a browser that refuses to read the clipboard: says so, and the box has the focus', async () => {
    const { app, shell } = await connectScreen(inviteWaiting);
    await executeServerCommand('tc-grant-clipboard');
    button(shell, 'Paste answer').focus();
    await sendKeys({ press: 'Enter' });
    const refused = () => allElements(shell.shadowRoot!).some((el) => el.getAttribute('role') === 'status' && el.textContent!.includes('did not let Tincan read the clipboard'));
    for (let i = 0; i < 100 && !refused(); i++) await new Promise((resolve) => setTimeout(resolve, 30));
    expect(refused()).to.equal(true);
    expect(app.called('submitCode')).to.deep.equal([]);
    expect(shell.shadowRoot!.activeElement?.shadowRoot?.activeElement).to.equal(textbox(shell, 'Paste a code'));
  });

  it('a one-code reconnect: the box for the fallback answer is in its card, with a hint naming the contact', async () => {
    const reconnect: ExchangeView = { ...inviteWaiting, id: 'r1', kind: 'reconnect', state: 'waiting-for-peer', contactName: 'Bob', validUntil: Date.now() + 600_000 };
    const { shell } = await connectScreen(reconnect);
    const paste = textbox(shell, 'Paste a code');
    expect(cardOf(paste)?.exchange.id).to.equal('r1');
    expect(allElements(shell.shadowRoot!).find((el) => el.id === 'paste-hint')?.textContent).to.contain('If Bob sends you an answer code');
    expect(inView(shell, paste)).to.equal(true);
  });

  it('no invite waiting: the box stays under "Got a code?"', async () => {
    const { shell } = await connectScreen({ ...inviteWaiting, state: 'connecting' });
    expect(cardOf(textbox(shell, 'Paste a code'))).to.equal(null);
    expect(allElements(shell.shadowRoot!).some((el) => el.localName === 'button' && nameOf(el) === 'Paste answer')).to.equal(false);
  });
});
