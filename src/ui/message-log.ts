// <tc-message-log>: the open conversation's messages, role "log" named "Messages". It renders only the window
// the app holds (AppState.open: at most a few pages, never the whole history), with the conversation's files among
// the messages at their time, each as its card (<tc-transfer-card>; app/message-window.ts withFilesAtTheirTime says
// where: a finished file whose time is in a page not loaded waits for that page, one to act on or still moving sits
// at the end of the window meanwhile). It asks for the page before it when
// the person scrolls near the top (tc-load-older) and for the page after it near the bottom while there is one
// (tc-load-newer), keeps the message under the person's eyes in place when pages are put above or taken away, and
// follows new messages when the person is at the bottom.
//
// Nothing on the path of a new message reads layout (issue 17: reading geometry before and after each render forced
// two synchronous layouts of the whole window per message). Whether the person is at the bottom is known from their
// last scroll; while they are, a ResizeObserver on the messages follows the log's growth after the browser's own
// layout, and only a person who scrolled away has the message under their eyes measured before a render. Each
// message is contained (CSS containment), so a new one or a new tick does not lay out the others again.
//
// The log is NOT a live region (aria-live="off"): a live log makes the accessibility tree re-serialise the whole
// list on every update, which cost seconds per message in long conversations (issue 10). New incoming messages
// are read out instead through a separate, small polite region, one short text each ("Bob: hello"); a file Bob
// offers is read out there once, when its card first shows ("Bob sends a file: report.pdf"), and its card's status
// line says what happens to it next.
//
// The window is a keyed repeat(): lit-html is pinned to 3.3.0 (package.json "overrides") because 3.3.1-3.3.3 leave
// a comment node behind for every item that leaves it (https://github.com/lit/lit/issues/5298; tested).
//
// A peer's text is only ever text (Lit escapes it; nothing becomes markup). Links are http(s) only, shown in full,
// opened in a new tab without an opener or a referrer. Rendering never throws on any value a damaged record or a
// hostile peer can produce: unreadable records say so, and times go through message-format.ts's guard.
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { guard } from 'lit/directives/guard.js';
import { repeat } from 'lit/directives/repeat.js';
import type { ChatMessage, FileTransferView } from '../app/app-state';
import { isFileItem, withFilesAtTheirTime, type LogItem } from '../app/message-window';
import { emit } from './events';
import { isoTime, messageTime, splitLinks, type TextPart } from './message-format';
import { announceText, callText, chatText, groupText } from './messages';
import { controlStyles } from './shared-styles';
import type { TransferCard } from './transfer-card';
import './transfer-card';

/** Within this distance of an end, the next page is asked for (about two screens of a phone). */
const loadMarginPx = 600;
/** Within this distance of the bottom, the person counts as reading the newest message. */
const atBottomPx = 48;
/** A page asked for and not delivered by then (an error, say) may be asked for again. */
const loadRetryMs = 3000;
/** Read-outs kept in the live region; older ones are removed (they were announced already). */
const maxAnnouncements = 12;
/** New incoming messages read out one by one per update; beyond that, one line says how many more. */
const maxAnnouncedPerUpdate = 5;
/** Longest text read out per message. */
const maxAnnouncedChars = 240;

interface Anchor {
  readonly id: string;
  /** The anchor message's top, relative to the log's visible top. */
  readonly offsetPx: number;
}

interface Announcement {
  readonly key: number;
  readonly text: string;
}

/** Text parts of a message, computed once per (immutable) message object. */
const partsCache = new WeakMap<ChatMessage, TextPart[]>();

function partsOf(message: ChatMessage): TextPart[] {
  let parts = partsCache.get(message);
  if (!parts) {
    parts = splitLinks(typeof message.text === 'string' ? message.text : String(message.text ?? ''));
    partsCache.set(message, parts);
  }
  return parts;
}

/** A log item's key, and its element's data-id: a message's id, or "file:" and the transfer's id. */
function keyOf(item: LogItem): string {
  return isFileItem(item) ? `file:${item.fileId}` : String(item.id);
}

