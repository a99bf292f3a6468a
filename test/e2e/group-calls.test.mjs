// Group calls (issue 22, docs/calls.md "Group calls") in three real browsers with fake microphones: Ann and Cat in
// Chromium, Ben in Firefox, one group formed by two code exchanges (Ann–Ben, Ben–Cat; the third link by
// introduction). Ann starts a voice call, Ben and Cat accept it: every page hears each of the two others on that
// member's own tile (the tile is found by the member's name, which the app takes from the member list by key), and
// says "In call". Ben leaves: Ann and Cat stay "In call" and still hear each other; his history has the call. His
// group's screen then offers "Join voice call": pressing it takes focus to the call, and Ann and Ben hear each other again.
// Each page's legs send one capture (the same microphone track; Ann's camera, turned on, the same video track).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { keepConnections } from './call-probe.mjs';
import {
  click, fill, openConversation, openPreparedPerson, pasteCode, readCode, serveForSuite, shownMessages, until, waitForElement, waitForText,
} from './helpers.mjs';
import { inPage } from './page-probe.mjs';

const server = serveForSuite();
const group = 'Climbers';
/** Loudest level above this in the last window: sound. Chromium's fake microphone beeps about once a second. */
const soundLevel = 0.02;
const windowMs = 1500;

/** `inviter` presses "Invite to group" in the group; `newcomer` answers as for any invite and lands in the group. */
async function invite(inviter, newcomer) {
  await openConversation(inviter.page, group);
  await click(inviter.page, 'button', 'Invite to group');
  await pasteCode(newcomer.page, await readCode(inviter.page, 'Invite code'));
  await pasteCode(inviter.page, await readCode(newcomer.page, 'Answer code'));
  await waitForElement(newcomer.page, 'list', 'Members', { visible: true, timeout: 30_000 });
}

/**
 * Measures, every 100 ms, the level of the audio played by the tile "<member>'s video": in Chromium a WebAudio
 * analyser on the tile's audio track (the loudest sample); headless Firefox has no audio output (its AudioContext
 * never starts), so there the receiver of that very track reports the level of what it decodes (getStats
 * inbound-rtp audioLevel). Levels go to window.tincanLevels[member].
 */
function listenToTile(page, member, kind) {
  return page.evaluate(inPage(async (probe, member, kind) => {
    const track = probe.find((el) => el.localName === 'video' && el.getAttribute('aria-label') === `${member}'s video`)?.srcObject?.getAudioTracks()[0];
    if (!track) return false;
    window.tincanLevels ??= {};
    const levels = (window.tincanLevels[member] = []);
    if (kind === 'chromium') {
      const context = new AudioContext();
      void context.resume();
      const analyser = context.createAnalyser();
      analyser.fftSize = 2048;
      context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      setInterval(() => {
        analyser.getFloatTimeDomainData(samples);
        let peak = 0;
        for (const value of samples) peak = Math.max(peak, Math.abs(value));
        levels.push([performance.now(), peak]);
      }, 100);
    } else {
      const receiver = window.tincanConnections.flatMap((pc) => (pc.connectionState === 'closed' ? [] : pc.getReceivers())).find((r) => r.track === track);
      if (!receiver) return false;
      setInterval(async () => {
        let level = 0;
        (await receiver.getStats()).forEach((s) => {
          if (s.type === 'inbound-rtp' && s.kind === 'audio') level = Math.max(level, s.audioLevel ?? 0);
        });
        levels.push([performance.now(), level]);
      }, 100);
    }
    return true;
  }), member, kind);
}

/** Waits until the tile of `member` was heard: the loudest level of the last window is above soundLevel. */
async function waitForSound(person, member) {
  await until(() => listenToTile(person.page, member, person.kind), `${person.name} has ${member}'s tile`, { timeout: 20_000 });
  await person.page.waitForFunction(
    (member, loud, spanMs) => {
      const now = performance.now();
      const recent = (window.tincanLevels?.[member] ?? []).filter(([at]) => at >= now - spanMs);
      return recent.length >= spanMs / 200 && Math.max(...recent.map(([, level]) => level)) > loud;
    },
    { polling: 100, timeout: 20_000 },
    member, soundLevel, windowMs,
  );
}

/** The tiles' names, as the list "People in the call" shows them. */
function tilesOf(page) {
  return page.evaluate(() => {
    const view = document.querySelector('tc-tincan-shell').shadowRoot.querySelector('tc-group-call-view');
    return [...(view?.shadowRoot.querySelectorAll('ul[aria-label="People in the call"] video') ?? [])].map((v) => v.getAttribute('aria-label'));
  });
}

/** The track of `kind` each open call connection of the page sends, 'none' for none (a group call's legs share one
 * capture). */
function sentTracks(page, kind) {
  return page.evaluate((kind) => window.tincanConnections
    .filter((pc) => pc.connectionState !== 'closed' && pc.getTransceivers().some((t) => t.receiver.track.kind === 'audio'))
    .map((pc) => pc.getSenders().find((s) => s.track?.kind === kind)?.track?.id ?? 'none'), kind);
}

