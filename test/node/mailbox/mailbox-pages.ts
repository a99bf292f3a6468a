// Pages for the mailbox tests over the app facade: a TincanApp on an in-memory device that dials a mailbox over real
// UDP (node-datachannel), and two of them paired through codes; a vault collection kept in memory for a keeper alone.
import { TincanApp } from '../../../src/app/tincan-app';
import type { AppState } from '../../../src/app/app-state';
import type { MailboxKeeperOptions } from '../../../src/app/mailbox-keeper';
import type { SealedCollection } from '../../../src/store/sealed-collection';
import { dialDirectFromNode } from '../../../src/node/direct-dial-node';
import { memoryPlatform } from '../app/memory-platform';
import { until } from '../chat/people';

export const passphrase = 'a passphrase for tests';
/** Dials, Hellos and a mailbox's answers over real UDP on 127.0.0.1: more than `until`'s default. */
export const mailboxStepMs = 20_000;

export type Platform = ReturnType<typeof memoryPlatform>;

/** A page on a device that can dial a mailbox; `platform`: the same device again (its records kept: a reload). */
export async function pageOn(platform: Platform): Promise<TincanApp> {
  const app = new TincanApp({ pageUrl: 'https://example.test/tincan/', platform: { ...platform, dialDirect: (target) => dialDirectFromNode(target) } });
  await app.start();
  return app;
}

export const s = (app: TincanApp): AppState => app.state.state;

/** Pairs them through codes, both online. */
export async function connect(inviter: TincanApp, answerer: TincanApp): Promise<void> {
  await inviter.newInvite();
  await answerer.submitCode(s(inviter).exchanges[0]!.code!, 'paste');
  await inviter.submitCode(s(answerer).exchanges.find((e) => e.kind === 'answer')!.code!, 'paste');
  await until(() => s(inviter).conversations[0]?.connection === 'online' && s(answerer).conversations[0]?.connection === 'online', 'both online');
}

/** A vault collection kept in memory (the keeper only gets, puts and loads its records). */
export function memoryCollection(records: Record<string, unknown> = {}): SealedCollection {
  const map = new Map(Object.entries(records));
  return {
    get: async (id: string) => map.get(id),
    put: async (id: string, value: unknown) => void map.set(id, value),
    remove: async (id: string) => void map.delete(id),
    loadAll: async () => ({ records: [...map].map(([id, value]) => ({ id, value })), skipped: 0 }),
  } as unknown as SealedCollection;
}

/** What a keeper alone is handed that these tests do not look at: everyone shares, nothing is delivered or told. */
export const quietKeeperOptions = {
  displayName: 'Someone',
  sharesMailbox: () => true,
  deliver: () => undefined,
  addCarrier: () => () => undefined,
  held: () => undefined,
  tell: () => false,
} satisfies Partial<MailboxKeeperOptions>;
