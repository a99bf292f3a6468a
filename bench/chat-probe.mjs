// In-page instruments for the chat benches (passed to page.evaluate; each function is self-contained). They work on
// the app's live objects, reached from outside through the shell's `app` property (tc-tincan-shell.app), so the
// real page (dist/, minified) and the bench page (bench/chat-app-page.ts) are measured the same way, with nothing
// added to the production code. Property names survive minification (esbuild renames locals, not properties).
//
// Marks (epoch ms: performance.timeOrigin + performance.now(), this page's clock), per message id:
//   enter          the Enter keydown was dispatched on the "Message" box (window.__tcSendText)
//   appSend        TincanApp.sendMessage was called (the composer and the shell are done)
//   sealStart/End  Delivery.seal: the message sealed end to end under the sender's chain and signed
//   sendStart/End  PeerSession.send of the envelope frame: encode, seal for the link, RTCDataChannel.send
//   ownAdded       the sender's own message was put in the state (Delivery 'added')
//   ownAppendStart/End   the sender's own write (log.append with an outbox entry), in parallel with the wire
//   arrival        the receiver's SecureChannel.receive was called with the sealed bytes (the link's message event)
//   openStart      its decryption began (after frames queued before it)
//   recv           Delivery.receive got the decoded frame
//   appendStart/End      the receiver's log.append (sealing, id index, one IndexedDB transaction)
//   added          the receiver put the message in the state (Delivery 'added')
//   ackSendStart/End     the receiver's PeerSession.send of the ack frame naming this id
//   ackArrival / ackOpenStart / ackRecv / ackRecvEnd   the same steps for the ack, on the sender; ackRecvEnd is
//                  when Delivery.receive returned (outbox resolved, 'states' emitted, app state set, synchronously)
//   deliveredState the sender's messenger emitted state 'delivered' for it
//   shown          an element .msg[data-id=id] exists in the message log (DOM; a MutationObserver on the log)
//   deliveredDom   that element holds the tick named "Delivered"
// Backend writes (RecordBackend.write batches) are kept as [start, end, records].

import { inPage } from '../test/e2e/page-probe.mjs';