function uniqueByKey(items: readonly LogItem[]): readonly LogItem[] {
  const seen = new Set<string>();
  const unique: LogItem[] = [];
  for (const item of items) {
    const key = keyOf(item);
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(item);
  }
  return unique.length === items.length ? items : unique;
}

/** The properties whose change changes what the log shows. */
function isItemChange(changed: PropertyValues): boolean {
  return changed.has('messages') || changed.has('transfers') || changed.has('hasOlder') || changed.has('hasNewer');
}

/** Only a transfer's progress moved (the same files in the same states): no item comes, goes or changes its size. */
function isProgressOnly(changed: PropertyValues, transfers: readonly FileTransferView[]): boolean {
  if (changed.has('messages') || changed.has('hasOlder') || changed.has('hasNewer') || !changed.has('transfers')) return false;
  const before = changed.get('transfers') as readonly FileTransferView[] | undefined;
  return !!before && before.length === transfers.length && before.every((t, i) => t.fileId === transfers[i]!.fileId && t.state === transfers[i]!.state);
}

/**
 * @fires tc-load-older - the person scrolled near the oldest message shown, and there are older ones
 * @fires tc-load-newer - the person scrolled near the newest message shown, and there are newer ones
 * @fires tc-select-conversation - "Jump to newest" while the window is in the past (reopens at the newest)
 */
@customElement('tc-message-log')
export class MessageLog extends LitElement {
  static override styles = [
    controlStyles,
    css`
      :host { display: flex; flex-direction: column; min-height: 0; position: relative; }
      .log {
        flex: 1; min-height: 0; overflow-y: auto; overflow-x: hidden; padding: 0.75rem 0.6rem; display: flex;
        flex-direction: column; gap: 0.35rem; position: relative;
        /* Position is kept by hand (see updated); the browser's own scroll anchoring would move it twice. */
        overflow-anchor: none; overscroll-behavior: contain;
      }
      .items { display: flex; flex-direction: column; gap: 0.35rem; }
      .msg { contain: content; max-width: min(85%, 40rem); padding: 0.45rem 0.7rem 0.3rem; border-radius: 14px; overflow-wrap: anywhere; min-width: 0; }
      .msg p { margin: 0; white-space: pre-wrap; }
      .msg .from { display: block; font-size: 0.8rem; font-weight: 600; color: var(--tc-accent-text, var(--tc-accent)); }
      .in { align-self: flex-start; background: var(--tc-bubble-in); border-bottom-left-radius: 4px; }
      .out { align-self: flex-end; background: var(--tc-bubble-out); border-bottom-right-radius: 4px; }
      .unreadable p { font-style: italic; color: var(--tc-muted); }
      .call p { font-style: italic; }
      .meta { display: flex; justify-content: flex-end; align-items: baseline; gap: 0.35rem; font-size: 0.75rem; color: var(--tc-muted); margin-top: 0.1rem; }
      .tick { font-weight: 700; letter-spacing: -0.15em; padding-right: 0.15em; }
      .tick.delivered { color: var(--tc-accent-text); }
      .state { font-weight: 600; color: var(--tc-warn-text); }
      .msg a { color: var(--tc-link); word-break: break-all; }
      /* A file: its card, on the side of whoever sent it, wide enough for its progress bar and buttons. */
      .file { contain: content; width: min(90%, 28rem); flex: none; }
      .file.theirs { align-self: flex-start; }
      .file.mine { align-self: flex-end; }
      .edge, .empty { align-self: center; color: var(--tc-muted); font-size: 0.9rem; margin: 0.5rem 0; }
      .empty { margin: auto; }
      .jump { position: absolute; right: 0.75rem; bottom: 0.75rem; box-shadow: 0 2px 8px rgb(0 0 0 / 0.25); }
    `,
  ];

