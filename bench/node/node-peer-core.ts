// What bench/node-peer.mjs runs in Node from TypeScript (issue 20), bundled at the bench's start (node-bundle.mjs):
// a mailbox's owner naming its contacts, and the hand-over of held envelopes to the owner's app when it comes back.
// Type-checked with the Node files (tsconfig.node.json), not with the pages' (tsconfig.json).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TincanApp } from '../../src/app/tincan-app';
import type { Messenger } from '../../src/chat/messenger';
import { MailboxClient } from '../../src/chat/mailbox-client';
import { toBase64Url } from '../../src/crypto/bytes';
import { createIdentity } from '../../src/crypto/identity';
import { inProcessPasswordHasher, usePasswordHasher } from '../../src/crypto/vault';
import { decodeMailboxCode } from '../../src/invite/mailbox-code';
import { dialDirectFromNode } from '../../src/node/direct-dial-node';
import { openFileBackend } from '../../src/node/file-backend';
import { runMailbox } from '../../src/node/mailbox';
import { memoryPlatform } from '../../test/node/app/memory-platform';
import { until } from '../../test/node/chat/people';
import { freeUdpPort } from '../../test/node/net/direct-harness';
import { cheapKdf } from '../../test/node/store/helpers';

// Unlocking is not what is measured: a cheap Argon2id keeps the set-up short.
usePasswordHasher(async (password, salt) => inProcessPasswordHasher(password, salt, cheapKdf));

const passphrase = 'a passphrase for the bench';
/** A step over real UDP and real files with a thousand messages: generous, it is a bench, not a test. */
const stepTimeoutMs = 300_000;

/** Claims the mailbox its code names with a new owner key and has it serve `contacts` new keys; the visit ends. */
export async function claimWithContacts(code: string, contacts: number): Promise<{ readonly contacts: number }> {
  const fields = decodeMailboxCode(code);
  const owner = await createIdentity();
  const keys = await Promise.all(Array.from({ length: contacts }, async () => toBase64Url((await createIdentity()).publicKey)));
  const channel = await dialDirectFromNode({ address: fields.address, port: fields.port, fingerprint: fields.fingerprint });
  const client = new MailboxClient(channel, { identity: owner, displayName: 'Bench owner', mailboxKey: fields.identityKey, ...(fields.claim ? { claim: fields.claim } : {}) });
  try {
    await client.whenReady();
    const status = await client.setContacts(keys);
    return { contacts: status?.contacts ?? 0 };
  } finally {
    client.close();
  }
}

export interface HandOverResult {
  readonly count: number;
  /** Bob's first sendMessage -> the mailbox holds all `count` (his app over the mailbox, one at a time). */
  readonly depositMs: number;
  /** Alice's unlock() called -> it resolved (vault opened, chat core built). */
  readonly unlockMs: number;
  /** Alice's unlock() called -> her visit's channel is open at the mailbox's listener (dial, ICE, DTLS, SCTP). */
  readonly visitOpenMs: number;
  /** Alice's unlock() called -> her messenger has emitted 'added' for all `count` (each record written). */
  readonly allStoredMs: number;
  /** Distinct message ids Alice stored, and how many of them arrived in the order Bob wrote them. */
  readonly stored: number;
  readonly inOrder: boolean;
}

/**
 * Alice (the app facade over real records in a file, src/node/file-backend.ts) adds her mailbox (a real one on
 * 127.0.0.1, node-datachannel, WebRTC-direct); Bob (the app over in-memory records) connected to her once. Alice
 * locks; Bob writes `count` messages, which his app leaves in her mailbox; Alice unlocks: her app visits the mailbox,
 * collects and stores them. Links between the two apps are in-memory (only the mailbox's are real).
 */
