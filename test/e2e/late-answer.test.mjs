// Late answers: people paste through other apps, so the answer may come back minutes later. Out of the box a
// Chromium answerer gives up after about 222 s (docs/lab.md §3); Tincan makes the answerer the DTLS server so the
// inviter's late answer still opens. This applies each answer LATE_ANSWER_S seconds (default 240 s, past the
// 222 s limit) after it was made, for both pairings with a Chromium answerer, concurrently.
// bench/late-answer.mjs measures longer delays and all four pairings.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inviteAndAnswer, openPerson, pasteCode, sendMessage, serveForSuite, waitForConnected, waitForText } from './helpers.mjs';

const delayS = Number(process.env.LATE_ANSWER_S ?? 240);
const server = serveForSuite();

async function lateAnswer(inviterKind, answererKind) {
  const alice = await openPerson(inviterKind, server.url);
  const bob = await openPerson(answererKind, server.url);
  try {
    const { answer } = await inviteAndAnswer(alice, bob);
    await new Promise((resolve) => setTimeout(resolve, delayS * 1000));
    const pastedAt = Date.now();
    await pasteCode(alice.page, answer);
    await waitForConnected(alice.page);
    await waitForConnected(bob.page);
    const openedAfterMs = Date.now() - pastedAt;
    await sendMessage(bob.page, `late by ${delayS} s`);
    await waitForText(alice.page, 'log', 'Messages', `late by ${delayS} s`);
    return openedAfterMs;
  } finally {
    await Promise.all([alice.close(), bob.close()]);
  }
}

describe(`an answer applied ${delayS} s after it was made`, () => {
  it('still connects when Chromium answers (Chromium and Firefox inviting)', { timeout: (delayS + 150) * 1000 }, async () => {
    const results = await Promise.allSettled([lateAnswer('chromium', 'chromium'), lateAnswer('firefox', 'chromium')]);
    for (const r of results) assert.equal(r.status, 'fulfilled', String(r.reason?.stack ?? r.reason));
    console.log(`# opened ${results.map((r) => r.value).join(' ms and ')} ms after the late paste`);
  });
});
