// One set of words for how far Tincan reaches: Settings names its choices as the profile screen does ("Same network
// only", "Anywhere"), and the TURN box's own problem gives a turn: example, not a stun: one.
import { expect } from '@esm-bundle/chai';
import '../../../src/ui/settings-panel';
import type { SettingsPanel } from '../../../src/ui/settings-panel';
import { reachText } from '../../../src/ui/messages';
import { nameOf } from './fixtures';

afterEach(() => document.querySelectorAll('tc-settings-panel').forEach((el) => el.remove()));

async function mount(): Promise<SettingsPanel> {
  const panel = document.createElement('tc-settings-panel');
  document.body.append(panel);
  await panel.updateComplete;
  return panel;
}

describe('network words', () => {
  it('Settings names its choices with the profile screen\'s words', async () => {
    const panel = await mount();
    const radios = [...panel.shadowRoot!.querySelectorAll('input[type=radio]')].map(nameOf);
    const profileWords = [reachText.local.choice, reachText.anywhere.choice].map((choice) => choice.split(' — ')[0]!);
    expect(profileWords).to.deep.equal(['Same network only', 'Anywhere']);
    expect(radios[0]).to.equal('Same network only');
    for (const radio of radios.slice(1)) expect(radio.startsWith('Anywhere'), radio).to.equal(true);
    expect(radios.join(' ')).to.not.match(/\bNone\b/);
  });

  it('an empty TURN box asks for a turn: address', async () => {
    const panel = await mount();
    panel.shadowRoot!.querySelector<HTMLInputElement>('#preset-stun-turn')!.click();
    await panel.updateComplete;
    [...panel.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Save settings')!.click();
    await panel.updateComplete;
    const problem = panel.shadowRoot!.querySelector('#turn-problem')!.textContent!;
    expect(problem).to.match(/turn:turn\.example\.org/);
    expect(problem).to.not.match(/stun:/);
  });
});
