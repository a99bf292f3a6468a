// Steps shared by the one-code reconnect tests (issue 9): two people who paired once come back, each having
// written while apart, and one of them presses "Reconnect".
import assert from 'node:assert/strict';
import { click, enterApp, isShown, openConversation, pair, pasteCode, readCode, sendMessage, textOf, waitForConnected, waitForText } from './helpers.mjs';

export const count = (haystack, needle) => haystack.split(needle).length - 1;

/** Pairs the two with both codes, then both reload and unlock: no live link is left, only the contacts. */
export async function pairThenReload(alice, bob) {
  await pair(alice, bob);
  await sendMessage(alice.page, 'first visit');
  await waitForText(bob.page, 'log', 'Messages', 'first visit');
  for (const person of [alice, bob]) {
    await person.page.reload();
    await enterApp(person.page, person);
  }
}

/** Each writes one message into the other's conversation while they are not connected; both wait in outboxes. */
export async function writeWhileApart(alice, bob) {
  await openConversation(alice.page, bob.name);
  await sendMessage(alice.page, `queued by ${alice.name}`);
  await openConversation(bob.page, alice.name);
  await sendMessage(bob.page, `queued by ${bob.name}`);
  for (const [person, other] of [[alice, bob], [bob, alice]]) {
    await waitForText(person.page, 'log', 'Messages', `queued by ${person.name}`);
    assert.ok((await textOf(person.page, 'log', 'Messages')).includes('waiting'), `${person.name}'s message waits`);
    assert.ok(!(await textOf(person.page, 'log', 'Messages')).includes(`queued by ${other.name}`));
  }
}

/** Alice presses "Reconnect" in Bob's conversation; returns the one code it shows. */
export async function makeReconnectCode(alice, bob) {
  await openConversation(alice.page, bob.name);
  await click(alice.page, 'button', 'Reconnect');
  await waitForText(alice.page, 'heading', `Reconnect with ${bob.name}`, bob.name);
  const code = await readCode(alice.page, 'Invite code');
  // A fresh code says it waits for the contact, never "This code has ended." (it said so in `waiting-for-peer`).
  await waitForText(alice.page, 'region', `Reconnect with ${bob.name}`, `Waiting for ${bob.name} to open the code`);
  assert.ok(!(await textOf(alice.page, 'region', `Reconnect with ${bob.name}`)).includes('has ended'));
  return code;
}

/** After the one code connected them: every queued message arrived once, and no answer code was ever shown. */
export async function assertQueuedArrivedOnce(alice, bob) {
  for (const [person, other] of [[alice, bob], [bob, alice]]) {
    await openConversation(person.page, other.name);
    await waitForText(person.page, 'log', 'Messages', `queued by ${other.name}`);
    const log = await textOf(person.page, 'log', 'Messages');
    assert.equal(count(log, `queued by ${other.name}`), 1, log);
    assert.equal(count(log, `queued by ${person.name}`), 1, log);
    assert.equal(count(log, 'first visit'), 1, 'the same conversation as the first visit');
  }
  assert.equal(await isShown(bob.page, 'textbox', 'Answer code', 200), false, 'no answer code to send back');
}

/**
 * The whole story: pair, both reload, both write while apart, Alice presses "Reconnect", `beforePaste(code)` runs
 * (a wait, or someone else trying the code), Bob pastes only that code; both read "Connected" and every queued
 * message arrived once.
 */
export async function reconnectWithOneCode(alice, bob, beforePaste = async () => {}) {
  await pairThenReload(alice, bob);
  await writeWhileApart(alice, bob);
  const code = await makeReconnectCode(alice, bob);
  await beforePaste(code);
  await pasteCode(bob.page, code);
  await waitForConnected(alice.page);
  await waitForConnected(bob.page);
  await assertQueuedArrivedOnce(alice, bob);
}
