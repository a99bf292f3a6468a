// web-test-runner: unit tests in real headless Chromium (run inside the private network namespace by npm test).
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromiumArgs } from './e2e/browsers.mjs';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-wtr-'));

export default {
  files: ['test/unit/**/*.test.ts'],
  nodeResolve: { exportConditions: ['browser', 'import', 'default'] },
  hostname: '127.0.0.1',
  concurrency: 1,
  browserStartTimeout: 60_000,
  testsStartTimeout: 60_000,
  testsFinishTimeout: 180_000,
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' })],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: [...chromiumArgs, `--user-data-dir=${userDataDir}`],
      },
    }),
  ],
  testFramework: { config: { timeout: 30_000 } },
};