/** Installs the instruments once the conversation is open; returns false when the app is not ready yet. */
export const installProbe = inPage((probe) => {
  if (window.__tcProbe) return true;
  const T = () => performance.timeOrigin + performance.now();
  const app = document.querySelector('tc-tincan-shell')?.app;
  const messenger = app?.messenger;
  const logElement = probe.byTag('tc-message-log');
  if (!messenger || !app.store || !logElement?.shadowRoot) return false;
  const delivery = messenger.delivery;
  const store = app.store;
  const P = {
    marks: new Map(),
    writes: [],
    textToId: new Map(),
    idToText: new Map(),
    /** mark name -> text -> resolve, for window.__tcWhen. */
    waiters: new Map(),
    appSendAt: new Map(),
    enterAt: new Map(),
    stored: 0,
    delivered: 0,
    /** The most received messages stored in one append (a write batch). */
    largestAppend: 0,
    current: undefined,
    patched: new WeakSet(),
  };
  window.__tcProbe = P;
  const mark = (id, name, t = T()) => {
    if (t === undefined || id === undefined) return;
    let m = P.marks.get(id);
    if (!m) P.marks.set(id, (m = {}));
    if (m[name] !== undefined) return;
    m[name] = t;
    const waiting = P.waiters.get(name);
    if (waiting?.size) {
      const text = P.idToText.get(id);
      const resolve = waiting.get(text);
      if (resolve) {
        waiting.delete(text);
        resolve(t);
      }
    }
  };
  const noteText = (text, id) => {
    P.textToId.set(text, id);
    P.idToText.set(id, text);
  };

  // Envelopes carry no text: the sender learns each id's text when it seals, the receiver when it stores.
  // The send path seals through sealStamped (the envelope and its clock reading) since group messages keep their
  // reading; `seal` alone in builds before it. A build from before envelopes (bench --base) has neither: its message
  // frames carry their text.
  const sealName = delivery.sealStamped ? 'sealStamped' : 'seal';
  const seal = delivery[sealName];
  if (seal) delivery[sealName] = function (conversationId, text) {
    const start = T();
    const sealed = seal.apply(this, arguments);
    sealed.then((result) => {
      const envelope = result.frame ?? result;
      noteText(String(text).trim(), envelope.id);
      mark(envelope.id, 'sealStart', start);
      mark(envelope.id, 'sealEnd', T());
    }, () => undefined);
    return sealed;
  };

  const sendMessage = app.sendMessage;
  app.sendMessage = function (text) {
    P.appSendAt.set(String(text).trim(), T());
    return sendMessage.apply(this, arguments);
  };

  const patchSession = (session) => {
    if (P.patched.has(session) || !session.secure) return;
    P.patched.add(session);
    const secure = session.secure;
    const arrivals = [];
    const receive = secure.receive;
    secure.receive = function () {
      arrivals.push(T());
      return receive.apply(this, arguments);
    };
    const openFrame = secure.openFrame;
    secure.openFrame = function () {
      P.current = { arrival: arrivals.shift(), openStart: T() };
      try {
        return openFrame.apply(this, arguments);
      } finally {
        P.current = undefined;
      }
    };
    const send = session.send;
    session.send = function (frame) {
      const start = T();
      const result = send.apply(this, arguments);
      const end = T();
      if (frame.type === 'envelope' || frame.type === 'message') {
        if (frame.text) noteText(frame.text.trim(), frame.id);
        const text = P.idToText.get(frame.id);
        mark(frame.id, 'sendStart', start);
        mark(frame.id, 'sendEnd', end);
        mark(frame.id, 'appSend', P.appSendAt.get(text));
        mark(frame.id, 'enter', P.enterAt.get(text));
      } else if (frame.type === 'ack') {
        for (const id of frame.ids) {
          mark(id, 'ackSendStart', start);
          mark(id, 'ackSendEnd', end);
        }
      }
      return result;
    };
  };
  for (const session of messenger.peers.all()) patchSession(session);
  messenger.peers.on('opened', patchSession);

  const receive = delivery.receive;
  delivery.receive = function (session, frame) {
    const at = P.current ?? {};
    const start = T();
    const result = receive.apply(this, arguments);
    if (frame.type === 'envelope' || frame.type === 'message') {
      mark(frame.id, 'arrival', at.arrival);
      mark(frame.id, 'openStart', at.openStart);
      mark(frame.id, 'recv', start);
    } else if (frame.type === 'ack') {
      const end = T();
      for (const id of frame.ids) {
        mark(id, 'ackArrival', at.arrival);
        mark(id, 'ackOpenStart', at.openStart);
        mark(id, 'ackRecv', start);
        mark(id, 'ackRecvEnd', end);
      }
    }
    return result;
  };

  const log = store.log;
  const append = log.append;
  log.append = function (conversationId, messages, options) {
    const own = !!options?.outboxFor?.length;
    const start = T();
    const ids = messages.map((m) => m.id);
    if (!own) for (const m of messages) noteText(m.text.trim(), m.id);
    if (!own) P.largestAppend = Math.max(P.largestAppend, ids.length);
    for (const id of ids) mark(id, own ? 'ownAppendStart' : 'appendStart', start);
    const result = append.apply(this, arguments);
    result.then(
      () => {
        const end = T();
        for (const id of ids) mark(id, own ? 'ownAppendEnd' : 'appendEnd', end);
        if (!own) P.stored += ids.length;
      },
      () => undefined,
    );
    return result;
  };

  const backend = store.context.backend;
  const write = backend.write;
  backend.write = function (batch) {
    const start = T();
    const result = write.apply(this, arguments);
    result.then(() => P.writes.push([start, T(), batch.length]), () => undefined);
    return result;
  };

  messenger.on('added', ({ message }) => mark(message.id, message.direction === 'in' ? 'added' : 'ownAdded'));
  messenger.on('states', ({ updates }) => {
    const t = T();
    for (const u of updates) {
      if (u.state !== 'delivered') continue;
      if (P.marks.get(u.id)?.deliveredState === undefined) P.delivered++;
      mark(u.id, 'deliveredState', t);
    }
  });

  // The log of the conversation on screen; observed again if the shell renders a new one (another conversation).
  let root;
  const observer = new MutationObserver(() => scan());
  const follow = () => {
    const current = probe.byTag('tc-message-log')?.shadowRoot;
    if (!current || current === root) return;
    observer.disconnect();
    root = current;
    observer.observe(root, { subtree: true, childList: true, attributes: true, characterData: true });
  };
  const scan = () => {
    const t = T();
    for (const el of root.querySelectorAll('.msg')) {
      const id = el.dataset.id;
      const m = P.marks.get(id);
      if (m?.shown === undefined) mark(id, 'shown', t);
      if (m?.deliveredDom === undefined && el.querySelector('[aria-label="Delivered"]')) mark(id, 'deliveredDom', t);
    }
  };
  follow();

  /** Types `text` into "Message" (value + input event) and dispatches Enter, as the composer receives them. */
  const box = () => probe.find((el) => el.localName === 'textarea' && el.getAttribute('aria-label') === 'Message');
  window.__tcSendText = (texts) => {
    follow();
    const field = box();
    for (const text of texts) {
      field.value = text;
      field.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true }));
      P.enterAt.set(text, T());
      field.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true, cancelable: true }));
    }
  };
  /**
   * Types `texts` as a person's keyboard would deliver them: each message's input and its Enter in a task of their
   * own, so the page may render between messages (__tcSendText dispatches them all in one task, which lets one
   * render serve the whole burst). Yields through a MessageChannel: setTimeout(0) is clamped to 4 ms when nested.
   */
  window.__tcTypeText = async (texts) => {
    const channel = new MessageChannel();
    const nextTask = () => new Promise((resolve) => ((channel.port1.onmessage = resolve), channel.port2.postMessage(0)));
    for (const text of texts) {
      window.__tcSendText([text]);
      await nextTask();
    }
    channel.port1.close();
  };
  /** Messages in the log more than once (the same id on two elements). */
  window.__tcLogRepeats = () => {
    const ids = [...probe.byTag('tc-message-log').shadowRoot.querySelectorAll('.msg')].map((el) => el.dataset.id);
    return ids.length - new Set(ids).size;
  };
  /**
   * Scrolls Bob's log back to the oldest message, a page at a time as a person would (the log asks for each older
   * page), so every message of a burst is on screen at some point (the marks "shown" keep counting); then reopens
   * the conversation at its newest page. Resolves with the pages scrolled and the most repeats seen in one window.
   */
  window.__tcScrollBack = async () => {
    follow();
    const open = () => app.state.state.open;
    const rendered = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    let pages = 0;
    let repeats = 0;
    while (open()?.hasOlder && pages < 1000) {
      const first = open().messages[0]?.id;
      const moved = new Promise((resolve) => {
        const stop = app.state.subscribe((s) => s.open?.messages[0]?.id !== first && (stop(), resolve()));
        setTimeout(() => (stop(), resolve()), 5000);
      });
      root.querySelector('.log').scrollTop = 0;
      await moved;
      await rendered();
      repeats = Math.max(repeats, window.__tcLogRepeats());
      pages++;
    }
    await app.selectConversation(app.state.state.activeId);
    await rendered();
    return { pages, repeats };
  };
  /** Resolves with the time of mark `name` of the message with this text (at once if it is there already). */
  window.__tcWhen = (text, name) => {
    const id = P.textToId.get(text);
    const t = id && P.marks.get(id)?.[name];
    if (t !== undefined) return Promise.resolve(t);
    if (!P.waiters.has(name)) P.waiters.set(name, new Map());
    return new Promise((resolve) => P.waiters.get(name).set(text, resolve));
  };
  window.__tcProbeReset = () => {
    P.marks.clear();
    P.idToText.clear();
    P.waiters.clear();
    P.writes.length = 0;
    P.largestAppend = 0;
    P.textToId.clear();
    P.appSendAt.clear();
    P.enterAt.clear();
    P.stored = 0;
    P.delivered = 0;
  };
  /** Marks of these texts (by the id each got), and the backend writes. */
  window.__tcProbeMarks = (texts) => ({
    marks: texts.map((text) => {
      const id = P.textToId.get(text);
      return { text, id, ...(id ? P.marks.get(id) : {}) };
    }),
    writes: P.writes,
    largestAppend: P.largestAppend,
    stored: P.stored,
    delivered: P.delivered,
  });
  return true;
});

