// The app facade with its real store and chat layer in Node (in-memory links): what the state says at each step
// of pairing and chatting, the message window, unread counts, consent for links, many conversations at once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TincanApp } from '../../../src/app/tincan-app';
import { windowSize } from '../../../src/app/message-window';
import type { AppState } from '../../../src/app/app-state';
import type { DevicePlatform } from '../../../src/app/app-platform';
import { cheapKdf } from '../store/helpers';
import { memoryPlatform } from './memory-platform';
import { usePasswordHasher, inProcessPasswordHasher } from '../../../src/crypto/vault';
import { until } from '../chat/people';
import { bytesFileSource } from '../../../src/chat/files/memory-file';

usePasswordHasher(async (password, salt) => inProcessPasswordHasher(password, salt, cheapKdf));

const platforms = new WeakMap<TincanApp, ReturnType<typeof memoryPlatform>>();

async function appFor(name: string, options: { visible?: () => boolean; autoAcceptBudgetBytes?: number; page?: false } = {}): Promise<TincanApp> {
  const platform = memoryPlatform(options);
  // Without a page: only what every platform has (what a Node program provides).
  const { isVisible: _visible, requestPersistence: _persist, exportFile: _export, removeExports: _removeExports, ...device } = platform;
  const app = new TincanApp({
    pageUrl: 'https://example.test/tincan/',
    platform: options.page === false ? (device satisfies DevicePlatform) : platform,
    ...(options.autoAcceptBudgetBytes !== undefined ? { autoAcceptBudgetBytes: options.autoAcceptBudgetBytes } : {}),
  });
  platforms.set(app, platform);
  await app.start();
  assert.equal(app.state.state.screen, 'setup');
  await app.createProfile(name, 'a passphrase for tests', 'a passphrase for tests', 'local');
  assert.equal(app.state.state.screen, 'main', JSON.stringify(app.state.state.notice));
  return app;
}

const s = (app: TincanApp): AppState => app.state.state;

/** `length` bytes that start as a PNG does (pictures are taken without asking only by their first bytes). */
function pngBytes(length: number, fill: number): Uint8Array {
  const bytes = new Uint8Array(length).fill(fill);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return bytes;
}

/** Pairs them through codes; resolves with the invite's code. */
async function connect(inviter: TincanApp, answerer: TincanApp): Promise<string> {
  await inviter.newInvite();
  const invite = s(inviter).exchanges[0]!;
  assert.equal(invite.kind, 'invite');
  assert.equal(invite.link, `https://example.test/tincan/#${invite.code}`);
  await answerer.submitCode(invite.code!, 'paste');
  const answer = s(answerer).exchanges.find((e) => e.kind === 'answer')!;
  await inviter.submitCode(answer.code!, 'paste');
  await until(() => s(inviter).exchanges.length === 0 && s(answerer).exchanges.length === 0, 'exchanges done');
  return invite.code!;
}

/** Alice and Bob, paired through codes and both online. */
async function twoOnline(): Promise<[TincanApp, TincanApp]> {
  const alice = await appFor('Alice');
  const bob = await appFor('Bob');
  await connect(alice, bob);
  await until(() => s(alice).conversations[0]?.connection === 'online' && s(bob).conversations[0]?.connection === 'online', 'both online');
  return [alice, bob];
}

/** Alice sends a file, Bob accepts it, and it arrives; resolves with its id. */
async function sendAndReceive(alice: TincanApp, bob: TincanApp, source: ReturnType<typeof bytesFileSource>, name: string): Promise<string> {
  const fileId = (await alice.sendFile(source, name, 'application/octet-stream'))!;
  await until(() => s(bob).transfers.some((t) => t.fileId === fileId), 'offered to Bob');
  await bob.acceptFile(fileId);
  await until(() => s(bob).transfers.find((t) => t.fileId === fileId)?.state === 'done', 'received');
  return fileId;
}

