// Back-pressure and additional negotiated channels on a real connection: what file transfer and flood budgets
// stand on.
import { expect } from '@esm-bundle/chai';
import { isTincanError } from '../../../src/errors';
import type { LinkChannel } from '../../../src/net/link';
import { sendQueueLimitBytes } from '../../../src/net/peer-link';
import { connectedPair, waitFor } from './link-helpers';

const opened = (channel: LinkChannel) =>
  new Promise<void>((resolve) => (channel.state === 'open' ? resolve() : channel.on('open', () => resolve())));

/** A chunk whose first 4 bytes are its index. */
function chunk(index: number, bytes: number): Uint8Array {
  const data = new Uint8Array(bytes);
  new DataView(data.buffer).setUint32(0, index);
  return data;
}

describe('additional channels and back-pressure', () => {
  it('an extra ordered channel carries 8 MiB in order while the sender waits for buffered-low', async () => {
    const { inviter, answerer } = await connectedPair();
    const sending = inviter.openChannel(1, { ordered: true });
    const receiving = answerer.openChannel(1, { ordered: true });
    await Promise.all([opened(sending), opened(receiving)]);
    const chunkBytes = 64 * 1024;
    const chunks = 128;
    const highWaterBytes = 1024 * 1024;
    sending.bufferedAmountLowThreshold = 256 * 1024;
    let received = 0;
    let inOrder = true;
    const done = new Promise<void>((resolve) => {
      receiving.on('message', (data) => {
        if (new DataView(data.buffer, data.byteOffset).getUint32(0) !== received || data.byteLength !== chunkBytes) inOrder = false;
        if (++received === chunks) resolve();
      });
    });
    // Chat messages on the main channel still flow while the bulk channel is busy.
    const chatArrived = new Promise<void>((resolve) => answerer.on('message', () => resolve()));
    let pauses = 0;
    let maxQueued = 0;
    for (let i = 0; i < chunks; i++) {
      if (sending.bufferedAmount > highWaterBytes) {
        pauses++;
        await sending.whenBufferedLow();
        expect(sending.bufferedAmount).to.be.at.most(sending.bufferedAmountLowThreshold);
      }
      sending.send(chunk(i, chunkBytes));
      maxQueued = Math.max(maxQueued, sending.bufferedAmount);
      if (i === chunks / 2) inviter.send(new Uint8Array([1]));
    }
    await Promise.all([done, chatArrived]);
    expect(inOrder).to.equal(true);
    expect(pauses).to.be.greaterThan(0);
    expect(maxQueued).to.be.at.most(highWaterBytes + chunkBytes);
    inviter.close();
    answerer.close();
  });

  it('an unordered channel delivers every message, and channels with other ids stay separate', async () => {
    const { inviter, answerer } = await connectedPair();
    const a2 = inviter.openChannel(2, { ordered: false });
    const b2 = answerer.openChannel(2, { ordered: false });
    const a3 = inviter.openChannel(3);
    const b3 = answerer.openChannel(3);
    await Promise.all([a2, b2, a3, b3].map(opened));
    const on2: number[] = [];
    const on3: number[] = [];
    const all = new Promise<void>((resolve) => {
      const check = () => on2.length === 50 && on3.length === 1 && resolve();
      b2.on('message', (data) => (on2.push(data[0]!), check()));
      b3.on('message', (data) => (on3.push(data[0]!), check()));
    });
    for (let i = 0; i < 50; i++) a2.send(new Uint8Array([i]));
    a3.send(new Uint8Array([200]));
    await all;
    expect([...on2].sort((x, y) => x - y)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
    expect(on3).to.deep.equal([200]);
    expect(() => inviter.openChannel(2)).to.throw(RangeError);
    expect(() => inviter.openChannel(0)).to.throw(RangeError);
    expect(() => inviter.openChannel(1024)).to.throw(RangeError);
    inviter.close();
    answerer.close();
  });

  it('the main channel says buffered-low when its queue drains to the threshold', async () => {
    const { inviter, answerer } = await connectedPair();
    inviter.bufferedAmountLowThreshold = 16 * 1024;
    const low = new Promise<void>((resolve) => inviter.on('buffered-low', () => resolve()));
    for (let i = 0; i < 32; i++) inviter.send(new Uint8Array(32 * 1024));
    expect(inviter.bufferedAmount).to.be.greaterThan(inviter.bufferedAmountLowThreshold);
    await low;
    expect(inviter.bufferedAmount).to.be.at.most(16 * 1024);
    await inviter.whenBufferedLow(); // already low: resolves at once
    inviter.close();
    answerer.close();
  });

  it('refuses to queue past the limit instead of letting the browser close the channel', async () => {
    const { inviter, answerer } = await connectedPair();
    const sending = inviter.openChannel(4);
    const receiving = answerer.openChannel(4);
    await Promise.all([opened(sending), opened(receiving)]);
    const chunkBytes = inviter.maxMessageSize;
    expect(chunkBytes).to.equal(65_536); // what a peer assumes when the SDP has no max-message-size line
    expect(() => sending.send(new Uint8Array(chunkBytes + 1))).to.throw().that.has.property('code', 'FRAME_TOO_LARGE');
    let queued = 0;
    let refused: unknown;
    // All in one task, so nothing drains meanwhile.
    for (let i = 0; i * chunkBytes <= sendQueueLimitBytes; i++) {
      try {
        sending.send(chunk(i, chunkBytes));
        queued++;
      } catch (error) {
        refused = error;
        break;
      }
    }
    expect(isTincanError(refused, 'SEND_QUEUE_FULL'), String(refused)).to.equal(true);
    expect(sending.state).to.equal('open');
    let received = 0;
    await new Promise<void>((resolve) => receiving.on('message', () => ++received === queued && resolve()));
    sending.send(chunk(queued, 4)); // usable again once drained
    expect(inviter.state).to.equal('connected');
    inviter.close();
    answerer.close();
  });

  it('channels close with their link, and a waiting sender hears CHANNEL_CLOSED', async () => {
    const { inviter, answerer } = await connectedPair();
    const sending = inviter.openChannel(5);
    const receiving = answerer.openChannel(5);
    await Promise.all([opened(sending), opened(receiving)]);
    sending.bufferedAmountLowThreshold = 0;
    for (let i = 0; i < 64; i++) sending.send(new Uint8Array(64 * 1024));
    const waiting = sending.whenBufferedLow();
    const closedEvent = new Promise<void>((resolve) => sending.on('close', () => resolve()));
    inviter.close();
    await closedEvent;
    expect(sending.state).to.equal('closed');
    try {
      await waiting;
      expect.fail('whenBufferedLow resolved on a closed channel');
    } catch (error) {
      expect(isTincanError(error, 'CHANNEL_CLOSED'), String(error)).to.equal(true);
    }
    expect(() => sending.send(new Uint8Array(1))).to.throw().that.has.property('code', 'CHANNEL_CLOSED');
    await waitFor(answerer, 'closed');
    expect(receiving.state).to.equal('closed');
  });
});
