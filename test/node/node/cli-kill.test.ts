// Nothing acknowledged is lost: the real command line (bin/tincan.mjs --json chat) is killed with SIGKILL in the
// middle of a burst of sends, 20 times; every message it said was stored ({"event":"stored"}) is in the history
// afterwards, once, with its text.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { TincanError } from '../../../src/errors';
import { openTincan, stopTincan, type TincanNode } from '../../../src/node/tincan-node';
import { cheapKdf } from '../store/helpers';

const passphrase = 'correct horse battery staple 42';
const kills = 20;
const burst = 60;
const folders: string[] = [];

after(async () => {
  stopTincan();
  await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })));
});

/**
 * Alice's profile folder, paired with Bob. The pairing is this test's setup, not its subject (tincan-node.test.ts
 * tests it): it is tried again with new folders when refused, three times at most. In full CI runs (Node tests beside
 * the browser unit tests) Alice's answer was refused with libdatachannel's "Got a remote candidate without ICE
 * transport": its own race between ICE and the remote description (docs/node-peer.md §1, upstream PR #1612).
 */
async function pairedHome(): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await pairOnce();
    } catch (error) {
      if (attempt === 3 || !(error instanceof TincanError) || error.code !== 'CODE_REFUSED') throw error;
      // In the test's output: the connection's states at the refusal (node-link.ts; docs/node-peer.md §1).
      console.log(`# pairing ${attempt} was refused, tried again: ${error.message}`);
    }
  }
}

async function pairOnce(): Promise<string> {
  const [aliceHome, bobHome] = await Promise.all([0, 1].map(() => mkdtemp(path.join(os.tmpdir(), 'tincan-kill-'))));
  folders.push(aliceHome!, bobHome!);
  const alice = await openTincan({ home: aliceHome!, passphrase, kdfLimits: cheapKdf, create: { name: 'Alice' } });
  const bob = await openTincan({ home: bobHome!, passphrase, kdfLimits: cheapKdf, create: { name: 'Bob' } });
  try {
    const connected = new Promise<void>((resolve) => alice.on('connected', () => resolve()));
    const { code } = await alice.invite();
    await alice.useCode((await bob.useCode(code)).answer!);
    await connected;
  } finally {
    await Promise.all([alice.close(), bob.close()]);
  }
  return aliceHome!;
}

/** One CLI run: sends a burst, and is killed once `killAfter` sends were acknowledged. Resolves to what it acknowledged. */
function runAndKill(home: string, round: number, killAfter: number): Promise<Map<string, string>> {
  const child = spawn(process.execPath, ['bin/tincan.mjs', '--json', '--home', home, 'chat', 'Bob'], {
    env: { ...process.env, TINCAN_PASSPHRASE: passphrase },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const acknowledged = new Map<string, string>();
  const texts: string[] = [];
  return new Promise((resolve, reject) => {
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(acknowledged) : reject(new Error(`tincan ended by itself (${signal ?? _code})`))));
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const event = JSON.parse(line) as { event: string; id?: string };
      if (event.event === 'invite') {
        for (let i = 0; i < burst; i++) texts.push(`round ${round} message ${i}`);
        child.stdin.write(texts.map((text) => `${JSON.stringify({ send: text })}\n`).join(''));
      }
      // Stored events come in the order the sends went in (one session sends one at a time).
      if (event.event === 'stored' && event.id) {
        acknowledged.set(event.id, texts[acknowledged.size]!);
        if (acknowledged.size === killAfter) child.kill('SIGKILL');
      }
    });
  });
}

describe('tincan killed during a burst of writes', () => {
  it(`keeps every message it acknowledged, ${kills} kills in a row`, { timeout: 180_000 }, async () => {
    const home = await pairedHome();
    const acknowledged = new Map<string, string>();
    for (let round = 0; round < kills; round++) {
      const killAfter = 1 + ((round * 17) % (burst - 1)); // spread over the burst, the same every run
      for (const [id, text] of await runAndKill(home, round, killAfter)) acknowledged.set(id, text);
    }
    let alice: TincanNode | undefined;
    try {
      alice = await openTincan({ home, passphrase });
      const history = await alice.history('Bob', kills * burst + 10);
      const kept = new Map(history.map((m) => [m.id, m.text]));
      assert.equal(kept.size, history.length, 'no message twice');
      for (const [id, text] of acknowledged) assert.equal(kept.get(id), text, `acknowledged ${id} (${text})`);
      assert.ok(acknowledged.size >= kills);
      assert.equal(alice.contacts()[0]!.waiting, history.length, 'each kept message still waits for Bob');
    } finally {
      await alice?.close();
    }
  });
});
