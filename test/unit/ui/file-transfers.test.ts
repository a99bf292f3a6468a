// File transfers in the chat screen, through the real shell with a fixture app (issue 12's UI contract): an offer's
// name, size and type with "Accept" and "Decline"; a progress bar named after the file with speed and time left;
// "Cancel transfer"; "Save <name>" and a preview from decoded pixels for a received picture (never for an SVG);
// a sentence for every way a transfer ends; "Attach file" (the file input itself, named), dropping on the
// conversation and pasting into the message box; the auto-accept setting. Names come from Chromium's own tree.
import { expect } from '@esm-bundle/chai';
import { sendKeys } from '@web/test-runner-commands';
import type { AppState, FileTransferView } from '../../../src/app/app-state';
import type { FileSource } from '../../../src/chat/files/file-io';
import type { Thumbnail } from '../../../src/chat/files/thumbnail-store';
import {
  accessibilityTree,
  allElements,
  bob,
  button,
  carol,
  control,
  FixtureApp,
  focused,
  horizontalOverflow,
  mainState,
  message,
  messages,
  mountShell,
  nameOf,
  seriousAxeViolations,
  settle,
  smallControls,
  textbox,
  transfer,
  transfersOfEveryKind,
  useView,
} from './fixtures';
import type { TincanShell } from '../../../src/ui/tincan-shell';

afterEach(() => document.querySelectorAll('tc-tincan-shell').forEach((el) => el.remove()));
before(async () => {
  await useView('desktop', 'light');
  // The main screens load after unlock (a chunk of their own): have them defined before the first test looks.
  await import('../../../src/ui/after-unlock');
});

function chatWith(transfers: readonly FileTransferView[], patch: Partial<AppState> = {}): AppState {
  return {
    ...mainState,
    conversations: [bob, carol],
    activeId: 'bob',
    open: { id: 'bob', messages: messages(3), hasOlder: false, hasNewer: false },
    transfers,
    ...patch,
  };
}

async function mountChat(state: AppState): Promise<{ shell: TincanShell; app: FixtureApp }> {
  const app = new FixtureApp(state);
  const shell = await mountShell(app);
  return { shell, app };
}

/** The text a card shows (its shadow root). */
function cardText(shell: TincanShell, name: string): string {
  const card = allElements(shell).find((el) => el.localName === 'tc-transfer-card' && (el as HTMLElement & { transfer: FileTransferView }).transfer.name === name);
  if (!card) throw new Error(`no card for ${name}`);
  return (card.shadowRoot?.textContent ?? '').replace(/\s+/g, ' ');
}

async function waitFor(check: () => boolean, root: Element, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (check()) return;
    await settle(root);
  }
  throw new Error(`never: ${what}`);
}

/** A file written where the OPFS sink keeps finished files, as a transfer that completed would have left it. */
/** A received file as the app hands it out (decrypted from its sealed copy): a FileSource over the bytes. */
async function keptFile(bytes: Blob): Promise<FileSource> {
  const data = new Uint8Array(await bytes.arrayBuffer());
  return { size: data.length, lastModified: 0, read: async (offset, length) => data.slice(offset, offset + length) };
}

async function pngOf(width: number, height: number): Promise<Blob> {
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d')!;
  context.fillStyle = '#2a7';
  context.fillRect(0, 0, width, height);
  return canvas.convertToBlob({ type: 'image/png' });
}

