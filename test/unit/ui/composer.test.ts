// <tc-composer> in a real browser: Enter sends what was typed and leaves an empty box one line high again; the box
// grows with its text; every change of the text is reported (active: whether text is left), and the app decides
// what the contact hears of it (app/typing-signal.ts, Node tests).
import { expect } from '@esm-bundle/chai';
import type { Composer } from '../../../src/ui/composer';
import '../../../src/ui/composer';
import { loadAppCss } from './fixtures';

async function mount(): Promise<Composer> {
  await loadAppCss();
  const composer = document.createElement('tc-composer');
  composer.style.width = '360px';
  document.body.append(composer);
  await composer.updateComplete;
  return composer;
}

const box = (composer: Composer) => composer.shadowRoot!.querySelector<HTMLTextAreaElement>('textarea[aria-label="Message"]')!;
const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

function type(field: HTMLTextAreaElement, text: string): void {
  field.value = text;
  field.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true }));
}

function enter(field: HTMLTextAreaElement, init: KeyboardEventInit = {}): void {
  field.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true, cancelable: true, ...init }));
}

afterEach(() => document.querySelectorAll('tc-composer').forEach((el) => el.remove()));

describe('tc-composer', () => {
  it('sends on Enter and leaves an empty box one line high; Shift+Enter does not send', async () => {
    const composer = await mount();
    const sent: string[] = [];
    composer.addEventListener('tc-send-message', (e) => sent.push(e.detail.text));
    const field = box(composer);
    await frame();
    const oneLine = field.getBoundingClientRect().height;
    type(field, 'first line\nsecond line\nthird line');
    await frame();
    expect(field.getBoundingClientRect().height).to.be.above(oneLine);
    enter(field, { shiftKey: true });
    expect(sent).to.deep.equal([]);
    enter(field);
    expect(sent).to.deep.equal(['first line\nsecond line\nthird line']);
    expect(field.value).to.equal('');
    await frame();
    expect(field.getBoundingClientRect().height).to.equal(oneLine);
  });

  it('reports every change of the text, and whether any is left; a send reports nothing more', async () => {
    const composer = await mount();
    const typing: boolean[] = [];
    composer.addEventListener('tc-typing', (e) => typing.push(e.detail.active));
    const field = box(composer);
    type(field, 'h');
    type(field, 'hi');
    type(field, '');
    type(field, 'hey');
    enter(field);
    expect(typing).to.deep.equal([true, true, false, true]);
  });
});
