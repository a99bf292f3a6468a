// Network settings: checked as typed, kept in the encrypted vault across a reload.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { click, enterApp, fill, locate, openPerson, serveForSuite, waitForAlert } from './helpers.mjs';

const server = serveForSuite();

describe('settings and this device', () => {
  it('refuses a malformed STUN address with a reason, saves a good one, and keeps it after a reload', { timeout: 90_000 }, async () => {
    const person = await openPerson('chromium', server.url);
    try {
      await click(person.page, 'button', 'Settings');
      await click(person.page, 'radio', 'Anywhere (a STUN server)');
      await fill(person.page, 'textbox', 'STUN server', 'http://stun.example.org');
      await click(person.page, 'button', 'Save settings');
      const field = await locate(person.page, 'textbox', 'STUN server');
      assert.equal(await field.evaluate((el) => el.getAttribute('aria-invalid')), 'true');
      await fill(person.page, 'textbox', 'STUN server', 'stun:10.99.3.1:3478');
      await click(person.page, 'button', 'Save settings');
      await person.page.waitForFunction(
        () =>
          document.querySelector('tc-tincan-shell').shadowRoot.querySelector('tc-settings-screen').shadowRoot
            .querySelector('tc-settings-panel').shadowRoot.querySelector('[role=status]').textContent.includes('Saved'),
        { timeout: 10_000 },
      );
      assert.equal(await field.evaluate((el) => el.getAttribute('aria-invalid')), 'false');
      await person.page.reload();
      await enterApp(person.page, person);
      await click(person.page, 'button', 'Settings');
      const saved = await locate(person.page, 'textbox', 'STUN server');
      assert.equal(await saved.evaluate((el) => el.value), 'stun:10.99.3.1:3478');
    } finally {
      await person.close();
    }
  });

  it('forgets the device from the passphrase screen, after a confirmation, when the passphrase is lost', { timeout: 90_000 }, async () => {
    const person = await openPerson('chromium', server.url);
    try {
      await person.page.reload();
      await locate(person.page, 'button', 'Unlock');
      await click(person.page, 'button', 'Forget this device');
      await click(person.page, 'button', 'Cancel');
      await locate(person.page, 'button', 'Unlock');
      await click(person.page, 'button', 'Forget this device');
      await click(person.page, 'button', 'Erase everything');
      await locate(person.page, 'button', 'Create profile');
      assert.match(await waitForAlert(person.page), /erased/);
      // Nothing is left: a reload shows the first-visit screen again.
      await person.page.reload();
      await locate(person.page, 'button', 'Create profile');
    } finally {
      await person.close();
    }
  });
});
