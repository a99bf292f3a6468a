// The own chain's reservation (chat/chain-keeper.ts, docs/envelopes.md "Sender chains"): numbers are reserved on
// disk ahead of use, a chain reopened from its records resumes at its reservation (never sealing a number twice, even
// when a reservation's write never landed), and a stored reservation or member list that does not validate only
// means "do not resume". Real libsodium; the records are a map standing for the vault collection.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChainKeeper, chainReserveMessages, maxResumedChainMessages, type ChainRecordsPort } from '../../../src/chat/chain-keeper';
import { IncomingChain, maxSkippedMessageKeys, type OutgoingChain } from '../../../src/crypto/sender-chain';
import { getSodium } from '../../../src/crypto/sodium';
import type { JsonValue } from '../../../src/crypto/vault';
import type { WriteOptions } from '../../../src/store/record-backend';

const conversation = 'dm:AAAAAAAAAAAAAAAAAAAAAA';
const members = ['bob'];
const plaintext = new Uint8Array([1, 2, 3]);

/** A vault collection in a map; while `holding`, a put is accepted but lands only at `release` (a write in flight). */
class Records implements ChainRecordsPort {
  readonly map = new Map<string, JsonValue>();
  holding = false;
  puts = 0;
  /** Every put's id and whether it asked to be on stable storage before it resolves (`durable`), in order. */
  readonly written: { readonly id: string; readonly durable: boolean }[] = [];
  private readonly held: (() => void)[] = [];

  async loadAll() {
    return { records: [...this.map].map(([id, value]) => ({ id, value: structuredClone(value) as unknown })) };
  }

  put(id: string, value: JsonValue, options?: WriteOptions): Promise<void> {
    this.puts++;
    this.written.push({ id, durable: options?.durable === true });
    const land = () => void this.map.set(id, structuredClone(value));
    if (!this.holding) return Promise.resolve(land());
    return new Promise((resolve) => this.held.push(() => resolve(land())));
  }

  async remove(id: string): Promise<void> {
    this.map.delete(id);
  }

  release(): void {
    for (const land of this.held.splice(0)) land();
  }

  /** What a crash leaves: the records that landed, in a new map (writes in flight are lost). */
  snapshot(): Records {
    const copy = new Records();
    for (const [id, value] of this.map) copy.map.set(id, structuredClone(value));
    return copy;
  }
}

const adOf = (n: number) => new TextEncoder().encode(`n=${n}`);

interface Sealed {
  readonly chain: string;
  readonly n: number;
  readonly box: Uint8Array;
}

/** Seals as many messages as the keeper lets through without waiting for a write (a reservation in flight). */
function sealWhileReserved(keeper: ChainKeeper, most: number): Sealed[] {
  const sealed: Sealed[] = [];
  while (sealed.length < most) {
    const chain = keeper.current(conversation, members);
    if (!chain || chain instanceof Promise || !chain.canSeal) break;
    sealed.push({ chain: chain.chainId, ...chain.seal(plaintext, adOf) });
  }
  return sealed;
}

/** Seals `count` messages, waiting for reservations as delivery does (checked and sealed in one step). */
async function seal(keeper: ChainKeeper, count: number): Promise<{ chain: OutgoingChain; sealed: Sealed[] }> {
  const sealed: Sealed[] = [];
  let chain: OutgoingChain | undefined;
  while (sealed.length < count) {
    chain = await (keeper.current(conversation, members) ?? keeper.rotate(conversation, members).written);
    if (chain.canSeal) sealed.push({ chain: chain.chainId, ...chain.seal(plaintext, adOf) });
  }
  return { chain: chain!, sealed };
}

const deviceMark = '~device';
const ownRecords = (records: Records) => [...records.map].filter(([id]) => id.startsWith('out:')).map(([id, value]) => ({ id, value: value as Record<string, JsonValue> }));
const numbers = (sealed: readonly Sealed[]) => sealed.map((s) => s.n);

