// The page refuses to run inside a frame: framed, it shows only a notice with a link that opens it on its own
// (target _top); on its own, it changes nothing.
import { expect } from '@esm-bundle/chai';
import { isFramed, refuseToRunInFrame } from '../../../src/ui/frame-guard';
import { frameText } from '../../../src/ui/messages';

async function frame(): Promise<HTMLIFrameElement> {
  const iframe = document.createElement('iframe');
  iframe.srcdoc = '<!doctype html><body><p id="app">app would start here</p></body>';
  const loaded = new Promise((resolve) => iframe.addEventListener('load', resolve, { once: true }));
  document.body.append(iframe);
  await loaded;
  return iframe;
}

afterEach(() => document.querySelectorAll('iframe').forEach((el) => el.remove()));

describe('frame guard', () => {
  it('does nothing in a window of its own', () => {
    // The test runner's page is itself framed in some setups; a window that is its own top is what counts.
    const own = { top: null as unknown, self: null as unknown, document } as unknown as Window;
    (own as { top: unknown }).top = own;
    (own as { self: unknown }).self = own;
    expect(isFramed(own)).to.equal(false);
    expect(refuseToRunInFrame(own)).to.equal(false);
  });

  it('inside a frame, shows only a notice and a link to open the page on its own', async () => {
    const iframe = await frame();
    const win = iframe.contentWindow!;
    expect(isFramed(win)).to.equal(true);
    expect(refuseToRunInFrame(win)).to.equal(true);
    const body = win.document.body;
    expect(body.querySelector('#app')).to.equal(null);
    expect(body.querySelector('h1')!.textContent).to.equal(frameText.heading);
    const link = body.querySelector('a')!;
    expect(link.textContent).to.equal(frameText.link);
    expect(link.target).to.equal('_top');
    expect(link.href).to.equal(win.location.href);
  });

  it('counts a parent it may not look at as a frame', () => {
    const hostile = {
      get top(): Window {
        throw new DOMException('Blocked a frame', 'SecurityError');
      },
      self: {},
    } as unknown as Window;
    expect(isFramed(hostile)).to.equal(true);
  });
});