/** The app's progress counters (for polling during a burst). */
export function probeCounters() {
  const P = window.__tcProbe;
  return { stored: P.stored, delivered: P.delivered };
}

/** The median interval between animation frames over `n` frames, ms (renders wait for the next frame). */
export function frameInterval(n) {
  return new Promise((resolve) => {
    const times = [];
    const tick = (t) => {
      times.push(t);
      if (times.length <= n) requestAnimationFrame(tick);
      else resolve(times.slice(1).map((t, i) => t - times[i]).sort((a, b) => a - b)[Math.floor(n / 2)]);
    };
    requestAnimationFrame(tick);
  });
}

// ---- the bare data channel between the same two pages ----

/** Makes one end of a plain negotiated RTCDataChannel (full SDP, gathered); returns the local SDP. */
export async function bareEnd(offerSdp) {
  const pc = new RTCPeerConnection({ iceServers: [] });
  const channel = pc.createDataChannel('bare', { negotiated: true, id: 0, ordered: true });
  channel.binaryType = 'arraybuffer';
  window.__tcBare = { pc, channel, opened: new Promise((resolve) => (channel.onopen = resolve)) };
  if (offerSdp) await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
  await pc.setLocalDescription(offerSdp ? await pc.createAnswer() : await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
    setTimeout(resolve, 3000);
  });
  return pc.localDescription.sdp;
}