export async function handOver(count: number): Promise<HandOverResult> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'tincan-bench-handover-'));
  const mailbox = await runMailbox({ home: path.join(scratch, 'mailbox'), listen: { address: '127.0.0.1', port: await freeUdpPort() } });
  const apps: TincanApp[] = [];
  try {
    const pageOn = async (platform: ReturnType<typeof memoryPlatform>, recordsDir?: string): Promise<TincanApp> => {
      const app = new TincanApp({
        pageUrl: 'https://example.test/tincan/',
        platform: {
          ...platform,
          ...(recordsDir ? { openBackend: () => openFileBackend(recordsDir) } : {}),
          dialDirect: (target) => dialDirectFromNode(target),
        },
      });
      await app.start();
      apps.push(app);
      return app;
    };
    const alice = await pageOn(memoryPlatform(), path.join(scratch, 'alice-records'));
    await alice.createProfile('Alice', passphrase, passphrase, 'local');
    const bob = await pageOn(memoryPlatform());
    await bob.createProfile('Bob', passphrase, passphrase, 'local');
    await alice.newInvite();
    await bob.submitCode(alice.state.state.exchanges[0]!.code!, 'paste');
    await alice.submitCode(bob.state.state.exchanges.find((e) => e.kind === 'answer')!.code!, 'paste');
    await until(() => alice.state.state.conversations[0]?.connection === 'online' && bob.state.state.conversations[0]?.connection === 'online', 'both online', stepTimeoutMs);
    await alice.addMailbox(mailbox.code);
    await until(() => mailbox.status().contacts === 1, 'the mailbox serves Bob', stepTimeoutMs);
    await alice.lock();
    await until(() => bob.state.state.conversations[0]?.connection !== 'online', 'Alice away', stepTimeoutMs);

    const texts = Array.from({ length: count }, (_, i) => `held message ${String(i).padStart(4, '0')} ${'x'.repeat(80)}`);
    const depositStart = performance.now();
    for (const text of texts) if (!(await bob.sendMessage(text))) throw new Error('Bob could not send');
    await until(() => mailbox.status().held >= count, `the mailbox holds ${count}`, stepTimeoutMs);
    const depositMs = performance.now() - depositStart;
    // Bob's page closes too: what Alice gets comes from the mailbox alone (two pages visiting it at once would
    // reconnect directly through it, docs/mailbox.md §6, and Bob's outbox would hand the messages on that link).
    await bob.lock();

    // Alice's messenger is made inside unlock() (TincanApp keeps it private): count its 'added' events from the
    // moment the app watches it.
    const storedTexts: string[] = [];
    const app = alice as unknown as { watchMessenger(messenger: Messenger): void };
    const watch = app.watchMessenger.bind(alice);
    app.watchMessenger = (messenger) => {
      messenger.on('added', ({ message }) => {
        if (message.direction === 'in') storedTexts.push(message.text);
      });
      watch(messenger);
    };
    // The visit opens when the mailbox's listener sees the channel open (the app's mailbox state may still read
    // 'connected' from before the lock): polled every 1 ms.
    let visitOpenAt = Number.NaN;
    const openedBefore = mailbox.listener.stats.opened;
    const poll = setInterval(() => {
      if (Number.isNaN(visitOpenAt) && mailbox.listener.stats.opened > openedBefore) visitOpenAt = performance.now();
    }, 1);
    const unlockStart = performance.now();
    await alice.unlock(passphrase);
    const unlockMs = performance.now() - unlockStart;
    await until(() => storedTexts.length >= count, `Alice stored ${count}`, stepTimeoutMs);
    const allStoredMs = performance.now() - unlockStart;
    clearInterval(poll);
    return {
      count,
      depositMs,
      unlockMs,
      visitOpenMs: visitOpenAt - unlockStart,
      allStoredMs,
      stored: new Set(storedTexts).size,
      inOrder: storedTexts.every((text, i) => text === texts[i]),
    };
  } finally {
    for (const app of apps) await app.lock().catch(() => undefined);
    await mailbox.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}
