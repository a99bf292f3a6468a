// Every screen of Tincan, rendered by the real shell from a fixture state, at 360×740 and 1280×800, light and dark:
// axe-core finds no serious or critical issue, nothing sticks out sideways, every control is at least 44 px, and a
// screenshot is saved in .build/screenshots/ for a person to look at.
import { expect } from '@esm-bundle/chai';
import { deepScreens, FixtureApp, horizontalOverflow, mountShell, screens, screenshot, seriousAxeViolations, settle, smallControls, useView } from './fixtures';
import type { TincanShell } from '../../../src/ui/tincan-shell';

const views = [
  ['phone', 'light'],
  ['phone', 'dark'],
  ['desktop', 'light'],
  ['desktop', 'dark'],
] as const;

afterEach(() => document.querySelectorAll('tc-tincan-shell').forEach((el) => el.remove()));
after(async () => useView('desktop', 'light'));

async function check(name: string, shell: TincanShell, size: string, scheme: string): Promise<void> {
  await settle(shell);
  const where = `${name} at ${size} ${scheme}`;
  expect(horizontalOverflow(shell), `${where}: sticks out sideways`).to.deep.equal([]);
  expect(smallControls(shell), `${where}: controls under 44 px`).to.deep.equal([]);
  expect(await seriousAxeViolations(), `${where}: axe-core`).to.deep.equal([]);
  await screenshot(`${name}-${size}-${scheme}`, shell);
}

describe('every screen at phone and desktop sizes, light and dark', function () {
  this.timeout(120_000);

  for (const [name, state] of Object.entries(screens)) {
    it(name, async () => {
      for (const [size, scheme] of views) {
        await useView(size, scheme);
        const shell = await mountShell(new FixtureApp(state));
        await check(name, shell, size, scheme);
        shell.remove();
      }
    });
  }

  for (const [name, { state, view }] of Object.entries(deepScreens)) {
    it(name, async () => {
      for (const [size, scheme] of views) {
        await useView(size, scheme);
        const shell = await mountShell(new FixtureApp(state));
        if (view !== 'chat') shell.dispatchEvent(new CustomEvent('tc-navigate', { detail: { view } }));
        await check(name, shell, size, scheme);
        shell.remove();
      }
    });
  }
});
