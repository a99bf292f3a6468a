// The profile screen on first run (issue 18): "Create profile" is in view without scrolling on a 360x740 phone and a
// 1280x800 desktop, for a new visitor and for an invitee (the invitation card on top); the intro is one sentence, an
// invitee's is the card's one line; the reach is one line in plain words with "Change", which opens the choices with
// the focus on the chosen one; the choice reaches the app with "Create profile" and not before.
import { expect } from '@esm-bundle/chai';
import { sendKeys } from '@web/test-runner-commands';
import { invitationText, reachText, welcomeText } from '../../../src/ui/messages';
import type { TincanShell } from '../../../src/ui/tincan-shell';
import {
  allElements, button, FixtureApp, focused, horizontalOverflow, mountShell, nameOf, screens, seriousAxeViolations, settle, smallControls, textbox,
  useView,
} from './fixtures';

afterEach(() => document.querySelectorAll('tc-tincan-shell').forEach((el) => el.remove()));
after(async () => useView('desktop', 'light'));

/** The text a person can read on the page, through shadow roots. */
function visibleText(shell: TincanShell): string {
  const texts: string[] = [];
  for (const el of allElements(shell)) {
    if (!el.getClientRects().length || el.closest('.sr-only')) continue;
    for (const node of el.childNodes) if (node.nodeType === Node.TEXT_NODE) texts.push(node.textContent ?? '');
  }
  return texts.join(' ').replace(/\s+/g, ' ');
}

/** How many lines an element's text takes on screen. */
function lineCount(el: Element): number {
  const range = document.createRange();
  range.selectNodeContents(el);
  return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
}

function expectInView(el: Element, where: string): void {
  const box = el.getBoundingClientRect();
  expect(box.top, `${where}: top`).to.be.at.least(0);
  expect(box.bottom, `${where}: bottom, in a ${innerHeight} px viewport`).to.be.at.most(innerHeight);
}

describe('the profile screen on first run', function () {
  this.timeout(60_000);

  for (const size of ['phone', 'desktop'] as const) {
    for (const who of ['setup', 'setup-invited'] as const) {
      it(`${who} at ${size} size: "Create profile" is in view without scrolling`, async () => {
        await useView(size, 'light');
        const shell = await mountShell(new FixtureApp(screens[who]!));
        expectInView(button(shell, 'Create profile'), `${who} at ${size}`);
        expect(focused() && nameOf(focused()!), 'the focus starts in the name').to.equal('Your name');
      });
    }
  }

  it('a new visitor: a short intro; the reach in one line of plain words with "Change"', async () => {
    await useView('phone', 'light');
    const shell = await mountShell(new FixtureApp(screens['setup']!));
    const text = visibleText(shell);
    expect(text).to.contain(welcomeText.intro);
    const intro = allElements(shell).find((el) => el.matches('p.intro'))!;
    expect(lineCount(intro), 'the intro on a 360 px phone (it took five lines)').to.be.at.most(3);
    expect(text).to.contain(welcomeText.reachLine.anywhere);
    expect(text, 'no jargon before "Change"').to.not.match(/STUN|IP address/);
    const reachLine = allElements(shell).find((el) => el.localName === 'p' && el.textContent === welcomeText.reachLine.anywhere)!;
    expect(lineCount(reachLine), 'one line').to.equal(1);
    const change = button(shell, 'Change how far your invites reach').getBoundingClientRect();
    expect(change.top, '"Change" beside it').to.be.below(reachLine.getBoundingClientRect().bottom);
    expect(button(shell, 'Change how far your invites reach').getAttribute('aria-expanded')).to.equal('false');
  });

  it('an invitee: the card on top says what to do in one line, and the general intro gives way to it', async () => {
    await useView('phone', 'light');
    const shell = await mountShell(new FixtureApp(screens['setup-invited']!));
    const text = visibleText(shell);
    expect(text).to.contain(invitationText.heading);
    expect(text).to.contain(welcomeText.invitedBeforeProfile);
    expect(text).to.not.contain(welcomeText.intro);
    expect(text, 'who it claims to be from waits for the Answer screen').to.not.contain(invitationText.fromSomeone);
    const card = allElements(shell).find((el) => el.localName === 'tc-invitation-card')!;
    const line = [...card.shadowRoot!.querySelectorAll('p')].find((p) => p.textContent!.includes(welcomeText.invitedBeforeProfile))!;
    expect(card.shadowRoot!.querySelectorAll('p').length, 'one paragraph').to.equal(1);
    expect(lineCount(line), 'a sentence that fits two lines of a 360 px phone').to.be.at.most(2);
  });

  it('by keyboard: "Change" opens the choices with the focus on "Anywhere"; the choice goes with "Create profile" only', async () => {
    await useView('phone', 'light');
    const app = new FixtureApp(screens['setup']!);
    const shell = await mountShell(app);
    textbox(shell, 'Your name').focus();
    await sendKeys({ type: 'Alice' });
    textbox(shell, 'Passphrase').focus();
    await sendKeys({ type: 'correct horse battery staple' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ type: 'correct horse battery staple' });
    await sendKeys({ press: 'Tab' });
    const change = button(shell, 'Change how far your invites reach');
    expect(focused(), 'Tab from "Repeat passphrase" goes to "Change"').to.equal(change);
    expect(change.textContent!.trim(), 'its visible word').to.equal('Change');
    await sendKeys({ press: 'Enter' });
    await settle(shell);
    expect(change.getAttribute('aria-expanded')).to.equal('true');
    expect(nameOf(focused()!)).to.equal(reachText.anywhere.choice);
    expect((focused() as HTMLInputElement).checked).to.equal(true);
    await sendKeys({ press: 'ArrowDown' });
    await settle(shell);
    expect(nameOf(focused()!)).to.equal(reachText.local.choice);
    expect(app.called('setReach'), 'the app hears of the reach with the profile').to.deep.equal([]);
    expect(horizontalOverflow(shell), 'the choices open: sticks out sideways').to.deep.equal([]);
    expect(smallControls(shell), 'the choices open: controls under 44 px').to.deep.equal([]);
    expect(await seriousAxeViolations(), 'the choices open: axe-core').to.deep.equal([]);
    expect(visibleText(shell)).to.contain(welcomeText.reachLine.local);
    await sendKeys({ press: 'Tab' });
    expect(nameOf(focused()!)).to.equal('Create profile');
    await sendKeys({ press: 'Enter' });
    expect(app.called('createProfile')).to.deep.equal([['Alice', 'correct horse battery staple', 'correct horse battery staple', 'local']]);
  });
});