/**
 * The answering page: replies to "o" (clock offset) with its time, echoes pings with their arrival time, and in a
 * burst acknowledges every message at once, noting when the last one arrived.
 */
export function bareResponder() {
  const T = () => performance.timeOrigin + performance.now();
  const { channel } = window.__tcBare;
  const burst = (window.__tcBareBurst = { expected: 0, count: 0, lastAt: 0 });
  const shown = document.body.appendChild(document.createElement('div'));
  channel.onmessage = (event) => {
    const at = T();
    const data = event.data;
    const kind = data[0];
    if (kind === 'o') channel.send(`O${at}`);
    else if (kind === 'p') channel.send(`e${at}|${data}`);
    else if (kind === 'q') {
      // The minimal UI: the text goes into the page's DOM at the next animation frame, then the echo.
      requestAnimationFrame(() => {
        const line = document.createElement('p');
        line.textContent = data.slice(0, 20);
        shown.append(line);
        if (shown.childElementCount > 50) shown.firstElementChild.remove();
        channel.send(`e${at}|${T()}|`);
      });
    }
    else if (kind === 'x') {
      burst.expected = Number(data.slice(1));
      burst.count = 0;
    } else if (kind === 'b') {
      burst.count++;
      burst.lastAt = at;
      channel.send('k');
    }
  };
}

/** This page's clock minus the peer's: the sample with the shortest round trip of `n` (error <= its RTT / 2). */
export async function bareClockOffset(n) {
  const T = () => performance.timeOrigin + performance.now();
  const { channel } = window.__tcBare;
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < n; i++) {
    const reply = new Promise((resolve) => (channel.onmessage = (event) => resolve(event.data)));
    const sentAt = T();
    channel.send('o');
    const peerAt = Number((await reply).slice(1));
    const backAt = T();
    if (backAt - sentAt < best.rtt) best = { rtt: backAt - sentAt, offset: (sentAt + backAt) / 2 - peerAt };
  }
  return best;
}

