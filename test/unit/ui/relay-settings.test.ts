// <tc-relay-settings> in a real browser: none by default, with what a relay learns; the saved relays in the box and
// in the list "Relays", each item starting with its address and ending with its status; "Save relays" fires the box
// as typed; and axe-core finds no accessibility problem.
import { expect } from '@esm-bundle/chai';
import '../../../src/ui/relay-settings';
import type { RelaySettings } from '../../../src/ui/relay-settings';
import type { RelayView } from '../../../src/app/app-state';
import { axeViolations } from './fixtures';

async function mount(relays: RelayView[] = []): Promise<RelaySettings> {
  const panel = document.createElement('tc-relay-settings');
  panel.relays = relays;
  document.body.append(panel);
  await panel.updateComplete;
  return panel;
}

afterEach(() => document.querySelectorAll('tc-relay-settings').forEach((el) => el.remove()));

describe('tc-relay-settings', () => {
  it('has no relay by default and says what a relay learns', async () => {
    const panel = await mount();
    const root = panel.shadowRoot!;
    expect(root.querySelector('label[for="relay-addresses"]')!.textContent).to.equal('Relay addresses');
    expect(root.querySelector('textarea')!.value).to.equal('');
    expect(root.querySelector('ul')).to.equal(null);
    expect(root.textContent).to.contain('What a relay learns: the IP addresses of both of you');
    expect(root.textContent).to.contain('Never what you write');
    expect(await axeViolations(panel)).to.deep.equal([]);
  });

  it('lists each relay with its status, and fires the box as typed on "Save relays"', async () => {
    const panel = await mount([
      { url: 'wss://relay.one.example', status: 'connected' },
      { url: 'wss://relay.two.example', status: 'unreachable' },
    ]);
    const root = panel.shadowRoot!;
    const list = root.querySelector('ul')!;
    expect(list.getAttribute('aria-label')).to.equal('Relays');
    expect([...list.querySelectorAll('li')].map((li) => li.textContent!.trim())).to.deep.equal([
      'wss://relay.one.example: connected',
      'wss://relay.two.example: unreachable',
    ]);
    expect(root.querySelector('textarea')!.value).to.equal('wss://relay.one.example\nwss://relay.two.example');
    root.querySelector('textarea')!.value = 'wss://relay.three.example';
    let fired: string | undefined;
    const listener = (e: Event) => (fired = (e as CustomEvent<{ text: string }>).detail.text);
    document.body.addEventListener('tc-save-relays', listener);
    [...root.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Save relays')!.click();
    document.body.removeEventListener('tc-save-relays', listener);
    expect(fired).to.equal('wss://relay.three.example');
    expect(await axeViolations(panel)).to.deep.equal([]);
  });
});
