// <tc-message-log> in a real browser: it renders the window it is given and nothing more, keeps the message under
// the reader's eyes in place when older pages are put above, follows new messages at the bottom, asks for pages at
// its ends, reads out only new incoming messages (the log itself is aria-live="off"), makes only http(s) links
// (safe ones), and never throws on values a damaged record or a hostile peer can produce.
import { expect } from '@esm-bundle/chai';
import type { ChatMessage, FileTransferView } from '../../../src/app/app-state';
import type { MessageLog } from '../../../src/ui/message-log';
import '../../../src/ui/message-log';
import { loadAppCss, message, messages, transfer } from './fixtures';

async function mount(props: Partial<MessageLog> = {}): Promise<MessageLog> {
  await loadAppCss();
  const log = document.createElement('tc-message-log');
  Object.assign(log, { conversationId: 'bob', peerName: 'Bob', ...props });
  // A phone-sized box: the log scrolls inside it.
  log.style.height = '400px';
  log.style.width = '360px';
  document.body.append(log);
  await log.updateComplete;
  await frame();
  return log;
}

const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
const scroller = (log: MessageLog) => log.shadowRoot!.querySelector<HTMLElement>('.log')!;
const rendered = (log: MessageLog) => [...log.shadowRoot!.querySelectorAll<HTMLElement>('.msg')];
/** What the log shows, in order: a message's text, or "file <name>" for a file's card. */
const shownItems = (log: MessageLog) =>
  [...log.shadowRoot!.querySelectorAll<HTMLElement>('.items > [data-id]')].map((el) =>
    el.classList.contains('file') ? `file ${(el.querySelector('tc-transfer-card') as HTMLElement & { transfer: FileTransferView }).transfer.name}` : el.querySelector('p')!.textContent,
  );
const liveTexts = (log: MessageLog) => [...log.shadowRoot!.querySelectorAll('[aria-live="polite"] p')].map((p) => p.textContent);

async function update(log: MessageLog, props: Partial<MessageLog>): Promise<void> {
  Object.assign(log, props);
  await log.updateComplete;
  await frame();
}

function events(log: MessageLog, type: 'tc-load-older' | 'tc-load-newer'): { count: number } {
  const seen = { count: 0 };
  log.addEventListener(type, () => seen.count++);
  return seen;
}

afterEach(() => document.querySelectorAll('tc-message-log').forEach((el) => el.remove()));