/** One ping of `bytes` bytes: round trip, and one way by the peer's clock (corrected later with the offset). */
export async function barePing(bytes) {
  const T = () => performance.timeOrigin + performance.now();
  const { channel } = window.__tcBare;
  const reply = new Promise((resolve) => (channel.onmessage = (event) => resolve(event.data)));
  const sentAt = T();
  channel.send('p'.padEnd(bytes, '.'));
  const data = await reply;
  const backAt = T();
  return { sentAt, rtt: backAt - sentAt, peerAt: Number(data.slice(1, data.indexOf('|'))) };
}

/**
 * The minimal UI on the bare channel: the peer shows the text at its next animation frame and then echoes; this
 * page shows "delivered" at its next frame after the echo. The floor any UI that renders per frame has.
 */
export async function barePingShown(bytes) {
  const T = () => performance.timeOrigin + performance.now();
  const { channel } = window.__tcBare;
  const status = (window.__tcBareStatus ??= document.body.appendChild(document.createElement('p')));
  const reply = new Promise((resolve) => (channel.onmessage = (event) => resolve(event.data)));
  const sentAt = T();
  channel.send('q'.padEnd(bytes, '.'));
  const [peerAt, peerShownAt] = (await reply).slice(1).split('|').map(Number);
  const shownAt = await new Promise((resolve) =>
    requestAnimationFrame(() => {
      status.textContent = `delivered ${sentAt}`;
      resolve(T());
    }),
  );
  return { sentAt, peerAt, peerShownAt, shownAt };
}

/** `count` messages of `bytes` bytes at once; resolves when the peer acknowledged every one. */
export async function bareBurst(count, bytes) {
  const T = () => performance.timeOrigin + performance.now();
  const { channel } = window.__tcBare;
  let acks = 0;
  const done = new Promise((resolve) => {
    channel.onmessage = () => {
      if (++acks === count) resolve(T());
    };
  });
  channel.send(`x${count}`);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const payload = 'b'.padEnd(bytes, '.');
  const startedAt = T();
  for (let i = 0; i < count; i++) channel.send(payload);
  const ackedAt = await done;
  return { startedAt, ackedAt };
}

// ---- history ----

/**
 * Fills the open conversation up to `total` messages through the store (sealed records, id index, as if received
 * over time: one transaction per 300), then flushes. Message `i` says "History i:".
 */
export async function fillHistory(total) {
  const app = document.querySelector('tc-tincan-shell').app;
  const id = app.state.state.activeId;
  const have = app.store.log.summary(id)?.count ?? 0;
  const base = Date.now() - total * 60_000;
  for (let i = have; i < total; i += 300) {
    const batch = [];
    for (let j = i; j < Math.min(total, i + 300); j++) {
      const out = j % 3 === 0;
      batch.push({
        id: `h${String(j).padStart(15, '0')}`,
        direction: out ? 'out' : 'in',
        text: `History ${j}: a line of ordinary chat text, about sixty characters long.`,
        sentAt: base + j * 60_000,
        ...(out ? {} : { receivedAt: base + j * 60_000 + 500 }),
        state: 'delivered',
      });
    }
    await app.store.log.append(id, batch);
  }
  await app.store.flush();
  return { contactId: id, count: app.store.log.summary(id).count };
}

/** Sealed bytes (values) and key characters of one conversation's records (messages, id index, head). */
export async function conversationBytes() {
  const app = document.querySelector('tc-tincan-shell').app;
  const id = app.state.state.activeId;
  await app.store.flush();
  const backend = app.store.context.backend;
  const keys = await backend.keys(`conv/${encodeURIComponent(id)}/`);
  let valueBytes = 0;
  for (let i = 0; i < keys.length; i += 500) {
    for (const value of await backend.getMany(keys.slice(i, i + 500))) if (value instanceof Uint8Array) valueBytes += value.byteLength;
  }
  return { records: keys.length, valueBytes, keyChars: keys.reduce((sum, key) => sum + key.length, 0), count: app.store.log.summary(id)?.count ?? 0 };
}
