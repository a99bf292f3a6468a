// "The two passphrases differ" on a 360x740 phone: it shows right under "Repeat passphrase", inside the viewport,
// and goes as soon as the person types again (it stayed after the passphrases were fixed).
import { expect } from '@esm-bundle/chai';
import { sendKeys } from '@web/test-runner-commands';
import { errorMessages } from '../../../src/ui/messages';
import { allElements, FixtureApp, mountShell, screens, settle, textbox, useView } from './fixtures';

afterEach(() => document.querySelectorAll('tc-tincan-shell').forEach((el) => el.remove()));
after(async () => useView('desktop', 'light'));

describe('the passphrase mismatch message', function () {
  this.timeout(30_000);

  it('shows under "Repeat passphrase" in view on a phone, and goes when the person types', async () => {
    await useView('phone', 'light');
    const app = new FixtureApp(screens['setup']!);
    app.script['createProfile'] = (_name: never, passphrase: never, repeat: never) => {
      if (passphrase !== repeat) app.set({ notice: { kind: 'error', code: 'PASSPHRASE_MISMATCH', area: 'welcome' } });
    };
    app.script['dismissNotice'] = () => app.set({ notice: undefined });
    const shell = await mountShell(app);
    textbox(shell, 'Your name').focus();
    await sendKeys({ type: 'Alice' });
    textbox(shell, 'Passphrase').focus();
    await sendKeys({ type: 'correct horse battery staple' });
    textbox(shell, 'Repeat passphrase').focus();
    await sendKeys({ type: 'correct horse battery stable' });
    await sendKeys({ press: 'Enter' });
    await settle(shell);

    const alerts = allElements(shell.shadowRoot!).filter((el) => el.getAttribute('role') === 'alert' && (el.textContent ?? '').trim());
    expect(alerts.map((el) => el.textContent!.trim())).to.deep.equal([errorMessages.PASSPHRASE_MISMATCH]);
    const message = alerts[0]!.getBoundingClientRect();
    const repeat = textbox(shell, 'Repeat passphrase');
    const box = repeat.getBoundingClientRect();
    expect(message.top, 'right under the repeat box').to.be.within(box.bottom, box.bottom + 40);
    expect(message.top).to.be.at.least(0);
    expect(message.bottom, 'inside the 740 px viewport').to.be.at.most(innerHeight);
    expect(repeat.getAttribute('aria-invalid')).to.equal('true');

    // The repeat box has the focus (its text selected): typing the right passphrase takes the message away.
    await sendKeys({ type: 'correct horse battery staple' });
    await settle(shell);
    expect(app.called('dismissNotice').length).to.be.at.least(1);
    expect(allElements(shell.shadowRoot!).filter((el) => el.getAttribute('role') === 'alert' && (el.textContent ?? '').trim())).to.deep.equal([]);
    expect(repeat.getAttribute('aria-invalid')).to.equal('false');
  });
});
