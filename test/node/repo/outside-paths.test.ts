// Nothing the project runs reads a path above its root (issue 23): a fresh clone with nothing beside it passes its tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { outsidePaths } from './outside-paths';

const root = '/somewhere/tincan';
const written = (file: string, text: string): string[] => outsidePaths(root, file, text).map((hit) => `${hit.line} ${hit.written} from ${hit.from}`);

test('every tracked file stays inside the repository', () => {
  const repoRoot = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: repoRoot, encoding: 'utf8' }).split('\0').filter(Boolean);
  assert.ok(files.includes('test/e2e/scan.test.mjs'), 'git ls-files lists the repository');
  const found = files
    .filter((file) => fs.existsSync(path.join(repoRoot, file)))
    .flatMap((file) => outsidePaths(repoRoot, file, fs.readFileSync(path.join(repoRoot, file), 'utf8')))
    .map((hit) => `${hit.file}:${hit.line}: ${hit.written} (from the ${hit.from === 'file' ? "file's folder" : 'repository root'})`);
  assert.deepEqual(found, []);
});

test('a path run from the working directory that goes above the root is found (the old scan test)', () => {
  const oldScanTest = [
    "import { execFileSync } from 'node:child_process';",
    'function writeCameraVideo(file, text) {',
    "  execFileSync(process.execPath, [path.resolve('../shared/lab/qr-y4m.mjs'), text, file], { stdio: 'ignore' });",
    '}',
  ].join('\n');
  assert.deepEqual(written('test/e2e/scan.test.mjs', oldScanTest), ['3 ../shared/lab/qr-y4m.mjs from cwd']);
  assert.deepEqual(written('bench/x.mjs', "spawn('node', ['../../shared/lab/one-code.mjs']);\nfs.readFileSync(`../shared/${name}`);"), [
    '1 ../../shared/lab/one-code.mjs from cwd',
    '2 ../shared/ from cwd',
  ]);
});

test('an import or a file-relative path that leaves the root is found, in scripts, configs, commands and pages', () => {
  assert.deepEqual(written('test/e2e/a.mjs', "import { x } from '../../../shared/lab/x.mjs';\nawait import('../../../y.mjs');"), [
    '1 ../../../shared/lab/x.mjs from file',
    '2 ../../../y.mjs from file',
  ]);
  assert.deepEqual(written('bench/b.mjs', "const lab = new URL('../../shared/lab/', import.meta.url);\npath.join(here, '../..');"), [
    '1 ../../shared/lab/ from file',
    '2 ../.. from file',
  ]);
  assert.deepEqual(written('package.json', '{\n  "scripts": { "lab": "node ../shared/lab/netlab.sh up cone" }\n}'), ['2 ../shared/lab/netlab.sh from cwd']);
  assert.deepEqual(written('scripts/x.sh', '# ../shared is only named here\nbash ../shared/lab/netlab.sh down'), ['2 ../shared/lab/netlab.sh from cwd']);
  assert.deepEqual(written('tsconfig.x.json', '{ "extends": "../shared/tsconfig.json" }'), ['1 ../shared/tsconfig.json from file']);
  assert.deepEqual(written('test/fixtures/p/index.html', '<script type="module" src="../../../../lab.js"></script>'), ['1 ../../../../lab.js from file']);
});

test('paths that stay inside the root are not flagged, nor docs that cite the lab', () => {
  assert.deepEqual(written('src/chat/messenger.ts', "import { decodeCode } from '../invite/invite-code';\nimport type { Link } from '../net/link';"), []);
  assert.deepEqual(written('test/fixtures/net/page.ts', "import { PeerLink } from '../../../src/net/peer-link';"), []);
  assert.deepEqual(written('test/e2e/netlab.mjs', "const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');"), []);
  assert.deepEqual(written('test/node/files/f.test.ts', "decodeFrame({ name: '../../etc/passwd' });\n// from ../shared/lab/netlab.sh"), []);
  assert.deepEqual(written('docs/lab.md', '`node ../shared/lab/qr-y4m.mjs "TEXT" /abs/qr.y4m`'), []);
  assert.deepEqual(written('scripts/y.sh', 'cd "$(dirname "$0")/.."'), []);
});