describe('tc-message-log', () => {
  it('is a log named "Messages" that is not a live region', async () => {
    const log = await mount({ messages: messages(3) });
    const box = scroller(log);
    expect(box.getAttribute('role')).to.equal('log');
    expect(box.getAttribute('aria-label')).to.equal('Messages');
    expect(box.getAttribute('aria-live')).to.equal('off');
  });

  it('renders exactly the window it is given', async () => {
    const window150 = messages(150);
    const log = await mount({ messages: window150, hasOlder: true });
    expect(rendered(log)).to.have.length(150);
    await update(log, { messages: window150.slice(50) });
    expect(rendered(log)).to.have.length(100);
  });

  it('leaves no nodes behind when messages leave the window (lit-html pinned to 3.3.0: lit/lit#5298)', async () => {
    // lit-html 3.3.1-3.3.3 leave one comment node behind for every item repeat() removes
    // (https://github.com/lit/lit/issues/5298); scrolling a long conversation would pile them up.
    const all = messages(650);
    const log = await mount({ messages: all.slice(0, 150) });
    const nodes = () => scroller(log).childNodes.length;
    const before = nodes();
    for (let start = 50; start <= 500; start += 50) await update(log, { messages: all.slice(start, start + 150) });
    expect(rendered(log)).to.have.length(150);
    expect(nodes()).to.equal(before);
  });

  it('starts at the newest message, and follows new ones while the reader is at the bottom', async () => {
    const first = messages(60);
    const log = await mount({ messages: first });
    const box = scroller(log);
    expect(box.scrollHeight - box.scrollTop - box.clientHeight).to.be.below(2);
    await update(log, { messages: [...first, message({ text: 'just now' })] });
    expect(box.scrollHeight - box.scrollTop - box.clientHeight).to.be.below(2);
  });

  it('keeps the reader where they were when older messages are put above', async () => {
    const newer = messages(60);
    const log = await mount({ messages: newer, hasOlder: true });
    const box = scroller(log);
    box.scrollTop = 700;
    box.dispatchEvent(new Event('scroll'));
    await frame();
    const anchor = rendered(log).find((el) => el.offsetTop + el.offsetHeight > box.scrollTop)!;
    const before = anchor.getBoundingClientRect().top;
    const older = messages(50);
    await update(log, { messages: [...older, ...newer] });
    const same = rendered(log).find((el) => el.dataset['id'] === anchor.dataset['id'])!;
    expect(Math.abs(same.getBoundingClientRect().top - before)).to.be.below(1);
    expect(box.scrollTop).to.be.above(700);
  });

  it('asks for older messages near the top and newer ones near the bottom, once per page', async () => {
    const log = document.createElement('tc-message-log');
    const older = events(log, 'tc-load-older');
    const newer = events(log, 'tc-load-newer');
    const window80 = messages(80);
    log.style.height = '400px';
    Object.assign(log, { conversationId: 'bob', messages: window80, hasOlder: true, hasNewer: true });
    document.body.append(log);
    await log.updateComplete;
    await frame();
    // Opened at the bottom of a window that has newer messages below it: the next page is asked for.
    expect([older.count, newer.count]).to.deep.equal([0, 1]);
    const box = scroller(log);
    box.scrollTop = 0;
    box.dispatchEvent(new Event('scroll'));
    box.dispatchEvent(new Event('scroll'));
    expect([older.count, newer.count]).to.deep.equal([1, 1]);
    // Until a page arrives, scrolling does not ask again.
    box.scrollTop = box.scrollHeight;
    box.dispatchEvent(new Event('scroll'));
    expect(newer.count).to.equal(1);
    await update(log, { messages: [...window80.slice(50), ...messages(50)] });
    box.scrollTop = box.scrollHeight;
    box.dispatchEvent(new Event('scroll'));
    expect(newer.count).to.equal(2);
  });

  it('asks for the page before at once when the window does not fill the screen', async () => {
    const log = document.createElement('tc-message-log');
    const older = events(log, 'tc-load-older');
    log.style.height = '400px';
    Object.assign(log, { conversationId: 'bob', messages: messages(2), hasOlder: true });
    document.body.append(log);
    await log.updateComplete;
    expect(older.count).to.equal(1);
  });

  it('reads out only new incoming messages, one short text each', async () => {
    const first = messages(5);
    const log = await mount({ messages: first, hasOlder: true });
    expect(liveTexts(log)).to.deep.equal([]);
    // A page of older messages: nothing is read out.
    const older = messages(5, () => ({ direction: 'in' }));
    await update(log, { messages: [...older, ...first] });
    expect(liveTexts(log)).to.deep.equal([]);
    // One sent by the person, one arriving: only the arrival is read.
    const mine = message({ direction: 'out', text: 'mine' });
    const theirs = message({ direction: 'in', text: 'hello' });
    await update(log, { messages: [...older, ...first, mine, theirs] });
    expect(liveTexts(log)).to.deep.equal(['Bob: hello']);
    // A state change (delivered) re-renders without reading anything again.
    await update(log, { messages: [...older, ...first, { ...mine, state: 'delivered' }, theirs] });
    expect(liveTexts(log)).to.deep.equal(['Bob: hello']);
  });

  // Issue 19: a member back from away gets the messages it missed sorted by when they were written, among those shown
  // (here before the member's own message written while away): one read-out says how many, none is skipped.
  it('reads out a catch-up sorted in among the messages shown as one event', async () => {
    const shown = messages(3, () => ({ direction: 'in' }));
    const mineWhileAway = message({ direction: 'out', text: 'written while away' });
    const log = await mount({ messages: [...shown, mineWhileAway], peerName: 'Climbers' });
    const missed = messages(6, () => ({ direction: 'in' }));
    const newest = message({ direction: 'in', text: 'newest' });
    await update(log, { messages: [...shown, ...missed, mineWhileAway, newest] });
    const caughtUp = '7 missed messages arrived in Climbers, each placed at the time it was written';
    expect(liveTexts(log)).to.deep.equal([caughtUp]);
    // Arrivals after that at the end are read out one by one again.
    const next = message({ direction: 'in', text: 'and one more' });
    await update(log, { messages: [...shown, ...missed, mineWhileAway, newest, next] });
    expect(liveTexts(log)).to.deep.equal([caughtUp, 'Climbers: and one more']);
    // One sorted in just above the newest (written at the same moment as it): read as its text, in the order shown.
    const sameMoment = message({ direction: 'in', text: 'same moment' });
    await update(log, { messages: [...shown, ...missed, mineWhileAway, newest, sameMoment, next] });
    expect(liveTexts(log)).to.deep.equal([caughtUp, 'Climbers: and one more', 'Climbers: same moment']);
  });

  it('does not read out a page loaded below a window moved into the past', async () => {
    const first = messages(5);
    const log = await mount({ messages: first, hasNewer: true });
    await update(log, { messages: [...first, ...messages(5, () => ({ direction: 'in' }))], hasNewer: false });
    expect(liveTexts(log)).to.deep.equal([]);
  });

  it('shows each file at its time, between the messages before and after it, with its card', async () => {
    const at = Date.now() - 600_000;
    const before = message({ direction: 'out', text: 'here it comes', sentAt: at });
    const after = message({ direction: 'in', text: 'got it', sentAt: at + 120_000, receivedAt: at + 120_000 });
    const offered = transfer({ name: 'report.pdf', createdAt: at + 60_000 });
    const log = await mount({ messages: [before, after], transfers: [offered] });
    expect(shownItems(log)).to.deep.equal(['here it comes', 'file report.pdf', 'got it']);
    // The card is the file's own (its buttons), and says when, as a message does.
    const file = log.shadowRoot!.querySelector<HTMLElement>('.file')!;
    const card = file.querySelector('tc-transfer-card')!;
    await card.updateComplete;
    expect([...card.shadowRoot!.querySelectorAll('button')].map((b) => b.getAttribute('aria-label'))).to.deep.equal(['Accept report.pdf', 'Decline report.pdf']);
    expect(file.querySelector('time')!.getAttribute('datetime')).to.equal(new Date(at + 60_000).toISOString());
    // The window moved into the past, its newest page not loaded: a later finished file waits for it; an older one,
    // before the window while older pages are not loaded, too. An offer still waiting for Accept never waits for its
    // page: it is at the end of the window until its page is loaded.
    const finished = { state: 'done', bytes: 50_000_000 } as const;
    const later = transfer({ name: 'later.zip', createdAt: at + 300_000, ...finished });
    const older = transfer({ name: 'older.zip', createdAt: at - 300_000, ...finished });
    const waiting = transfer({ name: 'waiting.zip', createdAt: at - 400_000 });
    await update(log, { transfers: [waiting, older, offered, later], hasOlder: true, hasNewer: true });
    expect(shownItems(log)).to.deep.equal(['here it comes', 'file report.pdf', 'got it', 'file waiting.zip']);
    await update(log, { hasOlder: false, hasNewer: false });
    expect(shownItems(log)).to.deep.equal(['file waiting.zip', 'file older.zip', 'here it comes', 'file report.pdf', 'got it', 'file later.zip']);
    // Only messages are messages (.msg): tests and benches count them.
    expect(rendered(log).map((m) => m.querySelector('p')!.textContent)).to.deep.equal(['here it comes', 'got it']);
  });

  it('reads out a file Bob sends once; a file of its own is scrolled to; files paged in are not read out', async () => {
    const first = messages(40);
    const log = await mount({ messages: first });
    const box = scroller(log);
    const offer = transfer({ name: 'photo.jpg', createdAt: Date.now() });
    await update(log, { transfers: [offer] });
    expect(liveTexts(log)).to.deep.equal(['Bob sends a file: photo.jpg']);
    // Its state changes (accepted, moving): nothing is read out again.
    await update(log, { transfers: [{ ...offer, state: 'transferring', bytes: 1000 }] });
    await update(log, { transfers: [{ ...offer, state: 'done', bytes: offer.size }] });
    expect(liveTexts(log)).to.deep.equal(['Bob sends a file: photo.jpg']);
    // Scrolled up, the person sends a file: the log goes to it.
    box.scrollTop = 0;
    box.dispatchEvent(new Event('scroll'));
    await frame();
    const mine = transfer({ name: 'mine.txt', direction: 'out', createdAt: Date.now() + 1 });
    await update(log, { transfers: [{ ...offer, state: 'done', bytes: offer.size }, mine] });
    expect(box.scrollHeight - box.scrollTop - box.clientHeight).to.be.below(2);
    expect(liveTexts(log)).to.deep.equal(['Bob sends a file: photo.jpg']);
    // Another conversation opens with its files: they were there already, nothing is read out.
    await update(log, { conversationId: 'carol', messages: messages(3), transfers: [transfer({ name: 'old.bin' })] });
    expect(liveTexts(log)).to.deep.equal([]);
  });

  it('keeps the reader where they were when a page with a file is put above', async () => {
    const at = Date.now() - 3_600_000;
    const all = messages(80, (i) => ({ sentAt: at + i * 1000, receivedAt: at + i * 1000 }));
    const log = await mount({ messages: all.slice(40), hasOlder: true, transfers: [transfer({ name: 'old.bin', createdAt: at + 20_500, state: 'done', bytes: 50_000_000 })] });
    const box = scroller(log);
    box.scrollTop = 200;
    box.dispatchEvent(new Event('scroll'));
    await frame();
    const firstShown = [...box.querySelectorAll<HTMLElement>('.msg')].find((el) => el.offsetTop + el.offsetHeight > box.scrollTop)!;
    const offset = firstShown.offsetTop - box.scrollTop;
    await update(log, { messages: all, hasOlder: false });
    expect(shownItems(log)).to.include('file old.bin');
    const same = [...box.querySelectorAll<HTMLElement>('.msg')].find((el) => el.dataset['id'] === firstShown.dataset['id'])!;
    expect(Math.abs(same.offsetTop - box.scrollTop - offset)).to.be.below(2);
  });

  it('shows text as text, and only http(s) links, in full, opening safely', async () => {
    const log = await mount({
      messages: [
        message({ text: '<b>bold?</b> <img src=x onerror=alert(1)>' }),
        message({ text: 'see https://example.org/a_(b), and http://a.example/x?y=1.' }),
        message({ text: 'javascript:alert(1) data:text/html,x file:///etc/passwd ftp://x.example' }),
      ],
    });
    const root = log.shadowRoot!;
    expect(root.querySelector('.msg b, .msg img')).to.equal(null);
    expect(rendered(log)[0]!.textContent).to.contain('<b>bold?</b>');
    const links = [...root.querySelectorAll<HTMLAnchorElement>('.msg a')];
    expect(links.map((a) => a.textContent)).to.deep.equal(['https://example.org/a_(b)', 'http://a.example/x?y=1']);
    for (const a of links) {
      expect(a.protocol).to.match(/^https?:$/);
      expect(a.target).to.equal('_blank');
      expect(a.rel.split(' ').sort()).to.deep.equal(['noopener', 'noreferrer']);
    }
  });

  it('shows sent and delivered as ticks with names, waiting and refused in words, unreadable as such', async () => {
    const log = await mount({
      messages: [
        message({ direction: 'out', state: 'sent' }),
        message({ direction: 'out', state: 'delivered' }),
        message({ direction: 'out', state: 'waiting' }),
        message({ direction: 'out', state: 'refused' }),
        message({ unreadable: true, text: '' }),
      ],
    });
    const root = log.shadowRoot!;
    expect([...root.querySelectorAll('[role="img"]')].map((t) => t.getAttribute('aria-label'))).to.deep.equal(['Sent', 'Delivered']);
    expect(rendered(log)[2]!.textContent).to.contain('waiting');
    expect(rendered(log)[3]!.textContent).to.contain('their device is full');
    expect(rendered(log)[4]!.textContent).to.contain('This message could not be read');
  });

  it('never throws on odd values', async () => {
    const odd = [
      message({ sentAt: 1e16 }),
      message({ sentAt: Number.NaN }),
      message({ sentAt: -1 }),
      message({ sentAt: -9e15 }),
      message({ sentAt: Number.POSITIVE_INFINITY }),
      message({ sentAt: '12' as unknown as number }),
      message({ text: 'x'.repeat(1_000_000) }),
      message({ text: `https://${'a'.repeat(50_000)}.example` }),
      message({ text: ')'.repeat(30_000) + 'https://x.example/' + ')'.repeat(30_000) }),
      message({ text: undefined as unknown as string }),
      message({ state: 'exploded' as unknown as ChatMessage['state'], direction: 'out' }),
      message({ direction: 'sideways' as unknown as 'in' }),
    ];
    const duplicate = { ...odd[0]! };
    const log = await mount({ messages: [...odd, duplicate] });
    expect(rendered(log)).to.have.length(odd.length);
    // A time that cannot be shown is left out: no machine-readable datetime, no text.
    const time = rendered(log)[0]!.querySelector('time')!;
    expect([time.hasAttribute('datetime'), time.textContent]).to.deep.equal([false, '']);
    expect(rendered(log)[6]!.textContent!.length).to.be.above(1_000_000);
  });
});