/** Frames decoded so far from the video track of `member`'s tile (its receiver's getStats, inbound-rtp). */
function framesFromTile(page, member) {
  return page.evaluate(inPage(async (probe, member) => {
    const track = probe.find((el) => el.localName === 'video' && el.getAttribute('aria-label') === `${member}'s video`)?.srcObject?.getVideoTracks()[0];
    const receiver = track && window.tincanConnections.flatMap((pc) => (pc.connectionState === 'closed' ? [] : pc.getReceivers())).find((r) => r.track === track);
    let frames = 0;
    for (const s of (await receiver?.getStats())?.values() ?? []) if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded ?? 0;
    return frames;
  }), member);
}

const callStatus = (page, text) => waitForText(page, 'status', 'Call', text, { timeout: 30_000 });

describe('a group call of three', () => {
  let people;
  before(async () => {
    people = await Promise.all([
      openPreparedPerson('chromium', server.url, keepConnections, { fakeMedia: true, name: 'Ann' }),
      openPreparedPerson('firefox', server.url, keepConnections, { fakeMedia: true, name: 'Ben' }),
      openPreparedPerson('chromium', server.url, keepConnections, { fakeMedia: true, name: 'Cat' }),
    ]);
  });
  after(async () => {
    await Promise.all((people ?? []).map((p) => p?.close()));
  });

  it('everyone hears the two others on their tiles; one leaves, the two others stay in the call, and "Join voice call" brings him back', { timeout: 150_000 }, async () => {
    const [ann, ben, cat] = people;
    await click(ann.page, 'button', 'New group');
    await fill(ann.page, 'textbox', 'Group name', group);
    await click(ann.page, 'button', 'Create group');
    await invite(ann, ben);
    await invite(ben, cat);
    await Promise.all(people.map(async (p) => {
      await openConversation(p.page, group);
      await waitForText(p.page, 'status', 'Connection', '2 of 2 connected', { timeout: 60_000 });
    }));

    await click(ann.page, 'button', 'Voice call');
    for (const callee of [ben, cat]) {
      await waitForElement(callee.page, 'dialog', 'Incoming call', { timeout: 20_000 });
      await click(callee.page, 'button', 'Accept call');
    }
    await Promise.all(people.map((p) => callStatus(p.page, 'In call')));
    for (const who of people) {
      const others = people.filter((p) => p !== who);
      await until(async () => (await tilesOf(who.page)).length === 2, `${who.name}'s two tiles`, { timeout: 30_000 });
      assert.deepEqual((await tilesOf(who.page)).sort(), others.map((p) => `${p.name}'s video`).sort());
      for (const other of others) await waitForSound(who, other.name);
      // One capture: both legs send the same microphone track.
      const sent = await sentTracks(who.page, 'audio');
      assert.equal(sent.length, 2, `${who.name}'s legs`);
      assert.equal(new Set(sent).size, 1, `${who.name} sends one microphone on both legs: ${sent}`);
    }

    // Ann turns her camera on in the voice call: one camera track on both legs, Cat decodes it; off again, none is sent.
    await click(ann.page, 'button', 'Turn camera off');
    await until(async () => {
      const sent = await sentTracks(ann.page, 'video');
      return sent.length === 2 && !sent.includes('none') && new Set(sent).size === 1;
    }, 'Ann sends one camera on both legs', { timeout: 20_000 });
    await until(async () => (await framesFromTile(cat.page, 'Ann')) > 10, 'Cat decodes Ann\'s camera', { timeout: 20_000 });
    await click(ann.page, 'button', 'Turn camera off');
    await until(async () => (await sentTracks(ann.page, 'video')).every((id) => id === 'none'), 'Ann sends no camera', { timeout: 20_000 });

    // Ben leaves: only his legs end.
    await click(ben.page, 'button', 'End call');
    for (const who of [ann, cat]) {
      await until(async () => (await tilesOf(who.page)).length === 1, `${who.name} has one tile left`, { timeout: 20_000 });
      await callStatus(who.page, 'In call');
    }
    await waitForSound(ann, 'Cat');
    await waitForSound(cat, 'Ann');
    await until(async () => (await shownMessages(ben.page)).some((m) => /^Voice call, \d+ s$/.test(m.text)), 'Ben\'s entry in the group', { timeout: 20_000 });

    // Ben joins the same call again: connected to both, his focus on the call's "End call", and sound both ways.
    await click(ben.page, 'button', 'Join voice call');
    await callStatus(ben.page, 'In call');
    await until(async () => (await tilesOf(ben.page)).length === 2 && (await tilesOf(ann.page)).length === 2, 'Ben is back on every page', { timeout: 30_000 });
    assert.equal(await ben.page.evaluate(inPage((probe) => probe.activeElement()?.textContent.trim())), 'End call');
    await waitForSound(ann, 'Ben');
    await waitForSound(ben, 'Ann');
    await waitForSound(cat, 'Ben');
    for (const who of [ann, ben]) assert.equal(new Set(await sentTracks(who.page, 'audio')).size, 1, `${who.name} still sends one microphone`);

    await click(ben.page, 'button', 'End call');
    await click(ann.page, 'button', 'End call');
    await until(async () => !(await cat.page.evaluate(() => !!document.querySelector('tc-tincan-shell').shadowRoot.querySelector('tc-group-call-view'))), 'Cat\'s call ends with nobody left', { timeout: 20_000 });
    assert.deepEqual(people.flatMap((p) => p.errors), []);
  });
});
