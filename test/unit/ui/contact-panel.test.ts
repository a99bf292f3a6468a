// The contact's details in a real browser: "Let <name> use my mailbox" (docs/mailbox.md §5) is a checkbox with that
// accessible name (as Chromium computes it), ticked as the conversation says, and toggling it calls the app's
// setMailboxShared with the contact and the new choice; axe-core finds no accessibility problem.
import { expect } from '@esm-bundle/chai';
import type { ConversationView } from '../../../src/app/app-state';
import { FixtureApp, accessibilityTree, axeViolations, control, deepScreens, mountShell, settle } from './fixtures';

afterEach(() => document.querySelectorAll('tc-tincan-shell').forEach((el) => el.remove()));

async function openDetails(patch: Partial<ConversationView>): Promise<{ app: FixtureApp; shell: HTMLElement }> {
  const { state } = deepScreens['contact']!;
  const app = new FixtureApp({ ...state, conversations: state.conversations.map((c) => (c.id === state.activeId ? { ...c, ...patch } : c)) });
  const shell = await mountShell(app);
  shell.dispatchEvent(new CustomEvent('tc-navigate', { detail: { view: 'contact' } }));
  await settle(shell);
  return { app, shell };
}

describe('tc-contact-panel: "Let <name> use my mailbox"', () => {
  it('is a checkbox named for the contact, and toggling it calls setMailboxShared', async () => {
    const { app, shell } = await openDetails({ mailboxShared: true });
    const tree = await accessibilityTree();
    expect(tree.some((n) => n.role === 'checkbox' && n.name === 'Let Bob use my mailbox'), 'a checkbox with that name').to.equal(true);
    const box = control<HTMLInputElement>(shell, 'input[type="checkbox"]', 'Let Bob use my mailbox');
    expect(box.checked).to.equal(true);
    box.click();
    await settle(shell);
    expect(app.called('setMailboxShared')).to.deep.equal([['bob', false]]);
    expect(await axeViolations(shell)).to.deep.equal([]);
  });

  it('reads the stored choice: off, and ticking it turns it on', async () => {
    const { app, shell } = await openDetails({ mailboxShared: false });
    const box = control<HTMLInputElement>(shell, 'input[type="checkbox"]', 'Let Bob use my mailbox');
    expect(box.checked).to.equal(false);
    box.click();
    await settle(shell);
    expect(app.called('setMailboxShared')).to.deep.equal([['bob', true]]);
  });
});