  /** The conversation shown: a new one starts at its newest message. */
  @property() conversationId = '';
  @property({ attribute: false }) messages: readonly ChatMessage[] = [];
  /** The conversation's file transfers (a two-person conversation's; a group has none): shown at their time. */
  @property({ attribute: false }) transfers: readonly FileTransferView[] = [];
  @property({ type: Boolean }) hasOlder = false;
  @property({ type: Boolean }) hasNewer = false;
  @property() peerName = '';
  /** In a group: each sender's name by identity key (an incoming message names its sender). */
  @property({ attribute: false }) senders?: Readonly<Record<string, string>>;
  @state() private announcements: readonly Announcement[] = [];
  @state() private isAwayFromBottom = false;
  @query('.log') private log?: HTMLElement;
  @query('.items') private items?: HTMLElement;
  private anchor?: Anchor;
  private scrollToBottomNext = true;
  private olderAskedAt?: number;
  private newerAskedAt?: number;
  private announcementKey = 0;
  /** The person is at the bottom (as of the last scroll): a log that changes size stays there. */
  private isPinned = true;
  /**
   * The log's box (a phone's keyboard opens) and its messages (one is added, a tick changes a line): callbacks run
   * after the browser's layout, so following the bottom here reads no stale layout.
   */
  private readonly resizeObserver = new ResizeObserver(() => this.keepPinned());
  /** The messages and files to render: each key once (a duplicated id would confuse keyed rendering). */
  private shown: readonly LogItem[] = [];

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver.disconnect();
  }

  protected override firstUpdated(): void {
    // The log shrinks when a phone's keyboard opens or the header wraps, or its messages grow: the newest message
    // stays in view.
    if (this.log) this.resizeObserver.observe(this.log);
    if (this.items) this.resizeObserver.observe(this.items);
  }

  private keepPinned(): void {
    const log = this.log;
    if (!log) return;
    if (this.isPinned && !this.hasNewer) log.scrollTop = log.scrollHeight;
    // A window shorter than the screen has nothing to scroll: the next page is asked for at once.
    this.checkEdges();
  }

  /** Measured before a render only when the person is away from the live bottom (no layout read on the send path). */
  private get isFollowing(): boolean {
    return this.isPinned && !this.hasNewer;
  }

  /** Moves the keyboard focus into the log (arrow keys and Page Up/Down then scroll it). */
  focusLog(): void {
    this.log?.focus();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const isNewConversation = changed.has('conversationId');
    if (isNewConversation) {
      this.scrollToBottomNext = true;
      this.announcements = [];
      this.olderAskedAt = this.newerAskedAt = undefined;
    }
    if (!isItemChange(changed)) return;
    this.shown = uniqueByKey(withFilesAtTheirTime(this, this.transfers));
    this.anchor = undefined;
    // A progress tick (several a second while a file moves) reads no layout and moves no view.
    if (!isNewConversation && !this.isFollowing && !isProgressOnly(changed, this.transfers)) this.captureScroll();
    if (changed.has('transfers') && !isNewConversation) this.noteNewFiles(changed.get('transfers') as readonly FileTransferView[] | undefined);
    if (!changed.has('messages')) return;
    const previous = changed.get('messages') as readonly ChatMessage[] | undefined;
    if (previous && !isNewConversation) {
      this.announceArrivals(previous, changed.has('hasNewer') ? (changed.get('hasNewer') as boolean) : this.hasNewer);
      // Whoever sends a message wants to see it, wherever the log was (at the bottom, the log follows by itself).
      const last = this.messages.at(-1);
      if (last && last.direction === 'out' && !this.isFollowing && !this.hasNewer && !previous.some((m) => m.id === last.id)) this.scrollToBottomNext = true;
    }
    // A page arrived: the next one may be asked for.
    if (this.messages[0]?.id !== previous?.[0]?.id) this.olderAskedAt = undefined;
    if (this.messages.at(-1)?.id !== previous?.at(-1)?.id) this.newerAskedAt = undefined;
  }

  protected override updated(changed: PropertyValues<this>): void {
    const log = this.log;
    if (!log || !(isItemChange(changed) || changed.has('conversationId'))) return;
    if (this.scrollToBottomNext) {
      log.scrollTop = log.scrollHeight;
      this.scrollToBottomNext = false;
      this.isPinned = true;
      this.afterCards(() => (log.scrollTop = log.scrollHeight));
    } else if (this.anchor) {
      const anchor = this.anchor;
      this.restoreAnchor(anchor);
      this.afterCards(() => this.restoreAnchor(anchor));
    } else {
      // Following the bottom: the ResizeObserver scrolls after the browser's layout, and asks for pages if needed.
      return;
    }
    this.anchor = undefined;
    // A window shorter than the screen: there is nothing to scroll, so ask for more right away.
    this.checkEdges();
  }

  /** Notes which item (message or file) is at the top of the view before the DOM changes (the person scrolled away
   * from the bottom). */
  private captureScroll(): void {
    const log = this.log;
    if (!log) return;
    for (const element of log.querySelectorAll<HTMLElement>('.items > [data-id]')) {
      if (element.offsetTop + element.offsetHeight > log.scrollTop) {
        this.anchor = { id: element.dataset['id'] ?? '', offsetPx: element.offsetTop - log.scrollTop };
        break;
      }
    }
  }

  /**
   * A file card renders after the log (a child's update follows its parent's, in a microtask): once new or changed
   * cards have their height, `then` puts the view where it belongs again, before the browser paints, and before the
   * scroll event that would judge the bottom by the view without them.
   */
  private afterCards(then: () => void): void {
    const cards = [...(this.items?.querySelectorAll<TransferCard>('tc-transfer-card') ?? [])];
    if (cards.some((card) => card.isUpdatePending)) void Promise.all(cards.map((card) => card.updateComplete)).then(then);
  }

  private restoreAnchor(anchor: Anchor): void {
    const log = this.log;
    const element = this.itemElement(anchor.id);
    if (log && element) log.scrollTop = element.offsetTop - anchor.offsetPx;
  }

  private itemElement(id: string): HTMLElement | undefined {
    for (const element of this.log?.querySelectorAll<HTMLElement>('.items > [data-id]') ?? []) if (element.dataset['id'] === id) return element;
    return undefined;
  }

  /**
   * Files that just came into the conversation and show at the live end: one Bob offers is read out once; one this
   * person sends is scrolled to, as a message they send is. A file that was already there and shows because a page
   * was loaded is neither.
   */
  private noteNewFiles(previousTransfers: readonly FileTransferView[] | undefined): void {
    if (!previousTransfers || this.hasNewer) return;
    const known = new Set(previousTransfers.map((t) => t.fileId));
    const arrived = this.shown.filter((item): item is FileTransferView => isFileItem(item) && !known.has(item.fileId));
    if (!arrived.length) return;
    if (arrived.some((t) => t.direction === 'out') && !this.isFollowing) this.scrollToBottomNext = true;
    const offered = arrived.filter((t) => t.direction === 'in');
    if (!offered.length) return;
    const name = this.peerName || chatText.you;
    const texts = offered.slice(0, maxAnnouncedPerUpdate).map((t) => announceText.file(name, t.name));
    if (offered.length > maxAnnouncedPerUpdate) texts.push(announceText.moreFiles(name, offered.length - maxAnnouncedPerUpdate));
    this.announce(texts);
  }

  /**
   * New incoming messages at the live end of the conversation are read out; pages loaded by scrolling are not. A
   * catch-up of more than maxAnnouncedPerUpdate sorted in among messages already shown (a group member back from
   * away: each message at its clock reading, chat/hybrid-clock.ts) is read out as one event, how many arrived; a few
   * sorted in are read as texts, in the order shown.
   */
  private announceArrivals(previous: readonly ChatMessage[], previousHasNewer: boolean): void {
    if (previousHasNewer || this.hasNewer) return;
    const before = new Set(previous.map((m) => m.id));
    const lastBefore = previous.at(-1);
    let start = 0;
    let end = 0;
    if (lastBefore) {
      end = this.messages.findIndex((m) => m.id === lastBefore.id) + 1;
      if (end === 0) return;
      // Above the first message still shown from before: a page loaded by scrolling back, not arrivals.
      start = this.messages.findIndex((m) => before.has(m.id));
    }
    const isArrival = (m: ChatMessage) => m.direction === 'in' && !before.has(m.id);
    const sortedIn = this.messages.slice(start, end).filter(isArrival);
    // In the order shown: a few sorted in (two members writing at once, a clock a little behind) are read as texts.
    const arrived = [...sortedIn, ...this.messages.slice(end).filter(isArrival)];
    const name = this.peerName || chatText.you;
    if (sortedIn.length && arrived.length > maxAnnouncedPerUpdate) return this.announce([announceText.caughtUp(name, arrived.length)]);
    if (!arrived.length) return;
    const texts = arrived.slice(0, maxAnnouncedPerUpdate).map((m) =>
      m.unreadable
        ? announceText.unreadable(name)
        : announceText.message((m.from && this.senders?.[m.from]) || name, m.call ? callText.record(m.call.video, m.call.outcome, m.call.durationMs, m.direction) : String(m.text ?? '').slice(0, maxAnnouncedChars)),
    );
    if (arrived.length > maxAnnouncedPerUpdate) texts.push(announceText.more(name, arrived.length - maxAnnouncedPerUpdate));
    this.announce(texts);
  }

  private announce(texts: readonly string[]): void {
    const added = texts.map((text) => ({ key: ++this.announcementKey, text }));
    this.announcements = [...this.announcements, ...added].slice(-maxAnnouncements);
  }

  private readonly handleScroll = (): void => {
    this.checkEdges();
  };

  /** Asks for the page before or after the window when the view is near that end. */
  private checkEdges(): void {
    const log = this.log;
    if (!log) return;
    const now = Date.now();
    const fromBottom = log.scrollHeight - log.scrollTop - log.clientHeight;
    this.isPinned = fromBottom <= atBottomPx;
    const awayFromBottom = fromBottom > atBottomPx || this.hasNewer;
    if (awayFromBottom !== this.isAwayFromBottom) this.isAwayFromBottom = awayFromBottom;
    if (this.hasOlder && log.scrollTop < loadMarginPx && (this.olderAskedAt === undefined || now - this.olderAskedAt > loadRetryMs)) {
      this.olderAskedAt = now;
      emit(this, 'tc-load-older');
    }
    if (this.hasNewer && fromBottom < loadMarginPx && (this.newerAskedAt === undefined || now - this.newerAskedAt > loadRetryMs)) {
      this.newerAskedAt = now;
      emit(this, 'tc-load-newer');
    }
  }

  private jumpToNewest(): void {
    if (this.hasNewer) {
      // The window is in the past: reopening the conversation loads its newest page.
      emit(this, 'tc-select-conversation', { conversationId: this.conversationId });
      this.scrollToBottomNext = true;
      return;
    }
    const log = this.log;
    if (log) log.scrollTop = log.scrollHeight;
  }

  /** The message's text: one text node when it has no link (most messages), else its parts with links. */
  private textOf(message: ChatMessage) {
    if (message.unreadable) return chatText.unreadable;
    const call = message.call;
    if (call) return callText.record(call.video, call.outcome, call.durationMs, message.direction);
    const parts = partsOf(message);
    if (parts.length === 1 && !('href' in parts[0]!)) return parts[0]!.text;
    return parts.map((part) => ('href' in part ? html`<a href=${part.href} target="_blank" rel="noopener noreferrer">${part.text}</a>` : part.text));
  }

  private renderState(message: ChatMessage) {
    if (message.direction !== 'out' || message.call) return nothing;
    switch (message.state) {
      case 'waiting':
        return html`<span class="state">${chatText.stateWaiting}</span>`;
      case 'sent':
        // In a group: how many of its members have it so far.
        if (message.delivery) return html`<span class="state">${groupText.deliveredTo(message.delivery.acknowledged, message.delivery.members)}</span>`;
        return html`<span class="tick" role="img" aria-label=${chatText.stateSent}>✓</span>`;
      case 'delivered':
        return html`<span class="tick delivered" role="img" aria-label=${chatText.stateDelivered}>✓✓</span>`;
      case 'refused':
        return html`<span class="state">${chatText.stateRefused}</span>`;
      case 'held':
        return html`<span class="state">${chatText.stateHeld(this.peerName)}</span>`;
      default:
        return nothing;
    }
  }

  private renderMessage(message: ChatMessage) {
    const incoming = message.direction !== 'out';
    const datetime = isoTime(message.sentAt);
    const time = messageTime(message.sentAt);
    const sender = incoming && message.from ? this.senders?.[message.from] : undefined;
    const who = `${incoming ? (sender ?? this.peerName) || '' : chatText.you}: `;
    if (sender !== undefined) {
      // A group's message: its sender's name shows above the text.
      return html`<div class="msg in ${message.unreadable ? 'unreadable' : ''}" data-id=${String(message.id)}><span class="from">${sender}<span class="sr-only">: </span></span><p>${this.textOf(message)}</p><div class="meta"><time datetime=${datetime || nothing}>${time}</time></div></div>`;
    }
    // One template, no whitespace between its tags and no nested template for the text or the time: each message is
    // 13-15 DOM nodes (Lit's markers included), so a window of a long conversation stays small (bench/chat.mjs).
    return html`<div class="msg ${incoming ? 'in' : 'out'} ${message.unreadable ? 'unreadable' : ''} ${message.call ? 'call' : ''}" data-id=${String(message.id)}><span class="sr-only">${who}</span><p>${this.textOf(message)}</p><div class="meta"><time datetime=${datetime || nothing}>${time}</time>${this.renderState(message)}</div></div>`;
  }

  /** A file at its time: its card (name, state, progress, buttons) on the side of whoever sent it, and when. */
  private renderFile(transfer: FileTransferView) {
    const datetime = isoTime(transfer.createdAt);
    // In a group, a received file names its sender; one sent names the group.
    const peer = (transfer.from !== undefined && this.senders?.[transfer.from]) || this.peerName;
    return html`<div class="file ${transfer.direction === 'out' ? 'mine' : 'theirs'}" data-id=${keyOf(transfer)}><tc-transfer-card .transfer=${transfer}
      .peerName=${peer}></tc-transfer-card><div class="meta"><time datetime=${datetime || nothing}>${messageTime(transfer.createdAt)}</time></div></div>`;
  }

  protected override render() {
    return html`
      <div class="log" role="log" aria-label=${chatText.messages} aria-live="off" tabindex="0" @scroll=${this.handleScroll}>
        ${this.hasOlder ? html`<p class="edge">${chatText.loadingOlder}</p>` : nothing}
        ${this.shown.length === 0 && !this.hasOlder && !this.hasNewer ? html`<p class="empty">${chatText.empty}</p>` : nothing}
        <div class="items">${repeat(
          this.shown,
          keyOf,
          (item) => (isFileItem(item) ? guard([item, this.peerName, this.senders], () => this.renderFile(item)) : guard([item, this.peerName, this.senders], () => this.renderMessage(item))),
        )}</div>
        ${this.hasNewer ? html`<p class="edge">${chatText.loadingNewer}</p>` : nothing}
      </div>
      ${this.isAwayFromBottom && this.shown.length
        ? html`<button type="button" class="jump" @click=${this.jumpToNewest}>${chatText.jumpToNewest}</button>`
        : nothing}
      <div class="sr-only" aria-live="polite" aria-relevant="additions">
        ${repeat(this.announcements, (a) => a.key, (a) => html`<p>${a.text}</p>`)}
      </div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tc-message-log': MessageLog;
  }
}
