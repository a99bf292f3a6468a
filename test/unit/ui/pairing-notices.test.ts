// An error about a code belongs to the Connect screen: it is shown there, and leaving that screen (for Settings, on
// a phone and on a desktop) takes it away instead of carrying it along as a banner.
import { expect } from '@esm-bundle/chai';
import type { TincanShell } from '../../../src/ui/tincan-shell';
import { allElements, FixtureApp, inviteWaiting, mainState, mountShell, settle, useView } from './fixtures';

afterEach(() => document.querySelectorAll('tc-tincan-shell').forEach((el) => el.remove()));
after(async () => useView('desktop', 'light'));

/** The text of every visible alert in the shell. */
function alerts(shell: TincanShell): string[] {
  return allElements(shell.shadowRoot!)
    .filter((el) => el.getAttribute('role') === 'alert' && el.getClientRects().length > 0)
    .map((el) => (el.textContent ?? '').trim())
    .filter(Boolean);
}

function go(shell: TincanShell, view: 'pair' | 'settings'): void {
  shell.dispatchEvent(new CustomEvent('tc-navigate', { detail: { view } }));
}

describe('an error about a code stays on the Connect screen', function () {
  this.timeout(30_000);

  for (const size of ['phone', 'desktop'] as const) {
    it(`on a ${size}: shown on Connect, gone after going to Settings`, async () => {
      await useView(size, 'light');
      const app = new FixtureApp({ ...mainState, exchanges: [inviteWaiting] });
      app.script['dismissNotice'] = () => app.set({ notice: undefined });
      const shell = await mountShell(app);
      go(shell, 'pair');
      await settle(shell);
      app.set({ notice: { kind: 'error', code: 'CODE_CHECKSUM', area: 'pairing' } });
      await settle(shell);
      expect(alerts(shell).join(' ')).to.contain('cut off or has a typo');
      go(shell, 'settings');
      await settle(shell);
      expect(app.called('dismissNotice')).to.have.length(1);
      expect(alerts(shell)).to.deep.equal([]);
    });
  }
});