describe('the app facade', () => {
  it("a group member's safety number opens its contact, and verifying it there marks that member (by key) in the group", async () => {
    const alice = await appFor('Alice');
    const bob = await appFor('Bob');
    await alice.createGroup('Climbers');
    const groupId = s(alice).activeId!;
    await alice.inviteToGroup(groupId);
    const invite = s(alice).exchanges[0]!;
    await bob.submitCode(invite.code!, 'paste');
    await alice.submitCode(s(bob).exchanges.find((e) => e.kind === 'answer')!.code!, 'paste');
    const members = () => s(alice).conversations.find((c) => c.id === groupId)?.group?.members ?? [];
    await until(() => members().length === 2, 'Bob in the group');
    const member = members().find((m) => !m.isSelf)!;
    assert.equal(member.verified, false);
    const contactId = await alice.openMemberSafetyNumber(groupId, member.key);
    assert.equal(s(alice).activeId, contactId);
    assert.equal(s(alice).conversations.find((c) => c.id === contactId)?.name, 'Bob', "Bob's 1:1 contact is open");
    await until(() => s(alice).open?.safetyNumber?.length === 12, 'the safety number shown');
    await alice.setVerified(true);
    assert.equal(s(alice).conversations.find((c) => c.id === contactId)?.verified, true);
    assert.equal(members().find((m) => m.key === member.key)?.verified, true, 'the same record marks the member');
    assert.equal(await alice.openMemberSafetyNumber(groupId, 'not-a-member'), undefined);
  });

  it("a member never linked to gets a 1:1 from its safety number that takes a message at once (it waits)", async () => {
    const alice = await appFor('Alice');
    const bob = await appFor('Bob');
    const carol = await appFor('Carol');
    await alice.createGroup('Climbers');
    const groupId = s(alice).activeId!;
    await alice.inviteToGroup(groupId);
    await bob.submitCode(s(alice).exchanges[0]!.code!, 'paste');
    await alice.submitCode(s(bob).exchanges.find((e) => e.kind === 'answer')!.code!, 'paste');
    const members = () => s(alice).conversations.find((c) => c.id === groupId)?.group?.members ?? [];
    await until(() => members().length === 2, 'Bob in the group');
    // From here on no link reaches Alice's device: Carol is known to her only from the signed log.
    const device = platforms.get(alice)!.device;
    device.invite = () => Promise.reject(new Error('unreachable'));
    device.answer = () => Promise.reject(new Error('unreachable'));
    await until(() => s(bob).conversations.some((c) => c.id === groupId), 'Bob has the group');
    await bob.inviteToGroup(groupId);
    await carol.submitCode(s(bob).exchanges.find((e) => e.kind === 'invite')!.code!, 'paste');
    await bob.submitCode(s(carol).exchanges.find((e) => e.kind === 'answer')!.code!, 'paste');
    await until(() => members().some((m) => m.name === 'Carol'), 'Carol in the group at Alice');
    const carolKey = members().find((m) => m.name === 'Carol')!.key;
    const contactId = await alice.openMemberSafetyNumber(groupId, carolKey);
    assert.equal(s(alice).activeId, contactId);
    assert.equal(await alice.sendMessage('hello Carol'), true, JSON.stringify(s(alice).notice));
    assert.equal(s(alice).open?.messages.at(-1)?.state, 'waiting', 'it waits in the outbox');
    await until(() => s(alice).conversations.some((c) => c.id === contactId), 'listed among the conversations');
    assert.equal(s(alice).conversations.find((c) => c.id === contactId)?.mailboxShared, false, 'not let use the mailbox');
  });

  it('pairs through codes, opens the conversation, and chats', async () => {
    const [alice, bob] = await twoOnline();
    assert.equal(s(alice).conversations[0]!.name, 'Bob');
    assert.equal(s(alice).activeId, s(alice).conversations[0]!.id, 'the new conversation is open');
    assert.equal(await alice.sendMessage('hello Bob'), true);
    await until(() => s(bob).open?.messages.some((m) => m.text === 'hello Bob') ?? false, 'shown at Bob');
    await until(() => s(alice).open?.messages.at(-1)?.state === 'delivered', 'delivered at Alice');
  });

  it('runs on a platform without a page (what a Node program provides): chats, and counts what arrives as seen', async () => {
    const alice = await appFor('Alice', { page: false });
    const bob = await appFor('Bob', { page: false });
    await connect(alice, bob);
    await until(() => s(alice).conversations[0]?.connection === 'online', 'online');
    assert.equal(await alice.sendMessage('hello from a program'), true);
    await until(() => s(bob).open?.messages.some((m) => m.text === 'hello from a program') ?? false, 'shown at Bob');
    assert.equal(s(bob).conversations[0]!.unread, 0, 'no page that could be hidden: the open conversation is read');
    await until(() => s(alice).open?.messages.at(-1)?.state === 'delivered', 'delivered at Alice');
  });

  it('forgets the open conversation when locked: nothing decrypted stays, the next unlock reads the store again', async () => {
    const alice = await appFor('Alice');
    const bob = await appFor('Bob');
    await connect(alice, bob);
    assert.equal(await alice.sendMessage('before the lock'), true);
    assert.ok(s(alice).open?.messages.some((m) => m.text === 'before the lock'));
    await alice.lock();
    assert.equal(s(alice).screen, 'unlock');
    assert.equal(s(alice).open, undefined, 'no messages kept while locked');
    assert.equal(s(alice).activeId, undefined);
    assert.equal(s(alice).profileName, undefined);
    await alice.unlock('a passphrase for tests');
    assert.equal(s(alice).screen, 'main');
    assert.equal(s(alice).open, undefined, 'a conversation is opened from the store, not from before the lock');
  });

  it('recognises an invite it answered: says so while its answer is open, and once it is used up', async () => {
    const alice = await appFor('Alice');
    const bob = await appFor('Bob');
    await alice.newInvite();
    const invite = s(alice).exchanges[0]!.code!;
    await bob.submitCode(invite, 'paste');
    assert.equal(s(bob).exchanges.length, 1);
    await bob.submitCode(invite, 'paste');
    assert.equal(s(bob).notice?.code, 'CODE_INVITE_USED', 'its answer is still on screen to send');
    bob.cancelExchange(s(bob).exchanges[0]!.id);
    await until(() => s(bob).exchanges.length === 0, 'the answer cancelled');
    await bob.submitCode(invite, 'paste');
    assert.equal(s(bob).notice?.code, 'CODE_INVITE_ANSWERED');
    assert.equal(s(bob).exchanges.length, 0, 'no new, useless answer');
  });

  it('an old invite from a contact is not answered silently: it waits, with Reconnect offered; "Answer" still answers it', async () => {
    const alice = await appFor('Alice');
    const bob = await appFor('Bob');
    const invite = await connect(alice, bob);
    // After a reload the page no longer remembers the invite: the contact's device in it tells.
    await bob.lock();
    await bob.unlock('a passphrase for tests');
    await bob.submitCode(invite, 'paste');
    const aliceId = s(bob).conversations.find((c) => c.name === 'Alice')!.id;
    assert.deepEqual(s(bob).invitation, { code: invite, kind: 'invite', contactName: 'Alice', knownContactId: aliceId });
    assert.equal(s(bob).exchanges.length, 0, 'no answer made');
    assert.equal(s(bob).notice, undefined);
    // This device answered it before (kept across the lock): "Answer" says it cannot connect again.
    await bob.acceptInvitation();
    assert.deepEqual({ code: s(bob).notice?.code, exchanges: s(bob).exchanges.length }, { code: 'CODE_INVITE_ANSWERED', exchanges: 0 });
    // A new invite from Alice asks the same, and "Answer" answers it.
    await alice.newInvite();
    await bob.submitCode(s(alice).exchanges[0]!.code!, 'paste');
    assert.equal(s(bob).invitation?.knownContactId, aliceId);
    await bob.acceptInvitation();
    assert.equal(s(bob).exchanges[0]?.kind, 'answer', 'the person chose to answer it');
  });

  it('takes an error about a code away at lock: the unlock screen shows no alert about it', async () => {
    const alice = await appFor('Alice');
    await alice.submitCode('hello there', 'paste');
    assert.equal(s(alice).notice?.area, 'pairing', 'the bad code is told');
    await alice.lock();
    assert.equal(s(alice).screen, 'unlock');
    assert.equal(s(alice).notice, undefined);
  });

  it('asks before answering an invite that came by link, and sends nothing until then', async () => {
    const alice = await appFor('Alice');
    const bob = await appFor('Bob');
    await alice.newInvite();
    const code = s(alice).exchanges[0]!.code!;
    await bob.submitCode(code, 'link');
    assert.equal(s(bob).invitation?.kind, 'invite');
    assert.equal(s(bob).exchanges.length, 0, 'no answer made yet');
    await bob.acceptInvitation();
    assert.equal(s(bob).invitation, undefined);
    assert.equal(s(bob).exchanges[0]?.kind, 'answer');
  });

  it('a removed contact\'s reconnect code asks first: a refusal sticks (after a lock too), an accept brings them back', async () => {
    const [alice, bob] = await twoOnline();
    const aliceAtBob = s(bob).conversations[0]!.id;
    const bobAtAlice = s(alice).conversations[0]!.id;
    await bob.deleteConversation(aliceAtBob);
    assert.deepEqual(s(bob).conversations, []);
    await until(() => s(alice).conversations[0]?.connection === 'offline', 'Alice sees Bob gone');
    /** Alice's one-code reconnect for Bob, as Bob's page gets it. */
    const reconnectCode = async () => {
      await alice.reconnect(bobAtAlice);
      const exchange = s(alice).exchanges.find((e) => e.kind === 'reconnect' && e.code);
      assert.ok(exchange, 'a one-code reconnect');
      return exchange.code!;
    };
    const first = await reconnectCode();
    await bob.submitCode(first, 'paste'); // even pasted: never taken unasked
    assert.deepEqual({ name: s(bob).invitation?.contactName, removed: typeof s(bob).invitation?.removedAt }, { name: 'Alice', removed: 'number' });
    assert.equal(s(bob).exchanges.length, 0, 'nothing answered');
    await bob.refuseInvitation();
    assert.equal(s(bob).invitation, undefined);
    await bob.submitCode(first, 'link');
    assert.deepEqual({ code: s(bob).notice?.code, invitation: s(bob).invitation }, { code: 'RECONNECT_REFUSED', invitation: undefined });
    await bob.lock();
    await bob.unlock('a passphrase for tests');
    alice.cancelExchange(s(alice).exchanges[0]!.id);
    await bob.submitCode(await reconnectCode(), 'paste');
    assert.equal(s(bob).notice?.code, 'RECONNECT_REFUSED', 'still refused after a lock');
    assert.deepEqual(s(bob).conversations, []);

    // Another removal that the person takes back: Carol removed, then accepted.
    const carol = await appFor('Carol');
    await connect(carol, bob);
    await until(() => s(bob).conversations.some((c) => c.name === 'Carol' && c.connection === 'online'), 'Carol online');
    await bob.deleteConversation(s(bob).conversations.find((c) => c.name === 'Carol')!.id);
    await until(() => s(carol).conversations[0]?.connection === 'offline', 'Carol sees Bob gone');
    await carol.reconnect(s(carol).conversations[0]!.id);
    await bob.submitCode(s(carol).exchanges.find((e) => e.kind === 'reconnect')!.code!, 'link');
    assert.equal(s(bob).invitation?.contactName, 'Carol');
    await bob.acceptInvitation();
    await until(() => s(bob).conversations.some((c) => c.name === 'Carol' && c.connection === 'online'), 'Carol back, by Bob\'s choice');
  });

  it('a reconnect code that connected, opened again after a lock (a new page), is told as used, not tried', async () => {
    const [alice, bob] = await twoOnline();
    const bobAtAlice = s(alice).conversations[0]!.id;
    alice.disconnect(bobAtAlice);
    await until(() => s(bob).conversations[0]?.connection === 'offline', 'apart');
    await alice.reconnect(bobAtAlice);
    const code = s(alice).exchanges.find((e) => e.kind === 'reconnect')!.code!;
    await bob.submitCode(code, 'paste');
    await until(() => s(bob).conversations[0]?.connection === 'online' && s(bob).exchanges.length === 0, 'connected by the one code');
    await bob.lock();
    await bob.unlock('a passphrase for tests');
    await bob.submitCode(code, 'paste');
    assert.deepEqual({ code: s(bob).notice?.code, exchanges: s(bob).exchanges.length }, { code: 'CODE_RECONNECT_USED', exchanges: 0 });
  });

  it('keeps a window of the log: a long burst trims the front, older pages load back', async () => {
    const alice = await appFor('Alice');
    const bob = await appFor('Bob');
    await connect(alice, bob);
    for (let i = 0; i < windowSize + 40; i++) await alice.sendMessage(`message ${i}`);
    await until(() => (s(bob).open?.messages.at(-1)?.text ?? '') === `message ${windowSize + 39}`, 'all shown', 15_000);
    const open = s(bob).open!;
    assert.equal(open.messages.length, windowSize);
    assert.equal(open.hasOlder, true);
    for (let pages = 0; s(bob).open!.hasOlder; pages++) {
      assert.ok(pages < 10, 'older pages end');
      await bob.loadOlder();
      assert.ok(s(bob).open!.messages.length <= windowSize, 'the window stays bounded');
    }
    assert.equal(s(bob).open!.messages[0]!.text, 'message 0');
    assert.equal(s(bob).open!.hasNewer, true, 'the window moved into the past');
    while (s(bob).open!.hasNewer) await bob.loadNewer();
    assert.equal(s(bob).open!.messages.at(-1)!.text, `message ${windowSize + 39}`);
  });

  it('shows every message of a burst once while the person scrolls up and down during it: each window is an unbroken run of the log', async () => {
    const [alice, bob] = await twoOnline();
    const total = 4 * windowSize;
    const texts = Array.from({ length: total }, (_, i) => `burst ${String(i).padStart(4, '0')}`);
    // Every state Bob's screen could render: its window must be consecutive messages of the log, each once.
    const broken: string[] = [];
    const unsubscribe = bob.state.subscribe((state) => {
      const shown = state.open?.messages.filter((m) => m.direction === 'in').map((m) => Number(m.text.slice(6))) ?? [];
      if (shown.some((n, i) => i > 0 && n !== shown[i - 1]! + 1)) broken.push(`${shown.length} messages: ${shown.join(' ')}`);
    });
    const sends = Promise.all(texts.map((text) => alice.sendMessage(text)));
    const storedAtBob = (): number => {
      const last = s(bob).conversations[0]?.lastText;
      return last?.startsWith('burst ') ? Number(last.slice(6)) + 1 : 0;
    };
    // The person reads up into the history and back down while the burst goes on. The log may ask for the same
    // older page twice (it asks again once new messages change its first one), so two asks run at once here.
    for (let round = 0; round < 3; round++) {
      await until(() => storedAtBob() > (round + 1) * windowSize, `burst past ${(round + 1) * windowSize} at Bob`, 30_000);
      await Promise.all([bob.loadOlder(), bob.loadOlder()]);
      await bob.loadOlder();
      while (s(bob).open!.hasNewer) await bob.loadNewer();
    }
    assert.deepEqual(await sends, texts.map(() => true));
    await until(() => s(bob).conversations[0]!.lastText === texts.at(-1), 'the whole burst stored at Bob', 30_000);
    // Then through the whole conversation, from the newest to the oldest: every message in a window.
    while (s(bob).open!.hasNewer) await bob.loadNewer();
    const seen = new Set<string>();
    const collect = (): void => s(bob).open!.messages.forEach((m) => seen.add(m.text));
    collect();
    while (s(bob).open!.hasOlder) {
      await bob.loadOlder();
      collect();
    }
    unsubscribe();
    assert.deepEqual(broken, [], 'no window skipped or repeated part of the log');
    assert.deepEqual([...seen].sort(), texts);
  });

  it('counts unread messages in a background conversation, and clears them when opened', async () => {
    const alice = await appFor('Alice');
    const bob = await appFor('Bob');
    const carol = await appFor('Carol');
    await connect(alice, bob);
    await connect(alice, carol);
    const bobId = s(alice).conversations.find((c) => c.name === 'Bob')!.id;
    const carolId = s(alice).conversations.find((c) => c.name === 'Carol')!.id;
    assert.equal(s(alice).activeId, carolId);
    await bob.sendMessage('while you talk to Carol');
    await until(() => s(alice).conversations.find((c) => c.id === bobId)!.unread === 1, 'unread at Alice');
    assert.equal(s(alice).unreadTotal, 1);
    assert.ok(!s(alice).open!.messages.some((m) => m.text === 'while you talk to Carol'), "not in Carol's window");
    await alice.selectConversation(bobId);
    assert.equal(s(alice).conversations.find((c) => c.id === bobId)!.unread, 0);
    assert.equal(s(alice).unreadTotal, 0);
  });

  it('accepts pictures without asking only up to a budget per conversation; past it they wait for the person', async () => {
    const alice = await appFor('Alice');
    const bob = await appFor('Bob', { autoAcceptBudgetBytes: 250_000 });
    await connect(alice, bob);
    await until(() => s(alice).conversations[0]?.connection === 'online' && s(bob).conversations[0]?.connection === 'online', 'both online');
    const picture = (i: number) => bytesFileSource(pngBytes(100_000, i));
    const incoming = () => s(bob).transfers.filter((t) => t.direction === 'in');
    const waiting = () => incoming().filter((t) => t.state === 'offered');
    for (let i = 0; i < 4; i++) assert.ok(await alice.sendFile(picture(i), `p${i}.png`, 'image/png'));
    await until(() => incoming().length === 4 && incoming().filter((t) => t.state === 'done').length === 2, 'two pictures in');
    assert.deepEqual(waiting().map((t) => t.name).sort(), ['p2.png', 'p3.png'], 'the budget (250 kB) took two of 100 kB');
    // The person removes one received picture: it no longer counts, and the next picture offered is taken.
    await bob.discardFile(incoming().find((t) => t.state === 'done')!.fileId);
    assert.ok(await alice.sendFile(picture(4), 'p4.png', 'image/png'));
    await until(() => incoming().some((t) => t.name === 'p4.png' && t.state === 'done'), 'the fifth picture in');
    assert.deepEqual(waiting().map((t) => t.name).sort(), ['p2.png', 'p3.png'], 'the waiting ones still wait');
    // Accepting by hand is not limited by it.
    await bob.acceptFile(waiting()[0]!.fileId);
    await until(() => waiting().length === 1, 'accepted by hand');
  });

  it('asks about a "picture" whose first bytes are not one, and takes the real picture sent with it', async () => {
    const [alice, bob] = await twoOnline();
    const page = new TextEncoder().encode('<!doctype html><script>alert(1)</script>'.padEnd(40_000, ' '));
    assert.ok(await alice.sendFile(bytesFileSource(page), 'page.png', 'image/png'));
    assert.ok(await alice.sendFile(bytesFileSource(pngBytes(40_000, 7)), 'photo.png', 'image/png'));
    const incoming = (name: string) => s(bob).transfers.find((t) => t.direction === 'in' && t.name === name);
    await until(() => incoming('photo.png')?.state === 'done' && incoming('page.png')?.code === 'FILE_NOT_A_PICTURE', 'the picture in, the page asked about');
    assert.equal(incoming('page.png')?.state, 'offered', 'waits for the person');
    assert.equal(incoming('photo.png')?.asPicture, true);
    await bob.acceptFile(incoming('page.png')!.fileId);
    await until(() => incoming('page.png')?.state === 'done', 'accepted by the person');
  });

  it('keeps a received file sealed: "Save" gets the plaintext copy, removing or locking takes the copy away', async () => {
    const [alice, bob] = await twoOnline();
    const atBob = platforms.get(bob)!;
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 31) % 251);
    const fileId = await sendAndReceive(alice, bob, bytesFileSource(bytes), 'notes.bin');
    // No room for the plaintext copy: said, and nothing copied.
    const quota = atBob.storage.quotaBytes;
    atBob.storage.quotaBytes = atBob.storage.usageBytes + 64 * 1024 * 1024 + 1000;
    assert.equal(await bob.saveFile(fileId), undefined);
    assert.equal(s(bob).notice?.code, 'FILE_SAVE_NO_ROOM');
    assert.equal(atBob.exports.size, 0);
    atBob.storage.quotaBytes = quota;
    assert.equal(await bob.saveFile(fileId), `memory:${fileId}`);
    assert.deepEqual(atBob.exports.get(fileId), bytes);
    await bob.lock();
    assert.equal(atBob.exports.size, 0, 'no plaintext copy while locked');
    await bob.unlock('a passphrase for tests');
    assert.equal(s(bob).screen, 'main');
    assert.equal(await bob.saveFile(fileId), `memory:${fileId}`);
    assert.deepEqual(atBob.exports.get(fileId), bytes, 'read back after unlock');
    await bob.discardFile(fileId);
    assert.equal(atBob.exports.size, 0);
    assert.equal(await bob.saveFile(fileId), undefined);
    assert.equal(s(bob).notice?.code, 'FILE_DAMAGED');
  });

  it('keeps a picture\'s thumbnail sealed across a lock, and forgets it with the file', async () => {
    const alice = await appFor('Alice');
    const bob = await appFor('Bob');
    await connect(alice, bob);
    await until(() => s(alice).conversations[0]?.connection === 'online', 'online');
    const fileId = (await alice.sendFile(bytesFileSource(new Uint8Array(1000)), 'p.png', 'image/png'))!;
    const thumbnail = { type: 'image/webp' as const, bytes: new Uint8Array([1, 2, 3, 4]), width: 320, height: 200 };
    await alice.keepThumbnail(fileId, thumbnail);
    await alice.keepThumbnail('AAAAAAAAAAAAAAAA', thumbnail); // no such transfer: not kept
    await alice.keepThumbnail(fileId, { ...thumbnail, width: 5000 }); // out of bounds: the first one stays
    await alice.lock();
    await alice.unlock('a passphrase for tests');
    assert.deepEqual(await alice.thumbnail(fileId), thumbnail);
    assert.equal(await alice.thumbnail('AAAAAAAAAAAAAAAA'), undefined);
    await alice.discardFile(fileId);
    assert.equal(await alice.thumbnail(fileId), undefined);
  });

  it('refuses to accept a file the browser has no room for, before asking the sender for anything', async () => {
    const [alice, bob] = await twoOnline();
    const atBob = platforms.get(bob)!;
    atBob.storage.quotaBytes = atBob.storage.usageBytes + 64 * 1024 * 1024 + 150_000; // room for 150 kB beyond the margin
    const big = (await alice.sendFile(bytesFileSource(new Uint8Array(200_000)), 'big.bin', ''))!;
    const picture = (await alice.sendFile(bytesFileSource(pngBytes(200_000, 0)), 'big.png', 'image/png'))!;
    await until(() => s(bob).transfers.length === 2, 'offered');
    await bob.acceptFile(big);
    assert.equal(s(bob).notice?.code, 'FILE_NO_ROOM');
    assert.deepEqual(s(bob).transfers.map((t) => t.state), ['offered', 'offered']);
    atBob.storage.quotaBytes += 1024 * 1024; // the person freed space
    await bob.acceptFile(big);
    await until(() => s(bob).transfers.find((t) => t.fileId === big)?.state === 'done' && s(alice).transfers.find((t) => t.fileId === big)?.state === 'done', 'accepted once there is room');
    // A barrier: a whole file went both ways since the picture was offered. Had the picture been auto-accepted
    // without room, or its sender asked for anything, it would show by now.
    assert.equal(s(bob).transfers.find((t) => t.fileId === picture)?.state, 'offered', 'the picture was not auto-accepted either');
    assert.equal(s(alice).transfers.find((t) => t.fileId === picture)?.state, 'offered', 'its sender was asked for nothing');
  });

  it('keeps a conversation whose file could not be removed, and says why; a thumbnail kept while its file goes, goes too', async () => {
    const [alice, bob] = await twoOnline();
    const fileId = await sendAndReceive(alice, bob, bytesFileSource(new Uint8Array(5000)), 'a.png');
    platforms.get(bob)!.failures.removeFile = true;
    await bob.deleteConversation(s(bob).conversations[0]!.id);
    assert.equal(s(bob).conversations.length, 1, 'the conversation stays');
    assert.equal(s(bob).transfers.length, 1, 'and its file');
    assert.ok(s(bob).notice, 'a notice says why');
    platforms.get(bob)!.failures.removeFile = false;
    const thumbnail = { type: 'image/png' as const, bytes: new Uint8Array([1, 2, 3]), width: 10, height: 10 };
    await Promise.all([bob.keepThumbnail(fileId, thumbnail), bob.discardFile(fileId)]);
    assert.equal(await bob.thumbnail(fileId), undefined);
  });

  it('takes a conversation\'s files off the device when the conversation is deleted', async () => {
    const [alice, bob] = await twoOnline();
    const fileId = await sendAndReceive(alice, bob, bytesFileSource(new Uint8Array(5000)), 'a.bin');
    await bob.deleteConversation(s(bob).conversations[0]!.id);
    assert.deepEqual(s(bob).transfers, []);
    assert.equal(await bob.openReceivedFile(fileId), undefined);
  });

  it('"Save" then "Lock" at once: the copy is finished and removed, no download is handed out, and the unlock screen says so', async () => {
    const [alice, bob] = await twoOnline();
    const atBob = platforms.get(bob)!;
    const fileId = await sendAndReceive(alice, bob, bytesFileSource(new Uint8Array(300_000).fill(5)), 'notes.bin');
    const [url] = await Promise.all([bob.saveFile(fileId), bob.lock()]);
    assert.equal(url, undefined, 'nothing to download');
    assert.equal(atBob.exports.size, 0, 'no plaintext copy left while locked');
    assert.deepEqual({ screen: s(bob).screen, code: s(bob).notice?.code, area: s(bob).notice?.area }, { screen: 'unlock', code: 'FILE_SAVE_LOCKED', area: 'welcome' });
    await bob.unlock('a passphrase for tests');
    assert.equal(s(bob).notice, undefined, 'gone once unlocked');
    assert.equal(await bob.saveFile(fileId), `memory:${fileId}`, 'Save works again after unlock');
  });

  it('"Forget this device" takes every received file off the device too', async () => {
    const [alice, bob] = await twoOnline();
    await sendAndReceive(alice, bob, bytesFileSource(new Uint8Array(5000)), 'a.bin');
    assert.equal(platforms.get(bob)!.sinks.sinks.size, 1);
    await bob.forgetDevice();
    assert.equal(s(bob).screen, 'setup');
    assert.equal(platforms.get(bob)!.sinks.sinks.size, 0);
  });
});
