// The profile screen as a new person first sees it on a 360x740 phone (issue 18, item 5), for a new visitor and for
// an invitee who opened an invite link, in Chromium and Firefox: where "Create profile" ends (in view when at most
// 740 px), how many characters of text there are to read above it (the app's title aside), and how many controls.
//
//   npm run build && flock /tmp/tincan-browser.lock bash scripts/in-netns.sh node bench/first-screen.mjs
//
// The invite comes from a Chromium page that made a profile ("Same network only") and pressed "New invite". No
// figure is asserted: this bench prints (the e2e test in test/e2e/mobile.test.mjs asserts "in view").
import { launchBrowser } from '../test/e2e/browsers.mjs';
import { click, enterApp, readCode, waitForElement } from '../test/e2e/helpers.mjs';
import { inPage } from '../test/e2e/page-probe.mjs';
import { machineLine, printTable, serveDistSnapshot, warnOutsideNamespace } from './lib.mjs';

const viewport = { width: 360, height: 740 };

/** In the page: the first screen's figures, through open shadow roots. */
const measure = inPage((probe) => {
  const elements = probe.findAll(() => true);
  const button = elements.find((el) => el.localName === 'button' && el.textContent.trim() === 'Create profile');
  const top = button.getBoundingClientRect().top;
  const above = (el) => el.getClientRects().length > 0 && el.getBoundingClientRect().bottom <= top && !el.closest('.sr-only');
  let chars = 0;
  for (const el of elements) {
    if (el.localName === 'h1' || !above(el)) continue;
    for (const node of el.childNodes) if (node.nodeType === Node.TEXT_NODE) chars += node.textContent.replace(/\s+/g, ' ').trim().length;
  }
  const controls = elements.filter((el) => el.matches('input, button, textarea, select') && above(el)).length;
  return { bottom: Math.round(button.getBoundingClientRect().bottom), height: innerHeight, chars, controls };
});

warnOutsideNamespace();
const dist = await serveDistSnapshot();
console.log(`First-screen bench ${machineLine()}; build ${dist.buildId}; ${viewport.width}x${viewport.height}`);
const rows = [];
try {
  const inviter = await launchBrowser('chromium');
  let link;
  try {
    const page = (await inviter.pages())[0];
    await page.goto(dist.url);
    await enterApp(page, { name: 'Alice', passphrase: 'correct horse battery staple 42' });
    await click(page, 'button', 'New invite');
    link = `${dist.url}#${await readCode(page, 'Invite code')}`;
  } finally {
    await inviter.close();
  }
  for (const kind of ['chromium', 'firefox']) {
    const browser = await launchBrowser(kind);
    try {
      const page = (await browser.pages())[0];
      await page.setViewport(viewport);
      for (const [who, url] of [['new visitor', dist.url], ['invitee (link)', link]]) {
        await page.goto('about:blank');
        await page.goto(url);
        await waitForElement(page, 'button', 'Create profile', { timeout: 30_000 });
        // The page's fonts and lazy parts settled: two frames after the button shows.
        await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
        const m = await page.evaluate(measure);
        rows.push([kind, who, `${m.bottom} of ${m.height}`, m.bottom <= m.height ? 'yes' : 'NO', String(m.chars), String(m.controls)]);
      }
    } finally {
      await browser.close();
    }
  }
} finally {
  dist.close();
}
printTable(['browser', 'who', '"Create profile" ends at (px)', 'in view', 'characters above it', 'controls above it'], rows);
