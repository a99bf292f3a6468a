// Every screen of Tincan, rendered by the real shell from a fixture state, at 360×740 and 1280×800, light and dark:
// axe-core finds no serious or critical issue, nothing sticks out sideways, every control is at least 44 px, and its
// screenshot matches the approved image in test/unit/ui/approved/ (a new one is saved in .build/screenshots/; to
// approve changed screens: TINCAN_APPROVE_SCREENSHOTS=1, README "Screenshots"). The clock is fixed and motion
// reduced, so identical code gives identical images.
import './fixed-clock';
import { expect } from '@esm-bundle/chai';
import { deepScreens, FixtureApp, horizontalOverflow, mountShell, screens, screenshotMismatch, seriousAxeViolations, settle, smallControls, useView } from './fixtures';
import type { AppState } from '../../../src/app/app-state';
import type { TincanShell } from '../../../src/ui/tincan-shell';

const views = [
  ['phone', 'light'],
  ['phone', 'dark'],
  ['desktop', 'light'],
  ['desktop', 'dark'],
] as const;

afterEach(() => document.querySelectorAll('tc-tincan-shell').forEach((el) => el.remove()));
after(async () => useView('desktop', 'light'));

/** Checks one view of a screen; answers how its screenshot differs from the approved one, if it does. */
async function check(name: string, shell: TincanShell, size: string, scheme: string): Promise<string | undefined> {
  await settle(shell);
  const where = `${name} at ${size} ${scheme}`;
  expect(horizontalOverflow(shell), `${where}: sticks out sideways`).to.deep.equal([]);
  expect(smallControls(shell), `${where}: controls under 44 px`).to.deep.equal([]);
  expect(await seriousAxeViolations(), `${where}: axe-core`).to.deep.equal([]);
  return screenshotMismatch(`${name}-${size}-${scheme}`, shell);
}

/** Checks every view of a screen (the shell opened at `view`, if given). */
async function checkEveryView(name: string, state: AppState, view?: (typeof deepScreens)[string]['view']): Promise<void> {
  const mismatches: string[] = [];
  for (const [size, scheme] of views) {
    await useView(size, scheme, { still: true });
    const shell = await mountShell(new FixtureApp(state));
    if (view && view !== 'chat') shell.dispatchEvent(new CustomEvent('tc-navigate', { detail: { view } }));
    const mismatch = await check(name, shell, size, scheme);
    if (mismatch) mismatches.push(mismatch);
    shell.remove();
  }
  // Every view is compared before failing, so one run names every changed image (in full: chai would shorten them).
  if (mismatches.length > 0) expect.fail(mismatches.join('\n'));
}

describe('every screen at phone and desktop sizes, light and dark', function () {
  this.timeout(120_000);

  for (const [name, state] of Object.entries(screens)) it(name, () => checkEveryView(name, state));
  for (const [name, { state, view }] of Object.entries(deepScreens)) it(name, () => checkEveryView(name, state, view));
});
