// <tc-settings-panel> in a real browser: it shows the saved servers, explains a problem next to its field, fires
// tc-save-settings with the canonical list, and axe-core finds no accessibility problem.
import { expect } from '@esm-bundle/chai';
import '../../../src/ui/settings-panel';
import type { SettingsPanel } from '../../../src/ui/settings-panel';
import type { SaveSettingsDetail } from '../../../src/ui/events';
import { errorMessages } from '../../../src/ui/messages';
import { axeViolations } from './fixtures';

async function mount(iceServers: RTCIceServer[] = []): Promise<SettingsPanel> {
  const panel = document.createElement('tc-settings-panel');
  panel.iceServers = iceServers;
  document.body.append(panel);
  await panel.updateComplete;
  return panel;
}

const $ = <T extends Element>(panel: SettingsPanel, selector: string) => panel.shadowRoot!.querySelector<T>(selector);

async function choose(panel: SettingsPanel, preset: string): Promise<void> {
  $<HTMLInputElement>(panel, `#preset-${preset}`)!.click();
  await panel.updateComplete;
}

async function type(panel: SettingsPanel, field: string, value: string): Promise<void> {
  const input = $<HTMLInputElement>(panel, `#${field}`)!;
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  await panel.updateComplete;
}

async function save(panel: SettingsPanel): Promise<SaveSettingsDetail | undefined> {
  let detail: SaveSettingsDetail | undefined;
  const listener = (e: Event) => (detail = (e as CustomEvent<SaveSettingsDetail>).detail);
  document.body.addEventListener('tc-save-settings', listener);
  [...panel.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Save settings')!.click();
  await panel.updateComplete;
  document.body.removeEventListener('tc-save-settings', listener);
  return detail;
}

afterEach(() => document.querySelectorAll('tc-settings-panel').forEach((el) => el.remove()));

describe('tc-settings-panel', () => {
  it('starts on "None" and shows the trade-off of each choice', async () => {
    const panel = await mount();
    expect($(panel, 'h2')!.textContent).to.equal('Network settings');
    expect($<HTMLInputElement>(panel, '#preset-none')!.checked).to.equal(true);
    const text = panel.shadowRoot!.textContent!;
    expect(text).to.contain('the STUN server learns your IP address');
    expect(text).to.contain('the TURN server relays your encrypted messages and learns both of your IP addresses');
    expect($(panel, '#stun')).to.equal(null);
    expect(await save(panel)).to.deep.equal({ iceServers: [] });
  });

  it('shows the saved servers', async () => {
    const panel = await mount([{ urls: 'stun:10.99.0.1:3478' }, { urls: 'turn:10.99.0.1:3478', username: 'labuser', credential: 'labpass' }]);
    expect($<HTMLInputElement>(panel, '#preset-stun-turn')!.checked).to.equal(true);
    expect($<HTMLInputElement>(panel, '#stun')!.value).to.equal('stun:10.99.0.1:3478');
    expect($<HTMLInputElement>(panel, '#turn')!.value).to.equal('turn:10.99.0.1:3478');
    expect($<HTMLInputElement>(panel, '#username')!.value).to.equal('labuser');
    expect($<HTMLInputElement>(panel, '#password')!.type).to.equal('password');
  });

  it('explains a problem next to its field, and clears it once fixed', async () => {
    const panel = await mount();
    await choose(panel, 'stun');
    await type(panel, 'stun', 'stun:stun.example.org:99999');
    expect(await save(panel)).to.equal(undefined);
    const input = $<HTMLInputElement>(panel, '#stun')!;
    const problem = $(panel, '#stun-problem')!;
    expect(problem.getAttribute('role')).to.equal('alert');
    expect(problem.textContent).to.equal(errorMessages.ICE_URL_PORT);
    expect(input.getAttribute('aria-invalid')).to.equal('true');
    expect(input.getAttribute('aria-describedby')!.split(' ')).to.include('stun-problem');
    expect(panel.shadowRoot!.activeElement).to.equal(input);
    await type(panel, 'stun', 'stun.example.org:3478');
    expect($(panel, '#stun-problem')).to.equal(null);
    expect(input.getAttribute('aria-invalid')).to.equal('false');
    const saved = await save(panel);
    expect(saved).to.deep.equal({ iceServers: [{ urls: 'stun:stun.example.org:3478' }] });
    // Not "Saved" until the app has written it and hands the saved servers back.
    const status = () => panel.shadowRoot!.querySelector('[role="status"]')!.textContent;
    expect(status()).not.to.contain('Saved.');
    panel.iceServers = saved!.iceServers;
    await panel.updateComplete;
    expect(status()).to.contain('Saved.');
  });

  it('needs a TURN username and password', async () => {
    const panel = await mount();
    await choose(panel, 'stun-turn');
    await type(panel, 'turn', 'turn:10.99.0.1:3478');
    expect(await save(panel)).to.equal(undefined);
    expect($(panel, '#username-problem')!.textContent).to.equal(errorMessages.ICE_TURN_CREDENTIALS);
    expect($(panel, '#password-problem')!.textContent).to.equal(errorMessages.ICE_TURN_CREDENTIALS);
    await type(panel, 'username', 'labuser');
    await type(panel, 'password', 'labpass');
    expect(await save(panel)).to.deep.equal({ iceServers: [{ urls: 'turn:10.99.0.1:3478', username: 'labuser', credential: 'labpass' }] });
  });

  it('keeps what the person is typing when the saved servers change, and follows them otherwise', async () => {
    const panel = await mount();
    panel.iceServers = [{ urls: 'stun:a.example' }];
    await panel.updateComplete;
    expect($<HTMLInputElement>(panel, '#stun')!.value).to.equal('stun:a.example');
    await type(panel, 'stun', 'stun:b.example');
    panel.iceServers = [{ urls: 'stun:c.example' }];
    await panel.updateComplete;
    expect($<HTMLInputElement>(panel, '#stun')!.value).to.equal('stun:b.example');
  });

  it('has no accessibility violations, with and without a problem shown', async () => {
    const panel = await mount();
    expect((await axeViolations(panel)).map((v) => v.split(' (')[0])).to.deep.equal([]);
    await choose(panel, 'stun-turn');
    await type(panel, 'stun', 'bad host');
    await save(panel);
    expect((await axeViolations(panel)).map((v) => v.split(' (')[0])).to.deep.equal([]);
  });
});
