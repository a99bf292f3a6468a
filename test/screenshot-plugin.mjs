// The unit tests' screenshots, compared with approved images kept in the repository, so a layout regression fails a
// test. executeServerCommand('tc-screenshot', { name }) shoots the test page's viewport, saves it in
// .build/screenshots/<name>.png for a person to look at, and compares it with test/unit/ui/approved/<name>.png:
// it answers { mismatch: undefined } when they match, or { mismatch: '<a sentence>' } naming the screen, the share of
// its pixels that differ and where the new image and a diff image (differences in red) were written.
//
// Approving: run the tests with TINCAN_APPROVE_SCREENSHOTS=1 (README, "Screenshots"). Then every screenshot that has no
// approved image, or does not match it, is written as the approved image (one that matches is left as it is, so
// `git diff --stat test/unit/ui/approved` lists exactly the screens that changed); look at them before committing.
//
// The images depend on the machine: Chromium's version and the system fonts (the page uses system-ui). After a
// Chromium or font update, run the screens test, look at the diffs, and approve again.
import fs from 'node:fs';
import path from 'node:path';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';

/** Where the screenshots are saved for a person to look at, with the diff images (git-ignored). */
const newDir = '.build/screenshots';
/** Where the approved images are kept (committed). */
const approvedDir = 'test/unit/ui/approved';
const approveEnvVariable = 'TINCAN_APPROVE_SCREENSHOTS';
/** The command that approves the screens test's new images. */
const approveCommand = `${approveEnvVariable}=1 bash scripts/in-netns.sh npx web-test-runner --config test/wtr.config.mjs --files test/unit/ui/screens.test.ts`;

/**
 * The screenshots are taken at half the page's size (Chromium draws the page at that scale; the layout is the
 * page's own): the 100 images of the screens test take 2.3 MB instead of about 5.6 MB at full size, and a layout change of
 * a few CSS pixels still moves hundreds of pixels.
 */
const shotScale = 0.5;

/**
 * pixelmatch's per-pixel threshold: how far apart two colours may be (0 to 1, in its YIQ distance) and still count as
 * the same. Its default; anti-aliased pixels are not counted either (pixelmatch's includeAA: false).
 */
const pixelThreshold = 0.1;
/**
 * The share of a screen's pixels that may differ before it fails. Two runs of the screens test on one machine
 * (2026-12-07) gave 99 of 100 images identical byte for byte and one with 5 pixels changed by anti-aliasing, which
 * pixelmatch does not count: 0 % differing. A layout regression moves far more, so this only absorbs rare noise.
 */
const maxDifferingShare = 0.001;

/** @param {number} share */
const percent = (share) => `${(share * 100).toFixed(share < 0.0001 ? 4 : 2)} %`;

/**
 * Compares a new screenshot (PNG bytes) with the approved image of `name`.
 * @param {string} name a file name without .png ([a-z0-9._-])
 * @param {Buffer} shot
 * @returns {string | undefined} a sentence saying how they differ, or undefined when they match
 */
function compareWithApproved(name, shot) {
  const newPath = path.join(newDir, `${name}.png`);
  const diffPath = path.join(newDir, `${name}.diff.png`);
  const approvedPath = path.join(approvedDir, `${name}.png`);
  fs.mkdirSync(newDir, { recursive: true });
  fs.writeFileSync(newPath, shot);
  fs.rmSync(diffPath, { force: true });
  const approving = process.env[approveEnvVariable] === '1';
  const approve = () => {
    fs.mkdirSync(approvedDir, { recursive: true });
    fs.writeFileSync(approvedPath, shot);
    return undefined;
  };

  if (!fs.existsSync(approvedPath)) {
    if (approving) return approve();
    return `${name}: there is no approved image ${approvedPath} to compare the new one with (${newPath}); look at it, and approve it with: ${approveCommand}`;
  }
  const approved = PNG.sync.read(fs.readFileSync(approvedPath));
  const fresh = PNG.sync.read(shot);
  if (approved.width !== fresh.width || approved.height !== fresh.height) {
    if (approving) return approve();
    return `${name}: the new image ${newPath} is ${fresh.width}×${fresh.height} px, the approved ${approvedPath} is ${approved.width}×${approved.height} px; if the new size is right, approve it with: ${approveCommand}`;
  }
  const { width, height } = fresh;
  const diff = new PNG({ width, height });
  const differing = pixelmatch(approved.data, fresh.data, diff.data, width, height, { threshold: pixelThreshold });
  const share = differing / (width * height);
  if (share <= maxDifferingShare) return undefined;
  if (approving) return approve();
  fs.writeFileSync(diffPath, PNG.sync.write(diff));
  return (
    `${name}: ${percent(share)} of the pixels (${differing}) differ from the approved image ${approvedPath} (at most ` +
    `${percent(maxDifferingShare)} may); the new image is ${newPath}, the differences in red in ${diffPath}; if the ` +
    `change is intended, approve it with: ${approveCommand}`
  );
}

/** The server command 'tc-screenshot' ({ name }) → { mismatch?: string }. */
export function screenshotPlugin() {
  return {
    name: 'tc-screenshot',
    async executeCommand({ command, payload, session }) {
      if (command !== 'tc-screenshot') return undefined;
      const name = String(payload?.name ?? 'screen').replace(/[^a-z0-9._-]+/gi, '-');
      const page = session.browser.getPage(session.id);
      const { width, height } = page.viewport();
      const shot = Buffer.from(await page.screenshot({ clip: { x: 0, y: 0, width, height, scale: shotScale } }));
      return { mismatch: compareWithApproved(name, shot) };
    },
  };
}