describe('file transfers in the chat screen', function () {
  this.timeout(60_000);

  it('an offer shows name, size and type, with Accept and Decline named after the file', async () => {
    const offer = transfer({ name: 'report.pdf', size: 50_000_000, mime: 'application/pdf' });
    const { shell, app } = await mountChat(chatWith([offer]));
    const text = cardText(shell, 'report.pdf');
    expect(text).to.include('report.pdf').and.include('50 MB, application/pdf').and.include('Bob wants to send you this file.');
    const tree = await accessibilityTree();
    expect(tree.some((n) => n.role === 'button' && n.name === 'Accept report.pdf')).to.equal(true);
    expect(tree.some((n) => n.role === 'button' && n.name === 'Decline report.pdf')).to.equal(true);
    // The card is an item of the log "Messages" (no panel of its own).
    const card = allElements(shell).find((el) => el.localName === 'tc-transfer-card')!;
    expect((card.getRootNode() as ShadowRoot).host.localName).to.equal('tc-message-log');
    button(shell, 'Accept report.pdf').click();
    button(shell, 'Decline report.pdf').click();
    expect(app.called('acceptFile')).to.deep.equal([[offer.fileId]]);
    expect(app.called('declineFile')).to.deep.equal([[offer.fileId]]);
  });

  it('Accept pressed from the keyboard: focus stays on the file\'s card (named after it), Cancel transfer one Tab away', async () => {
    const offer = transfer({ name: 'notes.txt', size: 2_000, mime: 'text/plain' });
    const { shell, app } = await mountChat(chatWith([offer]));
    button(shell, 'Accept notes.txt').focus();
    await sendKeys({ press: 'Enter' });
    expect(app.called('acceptFile')).to.deep.equal([[offer.fileId]]);
    // The app answers: the offer is moving now, and its Accept button is gone.
    app.set({ transfers: [{ ...offer, state: 'transferring', bytes: 500 }] });
    await settle(shell);
    const card = focused();
    expect(card?.getAttribute('role')).to.equal('group');
    expect(card?.getAttribute('aria-label')).to.equal('notes.txt');
    await sendKeys({ press: 'Tab' });
    expect(focused()).to.equal(button(shell, 'Cancel transfer of notes.txt'));
  });

  it('a moving file has a progress bar named after it, with speed and time left, and Cancel transfer', async () => {
    const moving = transfer({ name: 'video.mp4', state: 'transferring', bytes: 21_400_000, bytesPerSecond: 19_800_000, secondsLeft: 2 });
    const { shell, app } = await mountChat(chatWith([moving]));
    const bar = control(shell, '[role=progressbar]', 'video.mp4');
    expect(bar.getAttribute('aria-valuenow')).to.equal('21400000');
    expect(bar.getAttribute('aria-valuemax')).to.equal('50000000');
    expect(bar.getAttribute('aria-valuetext')).to.equal('21 MB of 50 MB · 20 MB/s · 2 s left');
    expect(cardText(shell, 'video.mp4')).to.include('21 MB of 50 MB · 20 MB/s · 2 s left').and.include('Receiving from Bob');
    const fill = bar.firstElementChild as HTMLElement;
    expect(fill.getBoundingClientRect().width / bar.getBoundingClientRect().width).to.be.closeTo(0.428, 0.02);
    const tree = await accessibilityTree();
    expect(tree.some((n) => n.role === 'progressbar' && n.name === 'video.mp4')).to.equal(true);
    expect(tree.some((n) => n.role === 'button' && n.name === 'Cancel transfer of video.mp4')).to.equal(true);
    button(shell, 'Cancel transfer of video.mp4').click();
    expect(app.called('cancelTransfer')).to.deep.equal([[moving.fileId]]);
    // The bar follows the state.
    app.set({ transfers: [{ ...moving, bytes: 40_000_000 }] });
    await settle(shell);
    expect(control(shell, '[role=progressbar]', 'video.mp4').getAttribute('aria-valuenow')).to.equal('40000000');
  });

  it('on a 360×740 phone: a file is an item of the log at its time, whole, its buttons in view and reached by Tab', async () => {
    await useView('phone', 'light');
    try {
      const at = Date.now() - 600_000;
      const before = message({ direction: 'out', text: 'Here is the report', sentAt: at });
      const offer = transfer({ name: 'report.pdf', createdAt: at + 60_000 });
      const after = message({ direction: 'in', text: 'Sent it?', sentAt: at + 120_000, receivedAt: at + 120_000 });
      const { shell, app } = await mountChat(chatWith([offer], { open: { id: 'bob', messages: [...messages(12), before, after], hasOlder: false, hasNewer: false } }));
      const log = allElements(shell).find((el) => el.localName === 'tc-message-log')!;
      const items = [...log.shadowRoot!.querySelectorAll<HTMLElement>('.items > [data-id]')];
      const order = items.map((el) => (el.classList.contains('file') ? 'the file' : el.querySelector('p')!.textContent));
      expect(order.slice(-3)).to.deep.equal(['Here is the report', 'the file', 'Sent it?']);
      expect(horizontalOverflow(shell)).to.deep.equal([]);
      expect(smallControls(shell)).to.deep.equal([]);
      expect(await seriousAxeViolations()).to.deep.equal([]);
      // The log opens at its newest: the card is whole in the log's view, its buttons too.
      const scroller = log.shadowRoot!.querySelector('[role=log]')!.getBoundingClientRect();
      const inView = (el: Element) => {
        const box = el.getBoundingClientRect();
        return box.top >= scroller.top - 0.5 && box.bottom <= scroller.bottom + 0.5 && box.left >= -0.5 && box.right <= window.innerWidth + 0.5;
      };
      const card = allElements(shell).find((el) => el.localName === 'tc-transfer-card')!;
      expect(inView(card), 'the card is whole in view').to.equal(true);
      const accept = button(shell, 'Accept report.pdf');
      const decline = button(shell, 'Decline report.pdf');
      expect([inView(accept), inView(decline)]).to.deep.equal([true, true]);
      // The keyboard: from the log, Tab reaches "Accept", then "Decline"; Enter accepts.
      (log as HTMLElement & { focusLog(): void }).focusLog();
      await sendKeys({ press: 'Tab' });
      expect(focused()).to.equal(accept);
      await sendKeys({ press: 'Tab' });
      expect(focused()).to.equal(decline);
      await sendKeys({ down: 'Shift' });
      await sendKeys({ press: 'Tab' });
      await sendKeys({ up: 'Shift' });
      await sendKeys({ press: 'Enter' });
      expect(app.called('acceptFile')).to.deep.equal([[offer.fileId]]);
    } finally {
      await useView('desktop', 'light');
    }
  });

  it('every control of many transfers has a name of its own', async () => {
    await mountChat(chatWith(transfersOfEveryKind));
    const names = (await accessibilityTree()).filter((n) => ['button', 'link'].includes(n.role) && n.name !== 'Attach file').map((n) => n.name);
    const repeated = names.filter((name, i) => names.indexOf(name) !== i);
    expect(repeated, names.join(' | ')).to.deep.equal([]);
    expect(names).to.include.members(['Accept holiday-photos-2031-the-whole-week-at-the-lake-with-everyone-in-it.zip', 'Cancel transfer of report.pdf', 'Cancel transfer of slides.key', 'Remove draft.docx']);
  });

  it('says plainly how each transfer ended, and a mismatching file is never shown as complete', async () => {
    const cases: [Partial<FileTransferView>, string][] = [
      [{ direction: 'out', state: 'declined', code: 'FILE_DECLINED' }, 'Bob declined the file.'],
      [{ state: 'cancelled', code: 'FILE_CANCELLED' }, 'The transfer was cancelled.'],
      [{ state: 'failed', code: 'FILE_DISK_FULL' }, 'There was not enough storage space on this device for this file.'],
      [{ direction: 'out', state: 'failed', code: 'FILE_DISK_FULL' }, "Bob's device ran out of storage space for this file."],
      [{ state: 'interrupted', code: 'FILE_CONNECTION_LOST' }, 'The connection was lost. It continues from where it stopped when you and Bob connect again.'],
      [{ state: 'failed', code: 'FILE_CHANGED' }, "The file changed on Bob's device after it was offered"],
      [{ direction: 'out', state: 'failed', code: 'FILE_CHANGED' }, 'The file changed on this device after you offered it'],
      [{ state: 'failed', code: 'FILE_HASH_MISMATCH', bytes: 50_000_000 }, 'What arrived does not match the file that was offered, so it was thrown away.'],
      [{ direction: 'out', state: 'interrupted', code: 'FILE_SOURCE_MISSING' }, 'Choose the same file again to continue.'],
      // A group's file asked of a sender's page that was reloaded before any member had a copy.
      [{ direction: 'out', state: 'interrupted', code: 'FILE_SOURCE_MISSING', inGroup: true }, 'Choose the same file again to continue.'],
    ];
    const transfers = cases.map(([patch], i) => transfer({ name: `case-${i}.bin`, ...patch }));
    const { shell } = await mountChat(chatWith(transfers));
    cases.forEach(([, sentence], i) => expect(cardText(shell, `case-${i}.bin`), `case ${i}`).to.include(sentence));
    const mismatch = cardText(shell, 'case-7.bin');
    expect(mismatch).not.to.include('Received');
    expect(allElements(shell).some((el) => nameOf(el).startsWith('Save case-7'))).to.equal(false);
    // The sender whose page lost the file chooses it again with a named file input.
    const tree = await accessibilityTree();
    expect(tree.some((n) => n.role === 'button' && n.name === 'Choose the file again (case-8.bin)')).to.equal(true);
    expect(tree.some((n) => n.role === 'button' && n.name === 'Choose the file again (case-9.bin)')).to.equal(true);
  });

  it('a received picture: a preview of decoded pixels named after it, kept sealed, and "Save <name>"; an SVG gets no preview', async () => {
    const picture = transfer({ name: 'scan.png', state: 'done', size: 1, bytes: 1, mime: 'image/png', fileId: 'picturepicture01' });
    const svg = transfer({ name: 'drawing.svg', state: 'done', size: 1, bytes: 1, mime: 'image/svg+xml', fileId: 'svgsvgsvgsvgsv01' });
    const files: Record<string, FileSource> = {
      [picture.fileId]: await keptFile(await pngOf(900, 600)),
      [svg.fileId]: await keptFile(new Blob(['<svg xmlns="http://www.w3.org/2000/svg"><script>parent.svgRan = 1</script></svg>'])),
    };
    const app = new FixtureApp(chatWith([{ ...picture, finishedRef: 'opfs:picturepicture01' }, { ...svg, finishedRef: 'opfs:svgsvgsvgsvgsv01' }]));
    app.script['openReceivedFile'] = (fileId: string) => files[fileId];
    app.script['saveFile'] = () => undefined; // the download itself is the e2e test's (test/e2e/files.test.mjs)
    const shell = await mountShell(app);
    await waitFor(() => allElements(shell).some((el) => el.localName === 'img' && el.getAttribute('alt') === 'scan.png' && (el as HTMLImageElement).complete), shell, 'a preview');
    const images = allElements(shell).filter((el): el is HTMLImageElement => el instanceof HTMLImageElement && !el.src.endsWith('logo.svg'));
    expect(images.map((img) => img.alt)).to.deep.equal(['scan.png']);
    expect(images[0]!.src).to.match(/^blob:/);
    expect(images[0]!.naturalWidth).to.equal(320); // re-encoded and scaled down: never the file itself
    // The thumbnail is handed to the app to keep (sealed in the vault); none for the SVG.
    const kept = app.called('keepThumbnail') as [string, Thumbnail][];
    expect(kept.map(([fileId, t]) => [fileId, t.width, t.height, /^image\/(webp|png)$/.test(t.type), t.bytes.length > 0])).to.deep.equal([[picture.fileId, 320, 213, true, true]]);
    const tree = await accessibilityTree();
    expect(tree.some((n) => n.role === 'image' && n.name === 'scan.png')).to.equal(true);
    expect(tree.filter((n) => n.name === 'Save drawing.svg' || n.name === 'Save scan.png').map((n) => n.role)).to.deep.equal(['button', 'button']);
    button(shell, 'Save drawing.svg').click();
    await settle(shell);
    expect(app.called('saveFile')).to.deep.equal([[svg.fileId]]);
    expect((window as { svgRan?: number }).svgRan).to.equal(undefined);
  });

  it('a "picture" taken without asking: asked about when its first bytes are not one, and said so when it does not decode', async () => {
    const paused = transfer({ name: 'page.png', mime: 'image/png', code: 'FILE_NOT_A_PICTURE' });
    // PNG's first bytes, then nothing a decoder can read.
    const broken = transfer({ name: 'broken.png', state: 'done', size: 64, bytes: 64, mime: 'image/png', asPicture: true, fileId: 'brokenpicture001', finishedRef: 'opfs:brokenpicture001' });
    const head = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 8, 0, 0, 0, 8);
    const app = new FixtureApp(chatWith([paused, broken]));
    app.script['openReceivedFile'] = async () => keptFile(new Blob([head, new Uint8Array(40).fill(7)]));
    const shell = await mountShell(app);
    expect(cardText(shell, 'page.png')).to.include('Bob sent this as a picture, but it is not one. Accept it only if you expected this file.');
    const tree = await accessibilityTree();
    expect(tree.filter((n) => n.role === 'button' && (n.name === 'Accept page.png' || n.name === 'Decline page.png')).length).to.equal(2);
    button(shell, 'Accept page.png').click();
    expect(app.called('acceptFile')).to.deep.equal([[paused.fileId]]);
    await waitFor(() => cardText(shell, 'broken.png').includes('it does not open as one'), shell, 'the decode failure said');
    expect(cardText(shell, 'broken.png')).to.include('This was taken as a picture, but it does not open as one. Save it only if you expected this file.');
    expect(allElements(shell).some((el) => el instanceof HTMLImageElement && el.alt === 'broken.png')).to.equal(false);
  });

  it('a picture sent before a reload shows its kept thumbnail, without the file', async () => {
    const sent = transfer({ name: 'holiday.jpg', direction: 'out', state: 'done', size: 3_000_000, bytes: 3_000_000, mime: 'image/jpeg', fileId: 'sentpicture00001' });
    const preview = await pngOf(320, 240);
    const app = new FixtureApp(chatWith([sent]));
    app.script['thumbnail'] = (fileId: string): Thumbnail | undefined =>
      fileId === sent.fileId ? { type: 'image/png', bytes: thumbnailBytes, width: 320, height: 240 } : undefined;
    const thumbnailBytes = new Uint8Array(await preview.arrayBuffer());
    const shell = await mountShell(app);
    await waitFor(() => allElements(shell).some((el) => el.localName === 'img' && el.getAttribute('alt') === 'holiday.jpg' && (el as HTMLImageElement).complete), shell, 'the kept preview');
    const img = allElements(shell).find((el): el is HTMLImageElement => el instanceof HTMLImageElement && el.alt === 'holiday.jpg')!;
    expect([img.naturalWidth, img.naturalHeight]).to.deep.equal([320, 240]);
    expect(app.called('openReceivedFile')).to.deep.equal([]);
    expect(app.called('keepThumbnail')).to.deep.equal([]);
  });

  it('"Attach file" is the file input, named; it sends what is picked, and says why not while offline', async () => {
    const { shell, app } = await mountChat(chatWith([]));
    app.script['sendFile'] = () => 'sentsentsent0001';
    const tree = await accessibilityTree();
    expect(tree.filter((n) => n.name === 'Attach file').map((n) => n.role)).to.deep.equal(['button']);
    const input = control<HTMLInputElement>(shell, 'input[type=file]', 'Attach file');
    const picked = new DataTransfer();
    picked.items.add(new File(['hello world'], 'hello.txt', { type: 'text/plain' }));
    input.files = picked.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
    await settle(shell);
    const [[source, name, mime]] = app.called('sendFile') as [[FileSource, string, string]];
    expect([name, mime, source.size]).to.deep.equal(['hello.txt', 'text/plain', 11]);
    expect(new TextDecoder().decode(await source.read(6, 5))).to.equal('world');
    // The keyboard reaches it from the message box.
    textbox(shell, 'Message').focus();
    await sendKeys({ down: 'Shift' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ up: 'Shift' });
    expect(focused()).to.equal(input);

    // Carol is not connected: the picker does not open, and the composer says why.
    app.set({ activeId: 'carol', open: { id: 'carol', messages: [], hasOlder: false, hasNewer: false } });
    await settle(shell);
    const offline = control<HTMLInputElement>(shell, 'input[type=file]', 'Attach file');
    const click = new MouseEvent('click', { bubbles: true, cancelable: true });
    offline.dispatchEvent(click);
    expect(click.defaultPrevented).to.equal(true);
    expect(app.called('showError')).to.deep.equal([['FILE_NEEDS_CONNECTION', 'composer']]);
  });

  it('files dropped on the conversation or pasted into the message box are sent; pasted text stays text', async () => {
    const { shell, app } = await mountChat(chatWith([]));
    const chat = allElements(shell).find((el) => el.localName === 'tc-chat-screen')!;
    const dropped = new DataTransfer();
    dropped.items.add(new File([new Uint8Array(5)], 'dropped.bin', { type: '' }));
    const over = new DragEvent('dragover', { dataTransfer: dropped, bubbles: true, cancelable: true, composed: true });
    chat.dispatchEvent(over);
    expect(over.defaultPrevented).to.equal(true);
    await settle(shell);
    expect(chat.shadowRoot!.querySelector('.drop')?.textContent).to.equal('Drop files here to send them to Bob');
    chat.dispatchEvent(new DragEvent('drop', { dataTransfer: dropped, bubbles: true, cancelable: true, composed: true }));
    await settle(shell);
    expect(chat.shadowRoot!.querySelector('.drop')).to.equal(null);

    const box = textbox(shell, 'Message');
    const pasted = new DataTransfer();
    pasted.items.add(new File([await pngOf(4, 4)], 'image.png', { type: 'image/png' }));
    const paste = new ClipboardEvent('paste', { clipboardData: pasted, bubbles: true, cancelable: true, composed: true });
    box.dispatchEvent(paste);
    expect(paste.defaultPrevented).to.equal(true);
    const text = new DataTransfer();
    text.setData('text/plain', 'just words');
    const textPaste = new ClipboardEvent('paste', { clipboardData: text, bubbles: true, cancelable: true, composed: true });
    box.dispatchEvent(textPaste);
    expect(textPaste.defaultPrevented).to.equal(false);
    await settle(shell);
    expect(app.called('sendFile').map(([, name, mime]) => [name, mime])).to.deep.equal([['dropped.bin', ''], ['image.png', 'image/png']]);
  });

  it('Settings: which pictures are accepted without asking', async () => {
    const app = new FixtureApp({ ...mainState, conversations: [bob], autoAcceptImageBytes: 5_000_000 });
    const shell = await mountShell(app);
    shell.dispatchEvent(new CustomEvent('tc-navigate', { detail: { view: 'settings' } }));
    // The settings screen is a chunk of its own, loaded on the way there.
    await waitFor(() => allElements(shell).some((el) => el.localName === 'tc-settings-screen' && !!el.shadowRoot?.querySelector('input[type=radio]')), shell, 'the settings screen');
    const radio = (name: string) => control<HTMLInputElement>(shell, 'input[type=radio]', name);
    expect(radio('Pictures up to 5 MB').checked).to.equal(true);
    radio('Never: always ask').click();
    radio('Pictures up to 25 MB').click();
    expect(app.called('setAutoAcceptImages')).to.deep.equal([[0], [25_000_000]]);
  });

  it('Settings: how much the received files kept here take, and what the browser allows', async () => {
    const transfers = [
      transfer({ name: 'a.bin', state: 'done', size: 30_000_000, bytes: 30_000_000 }),
      transfer({ name: 'b.png', state: 'done', size: 2_500_000, bytes: 2_500_000, mime: 'image/png' }),
      transfer({ name: 'c.bin', state: 'offered', size: 99_000_000 }),
      transfer({ name: 'd.bin', direction: 'out', state: 'done', size: 7_000_000, bytes: 7_000_000 }),
    ];
    const app = new FixtureApp({ ...mainState, conversations: [bob], transfers, storage: { usageBytes: 120_000_000, quotaBytes: 10_000_000_000 } });
    const shell = await mountShell(app);
    shell.dispatchEvent(new CustomEvent('tc-navigate', { detail: { view: 'settings' } }));
    await waitFor(() => allElements(shell).some((el) => el.localName === 'tc-settings-screen' && !!el.shadowRoot?.querySelector('input[type=radio]')), shell, 'the settings screen');
    const screen = allElements(shell).find((el) => el.localName === 'tc-settings-screen')!;
    const text = (screen.shadowRoot!.textContent ?? '').replace(/\s+/g, ' ');
    expect(text).to.include('2 received files (33 MB) kept on this device, sealed like your history.');
    expect(text).to.include('Tincan uses 120 MB of the 10 GB this browser allows it.');
  });
});
