// What people read from values: times that never throw, links that are only ever http(s), and the detection of
// Safari outside the Home Screen (emulated: WebKit cannot run here).
import { expect } from '@esm-bundle/chai';
import { isoTime, messageTime, safeHref, splitLinks, timeLeftText, whenText } from '../../../src/ui/message-format';
import { needsHomeScreenForStorage } from '../../../src/ui/storage-advice';

describe('message-format', () => {
  it('formats times and returns nothing for times no clock can show', () => {
    const now = Date.UTC(2031, 4, 3, 14, 5);
    expect(messageTime(now - 60_000, now)).to.match(/\d/);
    for (const odd of [1e16, -1e16, Number.NaN, Number.POSITIVE_INFINITY, '12', undefined, null, {}]) {
      expect(messageTime(odd, now)).to.equal('');
      expect(isoTime(odd)).to.equal(undefined);
      expect(whenText(odd, now)).to.equal('');
      expect(timeLeftText(odd, now)).to.equal('');
    }
    expect(isoTime(8.64e15)).to.equal('+275760-09-13T00:00:00.000Z');
    expect(timeLeftText(now + 45_000, now)).to.equal('45 s');
    expect(timeLeftText(now + 19 * 60_000, now)).to.equal('19 min');
    expect(timeLeftText(now - 1, now)).to.equal('');
  });

  it('splits text into plain parts and http(s) links, leaving sentence punctuation outside', () => {
    expect(splitLinks('see https://example.org/x. Then (http://a.example/b_(c)) done')).to.deep.equal([
      { text: 'see ' },
      { href: 'https://example.org/x', text: 'https://example.org/x' },
      { text: '. Then (' },
      { href: 'http://a.example/b_(c)', text: 'http://a.example/b_(c)' },
      { text: ') done' },
    ]);
    expect(splitLinks('javascript:alert(1) and JAVASCRIPT://x and data:text/html,hi')).to.deep.equal([
      { text: 'javascript:alert(1) and JAVASCRIPT://x and data:text/html,hi' },
    ]);
    expect(splitLinks('xhttps://glued.example')).to.deep.equal([{ text: 'xhttps://glued.example' }]);
    expect(safeHref('http://')).to.equal(undefined);
    expect(safeHref('http://[::1]:80/')).to.equal('http://[::1]/');
  });

  it('stays fast on long and hostile texts', () => {
    const start = performance.now();
    splitLinks(`https://x.example/${')'.repeat(19_000)}`);
    splitLinks('https://'.repeat(2_400));
    splitLinks('a'.repeat(5_000_000));
    // Generous: a quadratic pass over these would take seconds.
    expect(performance.now() - start).to.be.below(1000);
  });

  it('advises the Home Screen only on iOS WebKit in a browser tab', () => {
    expect(needsHomeScreenForStorage({ standalone: false, displayModeStandalone: false })).to.equal(true);
    expect(needsHomeScreenForStorage({ standalone: true, displayModeStandalone: true })).to.equal(false);
    expect(needsHomeScreenForStorage({ standalone: false, displayModeStandalone: true })).to.equal(false);
    // Everywhere else navigator.standalone does not exist.
    expect(needsHomeScreenForStorage({ standalone: undefined, displayModeStandalone: false })).to.equal(false);
    expect(needsHomeScreenForStorage()).to.equal(false);
  });

  it('detects it from the page: navigator.standalone emulated as on an iPhone', () => {
    Object.defineProperty(navigator, 'standalone', { value: false, configurable: true });
    try {
      expect(needsHomeScreenForStorage()).to.equal(true);
    } finally {
      delete (navigator as { standalone?: boolean }).standalone;
    }
    expect(needsHomeScreenForStorage()).to.equal(false);
  });
});
