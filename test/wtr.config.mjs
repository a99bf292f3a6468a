// web-test-runner: unit tests in real headless Chromium (run inside the private network namespace by npm test).
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import * as esbuild from 'esbuild';
import { chromiumArgs } from './e2e/browsers.mjs';
import { screenshotPlugin } from './screenshot-plugin.mjs';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-wtr-'));
/** A server command `name` that runs `fn(cdp, page)` on the test page's own CDP session. */
function cdpCommand(name, fn) {
  return {
    name,
    async executeCommand({ command, session }) {
      if (command !== name) return undefined;
      const page = session.browser.getPage(session.id);
      const cdp = await page.createCDPSession();
      try {
        return await fn(cdp, page);
      } finally {
        await cdp.detach();
      }
    },
  };
}

/**
 * executeServerCommand('tc-ax-nodes'): Chromium's own accessibility tree (CDP Accessibility.getFullAXTree) as
 * { role, name, focused } per node that is not ignored, so tests check real roles and accessible names.
 */
const accessibilityTreePlugin = () =>
  cdpCommand('tc-ax-nodes', async (cdp) => {
    const { nodes } = await cdp.send('Accessibility.getFullAXTree');
    return nodes
      .filter((n) => !n.ignored)
      .map((n) => ({
        role: n.role?.value ?? '',
        name: n.name?.value ?? '',
        focused: (n.properties ?? []).some((p) => p.name === 'focused' && p.value?.value === true),
      }));
  });

/** executeServerCommand('tc-grant-clipboard'): lets the test page write to the clipboard, as a person's browser lets a
 * page they use (headless Chromium refuses navigator.clipboard.writeText otherwise). */
const clipboardPlugin = () =>
  cdpCommand('tc-grant-clipboard', async (cdp, page) => {
    await cdp.send('Browser.grantPermissions', { origin: new URL(page.url()).origin, permissions: ['clipboardReadWrite', 'clipboardSanitizedWrite'] });
    return true;
  });

/**
 * `qrcode` is CommonJS, which the dev server does not turn into a module: the app's bundle gets it through esbuild, and
 * here it is served as one ES module bundled by esbuild too (before, a test that opened a safety number, whose panel
 * loads the QR code's module, logged "does not provide an export named 'default'" from a promise outside the test).
 */
const commonJsAsModule = (name) => {
  const url = `/__as-module/${name}.js`;
  return {
    name: `as-module-${name}`,
    resolveImport: ({ source }) => (source === name ? url : undefined),
    async serve(context) {
      if (context.path !== url) return undefined;
      const built = await esbuild.build({ entryPoints: [name], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' });
      return { body: built.outputFiles[0].text, type: 'js' };
    },
  };
};

export default {
  files: ['test/unit/**/*.test.ts'],
  nodeResolve: { exportConditions: ['browser', 'import', 'default'] },
  hostname: '127.0.0.1',
  concurrency: 1,
  browserStartTimeout: 60_000,
  testsStartTimeout: 60_000,
  testsFinishTimeout: 180_000,
  // The page's own files sit next to index.html in dist/; the shell asks for them by relative URL (logo.svg).
  middleware: [
    (context, next) => {
      if (context.url === '/logo.svg') context.url = '/public/logo.svg';
      return next();
    },
  ],
  plugins: [commonJsAsModule('qrcode'), esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' }), screenshotPlugin(), accessibilityTreePlugin(), clipboardPlugin()],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: [...chromiumArgs, `--user-data-dir=${userDataDir}`],
        // One time zone wherever the tests run: the screens test's clock faces are compared with approved images.
        env: { ...process.env, TZ: 'UTC' },
      },
    }),
  ],
  testFramework: { config: { timeout: 30_000 } },
};