describe('the own chain\'s reservation', () => {
  it('reserves numbers on disk ahead of use, one write per half reservation in a burst', async () => {
    const sodium = await getSodium();
    const records = new Records();
    const keeper = await ChainKeeper.open(sodium, records);
    const { chain } = keeper.rotate(conversation, members);
    assert.equal(chain.canSeal, false, 'nothing sealed before the chain is on disk');
    const { sealed } = await seal(keeper, 200);
    assert.deepEqual(numbers(sealed), [...Array(200).keys()]);
    const stored = ownRecords(records)[0]!.value.sealUpTo as number;
    assert.ok(stored > 199 && stored <= 199 + chainReserveMessages, `the reservation on disk covers every number sealed (${stored})`);
    // The device mark and the chain's first record, then one reservation per half of one.
    assert.ok(records.puts <= 2 + Math.ceil(200 / (chainReserveMessages / 2)), `${records.puts} writes for 200 messages`);
  });

  it('writes every reservation durably (an OS crash must not lose one: the chain would resume below numbers it sealed)', async () => {
    const records = new Records();
    const keeper = await ChainKeeper.open(await getSodium(), records);
    await seal(keeper, 3 * chainReserveMessages);
    const chainWrites = records.written.filter(({ id }) => id.startsWith('out:'));
    assert.ok(chainWrites.length >= 6, `the chain's first record and its renewals (${chainWrites.length})`);
    assert.deepEqual(
      chainWrites.filter(({ durable }) => !durable),
      [],
      'each written durably',
    );
  });

  it('resumes the chain that was live after a reload, past every number sealed before; a member holding it opens what follows', async () => {
    const sodium = await getSodium();
    const records = new Records();
    const before = await ChainKeeper.open(sodium, records);
    const older = (await seal(before, 3)).chain;
    await before.rotate(conversation, members).written;
    const { chain: live, sealed: beforeReload } = await seal(before, 5);
    assert.notEqual(live.chainId, older.chainId);
    before.dispose();

    const after = await ChainKeeper.open(sodium, records);
    // Handed again from where it resumes to a member with nothing waiting under it; the older one not at all.
    const handed = after.handoffs(conversation, () => undefined);
    assert.deepEqual(handed.map((h) => [h.chain, h.n]), [[live.chainId, chainReserveMessages]]);
    const resumed = await seal(after, 3);
    assert.equal(resumed.chain.chainId, live.chainId, 'the chain that was live goes on');
    assert.deepEqual(numbers(resumed.sealed), [chainReserveMessages, chainReserveMessages + 1, chainReserveMessages + 2]);

    // A member handed the chain at its start stored the five from before, then gets the three after: the jump leaves
    // it the keys of the numbers never sealed (fewer than a reservation), and loses nothing.
    const member = new IncomingChain(sodium, { key: live.start.key, n: 0 });
    for (const { n, box } of [...beforeReload, ...resumed.sealed]) {
      const opened = member.open(n, box, adOf(n));
      assert.ok(opened.ok, `message ${n} opens`);
      member.consume(n);
    }
    const kept = member.state();
    assert.equal(Object.keys(kept.skipped).length, chainReserveMessages - beforeReload.length);
    assert.ok(chainReserveMessages < maxSkippedMessageKeys);
    assert.deepEqual(kept.lost, []);
  });

  it('a crash while a reservation is being written: the resumed chain never seals a number used before', async () => {
    const sodium = await getSodium();
    const records = new Records();
    const keeper = await ChainKeeper.open(sodium, records);
    const first = await seal(keeper, chainReserveMessages / 2 - 1);
    // From here the next reservation's write does not land.
    records.holding = true;
    const used = [...first.sealed, ...sealWhileReserved(keeper, 10 * chainReserveMessages)];
    assert.deepEqual(numbers(used), [...Array(chainReserveMessages).keys()], 'sealed up to the reservation on disk, not past it');
    assert.ok(keeper.current(conversation, members) instanceof Promise, 'the next message waits for the reservation');
    assert.ok(records.puts > 1, 'a reservation was asked for');

    // The crash: what landed is all there is.
    const after = await ChainKeeper.open(sodium, records.snapshot());
    const resumed = await seal(after, 5);
    assert.equal(resumed.chain.chainId, first.chain.chainId);
    const before = new Set(used.map((s) => `${s.chain}:${s.n}`));
    assert.ok(resumed.sealed.every((s) => !before.has(`${s.chain}:${s.n}`)), `no number sealed twice (${numbers(resumed.sealed).join(', ')})`);
    // And no key either: every box opens at a member, each under its own number.
    const member = new IncomingChain(sodium, { key: first.chain.start.key, n: 0 });
    for (const { n, box } of [...used, ...resumed.sealed]) assert.ok(member.open(n, box, adOf(n)).ok, `message ${n} opens`);
  });

  it('a stored reservation or member list that does not validate is not resumed (a new chain seals), the chain is still handed', async () => {
    const sodium = await getSodium();
    const good = new Records();
    const keeper = await ChainKeeper.open(sodium, good);
    const { chain } = await seal(keeper, 2);
    const [{ id, value }] = ownRecords(good) as [{ id: string; value: Record<string, JsonValue> }];
    assert.equal(value.sealUpTo, chainReserveMessages);
    assert.deepEqual(value.members, members);
    /** The chain's record as `change` makes it, on the same device. */
    const onThisDevice = (change: Record<string, JsonValue | undefined>) => {
      const records = new Records();
      records.map.set(deviceMark, good.map.get(deviceMark)!);
      const changed: Record<string, JsonValue> = { ...value };
      for (const [k, v] of Object.entries(change)) if (v === undefined) delete changed[k]; else changed[k] = v;
      records.map.set(id, changed);
      return records;
    };

    const bad: Record<string, JsonValue | undefined>[] = [
      { sealUpTo: undefined },
      { sealUpTo: -1 },
      { sealUpTo: 0 },
      { sealUpTo: 1.5 },
      { sealUpTo: String(chainReserveMessages) },
      { sealUpTo: maxResumedChainMessages + 1 },
      { sealUpTo: Number.MAX_SAFE_INTEGER + 2 },
      { members: undefined },
      { members: [] },
      { members: 'bob' },
      { members: [1] },
      { members: [''] },
      { members: Array.from({ length: 17 }, (_, i) => `m${i}`) },
    ];
    for (const change of bad) {
      const records = onThisDevice(change);
      const reopened = await ChainKeeper.open(sodium, records);
      const what = JSON.stringify(change);
      assert.equal(reopened.current(conversation, members), undefined, `not resumed: ${what}`);
      assert.ok(reopened.handoffs(conversation).some((h) => h.chain === chain.chainId), `still handed: ${what}`);
      const next = await seal(reopened, 1);
      assert.notEqual(next.chain.chainId, chain.chainId, `a new chain seals: ${what}`);
      assert.ok(records.map.has(id), `its record stays: ${what}`);
    }

    // Members changed since (a reload between a removal and its new chain): not resumed for the new members.
    const records = good.snapshot();
    const reopened = await ChainKeeper.open(sodium, records);
    assert.equal(reopened.current(conversation, ['carol']), undefined);
    // A reservation at the bound is resumed (one hash per number, as a member may follow).
    const far = await ChainKeeper.open(sodium, onThisDevice({ sealUpTo: maxResumedChainMessages }));
    const resumed = await seal(far, 1);
    assert.deepEqual(numbers(resumed.sealed), [maxResumedChainMessages]);
  });

  it('only the newest own chain of a conversation resumes: not an older one when the newest does not validate', async () => {
    const sodium = await getSodium();
    let clock = 1_000;
    const records = new Records();
    const keeper = await ChainKeeper.open(sodium, records, () => clock++);
    const older = (await seal(keeper, 1)).chain;
    await keeper.rotate(conversation, members).written;
    const newer = (await seal(keeper, 1)).chain;
    const newerId = ownRecords(records).find((r) => r.value.chain === newer.chainId)!.id;
    const broken = records.snapshot();
    broken.map.set(newerId, { ...(broken.map.get(newerId) as Record<string, JsonValue>), sealUpTo: 'soon' });
    const reopened = await ChainKeeper.open(sodium, broken);
    assert.equal(reopened.current(conversation, members), undefined, 'neither resumes');
    const next = await seal(reopened, 1);
    assert.ok(![older.chainId, newer.chainId].includes(next.chain.chainId));
    // With the newest intact, it is the one that resumes.
    const intact = await ChainKeeper.open(sodium, records.snapshot());
    assert.equal((await seal(intact, 1)).chain.chainId, newer.chainId);
  });

  it('resumes only on the device that reserved the numbers: not from a backup imported elsewhere (its mark stays behind)', async () => {
    const sodium = await getSodium();
    const records = new Records();
    const keeper = await ChainKeeper.open(sodium, records);
    const { chain } = await seal(keeper, 3);
    const mark = records.map.get(deviceMark) as { device: string };
    assert.equal(typeof mark.device, 'string');
    assert.equal((ownRecords(records)[0]!.value as { device?: string }).device, mark.device, 'the chain names the device');
    // A backup carries every record but the mark (store/records.ts deviceOnlyIdPrefix): imported elsewhere, two devices
    // would otherwise both go on from the same reservation, sealing different messages under the same keys.
    const imported = records.snapshot();
    imported.map.delete(deviceMark);
    const elsewhere = await ChainKeeper.open(sodium, imported);
    assert.equal(elsewhere.current(conversation, members), undefined, 'not resumed');
    assert.ok(elsewhere.handoffs(conversation).some((h) => h.chain === chain.chainId), 'still handed');
    const next = await seal(elsewhere, 1);
    assert.notEqual(next.chain.chainId, chain.chainId, 'a new chain seals');
    assert.notEqual((imported.map.get(deviceMark) as { device: string }).device, mark.device, 'a new mark of its own');
    // A mark that does not validate is replaced, and resumes nothing either.
    const damaged = records.snapshot();
    damaged.map.set(deviceMark, { device: 'short' });
    assert.equal((await ChainKeeper.open(sodium, damaged)).current(conversation, members), undefined);
    // The device that wrote it resumes.
    assert.equal((await seal(await ChainKeeper.open(sodium, records.snapshot()), 1)).chain.chainId, chain.chainId);
  });

  it('a vault restored from an older copy of itself resumes nothing, then or at any later open', async () => {
    const sodium = await getSodium();
    const records = new Records();
    const { chain } = await seal(await ChainKeeper.open(sodium, records), 3);
    // Its reservation may be behind numbers this device sealed after the copy was made.
    const restored = await ChainKeeper.open(sodium, records, Date.now, { olderCopy: true });
    assert.equal(restored.current(conversation, members), undefined, 'not resumed');
    assert.ok(restored.handoffs(conversation).some((h) => h.chain === chain.chainId), 'still handed');
    restored.dispose();
    // Opened again (the person accepted the restored state, say): still not that chain.
    const later = await ChainKeeper.open(sodium, records);
    assert.equal(later.current(conversation, members), undefined);
  });
});

