// Mailboxes seen from an unlocked page (docs/mailbox.md §3, §5): this person's own mailbox (the code kept in the
// vault, claimed on the first visit, told the contacts' keys on each visit) and the mailboxes contacts told this page
// about (kept per contact). Each is visited while the page is unlocked, dialed again every retryMs after it drops.
// While a visit is open it is a carrier (chat/carrier.ts MailboxCarrier): the own mailbox reaches every contact, a
// contact's mailbox reaches that contact; delivery hands it what waits for them when their own session is not open.
// What a mailbox holds for this page (collected on each visit, or pushed while visiting) goes to delivery, checked
// there as anything a carrier brings, and is then taken. Settings shows the own mailbox's status.
// Reconnect through a mailbox (docs/mailbox.md §6): a visit that finds a contact present there who is not connected
// sends it a one-code reconnect code sealed to its key (chat/mailbox-signal.ts), and another when one has not
// connected within reconnectSignalValidMs; a page given one opens it as if pasted, and connects with no code shown.
// When both sent at once, the code of the lower identity key is the one used.
// "Let <name> use my mailbox" off (docs/mailbox.md §5): that contact is not told the code (told to forget it instead),
// and the own mailbox is not told its key, so it refuses that contact from its next visit on.
// "Remove mailbox" (docs/mailbox.md §5): a mailbox visited now is told to serve no one; each connected contact is told
// to forget it at once, every other contact at its next connection (who is still to be told is kept in the vault).
// DOM-free: the platform dials (net/direct-dial.ts).
import { Emitter } from '../events';
import { isTincanError, type ErrorCode } from '../errors';
import type { Identity } from '../crypto/identity';
import { MailboxCarrier, type Carrier } from '../chat/carrier';
import type { CarriedItem } from '../chat/frames';
import { MailboxClient } from '../chat/mailbox-client';
import { openSignal, sealSignal, SignalFreshness, type OpenedSignal, type SignalRefusal } from '../chat/mailbox-signal';
import { fromBase64Url, toBase64Url } from '../crypto/bytes';
import { getSodium } from '../crypto/sodium';
import type { HeldItem } from '../chat/mailbox-protocol';
import { decodeMailboxCode, encodeMailboxCode, type MailboxCode } from '../invite/mailbox-code';
import type { DirectAddress, DirectChannel } from '../net/direct-channel';
import type { SealedCollection } from '../store/sealed-collection';

export const mailboxCollectionName = 'mailbox';
export const contactMailboxesCollectionName = 'contact-mailboxes';
const codeRecordId = 'code';
/** The contact ids still to be told to forget a removed mailbox (a list of strings, in the own mailbox's collection). */
const forgetRecordId = 'forget';
/** The signals' nonces seen within their window (SignalFreshness.remembered), so a replay after a reload is refused. */
const seenSignalsRecordId = 'seen-signals';
/** "Remove mailbox" waits this long for the mailbox to confirm it serves no one before letting go of it anyway. */
export const mailboxLetGoMs = 5_000;
/** A mailbox that went away (or cannot be reached) is dialed again this often while the page is unlocked. */
export const mailboxRetryMs = 30_000;
/**
 * A contact's mailbox that refused this page (its owner has not told it about this page yet, stopped sharing it, or
 * removed it) is dialed again after mailboxRetryMs, then twice as long after each further refusal, at most this
 * long: before, it was dialed every 30 s for as long as the page stayed unlocked. A welcome starts over at
 * mailboxRetryMs. Nothing of it is shown: a contact's mailbox has no status on the page.
 */
export const mailboxRefusedRetryMaxMs = 30 * 60_000;

/** How long to wait before dialing a mailbox again after `refusals` refusals in a row (0: it went away). */
export function mailboxRetryDelayMs(refusals: number): number {
  return Math.min(mailboxRetryMs * 2 ** Math.max(0, refusals - 1), mailboxRefusedRetryMaxMs);
}
/**
 * A reconnect code sent through a mailbox that has not connected by then is dropped, and another is sent while this
 * visit lasts and the contact is still not connected (reconnectSignalAttempts in all). A code the contact's page uses
 * connects within a second (docs/mailbox.md §6, the trace after a reload); one that does not was lost or refused: the
 * contact's page still held a dead session with this one, the contact left, ICE failed. Before, it was dropped after
 * 60 s and none followed: the two pages did not connect through the mailbox for as long as both visits stayed open.
 */
export const reconnectSignalValidMs = 15_000;
/** Codes sent to one contact through one visit before giving up until the next visit (a minute in all). */
export const reconnectSignalAttempts = 4;

export type MailboxStatus = 'connected' | 'offline';

export type MailboxKeeperEvents = {
  status: MailboxStatus | undefined;
  error: ErrorCode;
};

export interface MailboxKeeperOptions {
  readonly collection: SealedCollection;
  readonly contactMailboxes: SealedCollection;
  readonly dial: (target: DirectAddress) => Promise<DirectChannel>;
  readonly identity: Identity;
  readonly displayName: string;
  /** Every contact's identity key (base64url) by contact id. */
  readonly contactKeys: () => ReadonlyMap<string, string>;
  /** "Let <name> use my mailbox": whether this contact may know and use the own mailbox. */
  readonly sharesMailbox: (contactId: string) => boolean;
  /** An item a mailbox held for this page. */
  readonly deliver: (item: CarriedItem) => void;
  /** Delivery's carriers (Delivery.addCarrier). */
  readonly addCarrier: (carrier: Carrier) => () => void;
  /** A mailbox took this page's envelope for `member` (Delivery.markHeld). */
  readonly held: (member: string, id: string) => void;
  /** Tells a connected contact the own mailbox's code, or (undefined) to forget it (Messenger.tellMailbox); false when
   * the contact is not connected (nothing was sent). */
  readonly tell: (contactId: string, code: string | undefined) => boolean;
  /** Whether a contact is connected now (nothing to reconnect). */
  readonly isOnline: (contactId: string) => boolean;
  /** A one-code reconnect code for a contact (Pairing.reconnect), and how to drop it; undefined when none can be made. */
  readonly reconnectCode: (contactId: string) => Promise<{ readonly code: string; readonly cancel: () => void } | undefined>;
  /** Opens a reconnect code a contact sent through a mailbox (as if pasted: it connects silently or throws). */
  readonly useReconnectCode: (contactId: string, code: string) => Promise<void>;
  /** The clock signals are stamped and checked with (tests move it). */
  readonly now?: () => number;
  /** reconnectSignalValidMs (tests shorten it). */
  readonly reconnectSignalValidMs?: number;
}

/** Why a signal a mailbox forwarded was dropped: its seal or time (chat/mailbox-signal.ts), its sender, its code. */
export type SignalDrop = SignalRefusal | 'not-a-contact' | 'unusable';

/** Reconnect codes this page sent through a mailbox and not yet connected: contact id -> how to drop it. */
type SentSignals = Map<string, () => void>;

/** One mailbox visited while the page is unlocked: dial, the visit, its carrier, again after it drops. */
class MailboxVisitor {
  client?: MailboxClient;
  private retry?: ReturnType<typeof setTimeout>;
  /** Refusals in a row since the last welcome (mailboxRetryDelayMs). */
  private refusals = 0;
  private removeCarrier?: () => void;
  private isStopped = false;

  constructor(
    readonly code: MailboxCode,
    private readonly options: MailboxKeeperOptions,
    /** Whom this mailbox carries to: contact id -> key. */
    private readonly targets: () => ReadonlyMap<string, string>,
    private readonly onChange: () => void,
    /** The own mailbox: its contacts are told on each visit. */
    private readonly isOwn: boolean,
    private readonly sent: SentSignals,
    /** The page's one check of signals' times and nonces (shared by every mailbox it visits, kept across a reload). */
    private readonly checkSignal: (signal: OpenedSignal) => Promise<SignalRefusal | undefined>,
    private readonly onBadSignal: (reason: SignalDrop) => void,
  ) {}

  get isOpen(): boolean {
    return !!this.client?.isOpen;
  }

  /** One visit; resolves false (and says why through onError) when it could not be made. */
  async visit(onError: (code: ErrorCode) => void = () => undefined): Promise<boolean> {
    if (this.isStopped) return false;
    const { code, options } = this;
    let client: MailboxClient;
    try {
      const channel = await options.dial({ address: code.address, port: code.port, fingerprint: code.fingerprint });
      client = new MailboxClient(channel, {
        identity: options.identity,
        displayName: options.displayName,
        mailboxKey: code.identityKey,
        ...(code.claim ? { claim: code.claim } : {}),
      });
      if (this.isStopped) {
        client.close();
        return false;
      }
      this.client = client;
      await client.whenReady();
    } catch (error) {
      this.client = undefined;
      const reason = isTincanError(error) && error.code.startsWith('MAILBOX_') ? error.code : 'MAILBOX_UNREACHABLE';
      onError(reason);
      // The own mailbox refusing this page is final; a contact's may not have been told about this page yet: it is
      // asked again less and less often.
      const isRefusal = reason === 'MAILBOX_REFUSED' || reason === 'MAILBOX_WRONG_KEY';
      if (isRefusal) this.refusals++;
      if (!this.isOwn || !isRefusal) this.scheduleRetry();
      this.onChange();
      return false;
    }
    this.refusals = 0;
    client.on('held', (items) => this.take(client, items));
    client.on('present', (keys) => void this.signalPresent(client, keys));
    client.on('signal', ({ from, payload }) => void this.receiveSignal(from, payload));
    if (client.present) void this.signalPresent(client, client.present);
    client.on('closed', () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.removeCarrier?.();
      this.removeCarrier = undefined;
      this.onChange();
      this.scheduleRetry();
    });
    this.onChange();
    if (this.isOwn) await client.setContacts([...this.targets().values()]);
    this.removeCarrier = this.options.addCarrier(new MailboxCarrier(this.isOwn ? 'self' : [...this.targets().keys()][0] ?? '', () => this.client, this.targets, this.options.held));
    this.take(client, await client.collect());
    return true;
  }

  tellContacts(): void {
    if (this.isOwn && this.client?.isOpen) void this.client.setContacts([...this.targets().values()]);
  }

  /** The own mailbox, visited now, serves no one from now on (its contacts' next requests are refused); resolves once
   * it said so, or could not, or after mailboxLetGoMs. */
  async serveNoOne(): Promise<void> {
    if (!this.isOwn || !this.client?.isOpen) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.client.setContacts([]), new Promise((resolve) => (timer = setTimeout(resolve, mailboxLetGoMs)))]);
    clearTimeout(timer);
  }

  stop(): void {
    this.isStopped = true;
    clearTimeout(this.retry);
    this.removeCarrier?.();
    this.removeCarrier = undefined;
    const client = this.client;
    this.client = undefined;
    client?.close();
  }

  /** Contact id of a key this mailbox carries to. */
  private contactOf(key: string): string | undefined {
    for (const [contactId, contactKey] of this.targets()) if (contactKey === key) return contactId;
    return undefined;
  }

  /** Each contact present at the mailbox and not connected gets a reconnect code, sealed to its key. */
  private async signalPresent(client: MailboxClient, keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      const contactId = this.contactOf(key);
      if (contactId) await this.signalContact(client, key, contactId, 1);
    }
  }

  /**
   * One reconnect code to a contact present at the mailbox, unless it is connected or a code is out to it already.
   * One not connected within reconnectSignalValidMs is dropped and, while this visit lasts and the contact is still
   * not connected, another is sent (up to reconnectSignalAttempts).
   */
  private async signalContact(client: MailboxClient, key: string, contactId: string, attempt: number): Promise<void> {
    const { options } = this;
    if (options.isOnline(contactId) || this.sent.has(contactId)) return;
    // Held from now on, so a second `present` (the mailbox says it after each welcome) does not make another.
    const pending = (): void => undefined;
    this.sent.set(contactId, pending);
    const made = await options.reconnectCode(contactId).catch(() => undefined);
    const payload = made && sealSignal(await getSodium(), options.identity, fromBase64Url(key), made.code, (options.now ?? Date.now)());
    if (this.sent.get(contactId) !== pending || !made || !payload || !client.signal(key, payload)) {
      // Connected meanwhile, or could not be sent.
      if (this.sent.get(contactId) === pending) this.sent.delete(contactId);
      made?.cancel();
      return;
    }
    const timer = setTimeout(() => {
      if (this.sent.get(contactId) !== drop) return;
      this.sent.delete(contactId);
      made.cancel();
      if (attempt < reconnectSignalAttempts && this.client === client && client.isOpen) void this.signalContact(client, key, contactId, attempt + 1);
    }, options.reconnectSignalValidMs ?? reconnectSignalValidMs);
    const drop = (): void => {
      clearTimeout(timer);
      made.cancel();
    };
    this.sent.set(contactId, drop);
  }

  /**
   * A signal forwarded by the mailbox: untrusted until its sender, seal, time and code check out (a bad one is counted
   * with why, and nothing is tried: a replayed or stale one makes no connection attempt).
   */
  private async receiveSignal(from: string, payload: string): Promise<void> {
    const { options } = this;
    const contactId = this.contactOf(from);
    if (!contactId) return this.onBadSignal('not-a-contact');
    if (options.isOnline(contactId)) return;
    const opened = openSignal(await getSodium(), options.identity, fromBase64Url(from), payload);
    if (opened === undefined) return this.onBadSignal('unsealed');
    const refusal = await this.checkSignal(opened);
    if (refusal) return this.onBadSignal(refusal);
    const { code } = opened;
    const ownCode = this.sent.get(contactId);
    if (ownCode) {
      // Both sent at once: the lower key's code is used by both sides, so exactly one connection opens.
      if (toBase64Url(options.identity.publicKey) < from) return;
      ownCode();
      this.sent.delete(contactId);
    }
    await options.useReconnectCode(contactId, code).catch(() => this.onBadSignal('unusable'));
  }

  private take(client: MailboxClient, held: readonly HeldItem[]): void {
    for (const { item } of held) this.options.deliver(item);
    // Taken once handed over: anything delivery could not store yet its sender still has, unacknowledged, and
    // sends again.
    if (held.length) client.taken(held.map((h) => h.id));
  }

  private scheduleRetry(): void {
    if (this.isStopped || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.visit();
    }, mailboxRetryDelayMs(this.refusals));
  }
}

export class MailboxKeeper extends Emitter<MailboxKeeperEvents> {
  private own?: MailboxVisitor;
  /** A mailbox being added ("Add mailbox"): it reads "connected" only once its code is kept and the connected contacts
   * were told it, so a page closed right after it says so has told them (test/e2e/mailbox.test.mjs). */
  private adding?: MailboxVisitor;
  private readonly theirs = new Map<string, MailboxVisitor>();
  /** Per contact: the end of its last `learn` or `forget` (see inTurn). */
  private readonly theirsTurns = new Map<string, Promise<void>>();
  private readonly sent: SentSignals = new Map();
  /** Contacts still to be told to forget a removed mailbox (kept in the vault, forgetRecordId); read by start(). */
  private readonly toForget = new Set<string>();
  private toForgetLoaded: Promise<void> = Promise.resolve();
  /** The end of the last write of the toForget record: each is written after the one before. */
  private toForgetWrite: Promise<void> = Promise.resolve();
  private isDisposed = false;
  /** Signals a mailbox forwarded that were dropped: not from a contact, not sealed to this page, stale or replayed,
   * not a usable code. */
  badSignals = 0;
  /** The same, by why (signalDropped). */
  readonly droppedSignals = new Map<SignalDrop, number>();
  private readonly freshness: SignalFreshness;
  /** The seen signals kept before a reload, taken back at start: checked before any signal is. */
  private seenLoaded: Promise<void> = Promise.resolve();
  /** The end of the last write of the seen signals: each is written after the one before. */
  private seenWrite: Promise<void> = Promise.resolve();

  constructor(private readonly options: MailboxKeeperOptions) {
    super();
    this.freshness = new SignalFreshness(options.now);
  }

  private signalDropped(reason: SignalDrop): void {
    this.badSignals++;
    this.droppedSignals.set(reason, (this.droppedSignals.get(reason) ?? 0) + 1);
  }

  get status(): MailboxStatus | undefined {
    if (!this.own) return undefined;
    return this.own.isOpen && this.own !== this.adding ? 'connected' : 'offline';
  }

  /** At unlock: the own mailbox and the contacts' mailboxes kept in the vault are visited. */
  async start(): Promise<void> {
    this.toForgetLoaded = this.loadToForget();
    this.seenLoaded = this.options.collection.get(seenSignalsRecordId).then(
      (stored) => this.freshness.restore(stored),
      () => undefined, // not readable: a replay within its window is tried once more, and pairing refuses its code
    );
    const stored = await this.options.collection.get(codeRecordId);
    const own = typeof stored === 'string' ? decodeOrUndefined(stored) : undefined;
    if (own && !this.isDisposed) {
      this.own = this.visitor(own, true);
      this.emit('status', this.status);
      void this.own.visit();
    }
    const { records } = await this.options.contactMailboxes.loadAll();
    for (const { id, value } of records) if (typeof value === 'string') this.startTheirs(id, value);
  }

  /** "Add mailbox": throws the code's error; the first visit claims it (MAILBOX_REFUSED: someone else's). */
  async add(text: string): Promise<void> {
    const code = decodeMailboxCode(text);
    this.own?.stop();
    const visitor = this.visitor(code, true);
    this.own = visitor;
    this.adding = visitor;
    this.emit('status', this.status);
    if (!(await visitor.visit((reason) => this.emit('error', reason)))) {
      // Not added: it did not answer as this code's mailbox, or refused this page.
      visitor.stop();
      if (this.adding === visitor) this.adding = undefined;
      if (this.own === visitor) this.own = undefined;
      this.emit('status', this.status);
      return;
    }
    try {
      await this.keepAdded();
    } finally {
      if (this.adding === visitor) this.adding = undefined;
      this.emit('status', this.status);
    }
  }

  /** The mailbox just added answered: its code is kept and handed to every connected contact. */
  private async keepAdded(): Promise<void> {
    // Kept without the claim: it was used, and the code is what the page hands to its contacts.
    await this.options.collection.put(codeRecordId, this.ownCodeForContacts()!);
    // The new code replaces, for each contact told it, the removed one: nothing is left to forget.
    await this.toForgetLoaded;
    if (this.toForget.size) {
      this.toForget.clear();
      await this.writeToForget();
    }
    for (const contactId of this.options.contactKeys().keys()) this.tellContact(contactId);
  }

  /** "Remove mailbox": the mailbox, if visited now, serves no one; connected contacts are told to forget it, the others
   * are kept to be told at their next connection (written before the code is erased, so a reload still tells them). */
  async remove(): Promise<void> {
    const own = this.own;
    if (!own) return this.options.collection.remove(codeRecordId);
    await own.serveNoOne();
    own.stop();
    if (this.own === own) this.own = undefined;
    this.emit('status', this.status);
    await this.toForgetLoaded;
    for (const contactId of this.options.contactKeys().keys()) if (!this.options.tell(contactId, undefined)) this.toForget.add(contactId);
    await this.writeToForget();
    await this.options.collection.remove(codeRecordId);
  }

  /** A contact connected: it learns the own mailbox (if any), or to forget a removed one; a reconnect code sent to it
   * is done with. */
  tellContact(contactId: string): void {
    this.sent.delete(contactId);
    this.tellCodeOrForget(contactId);
    void this.toForgetLoaded.then(() => {
      if (this.own || !this.toForget.has(contactId) || !this.options.tell(contactId, undefined)) return;
      this.toForget.delete(contactId);
      return this.writeToForget();
    }).catch(() => undefined); // not written: said again at the next connection, which does no harm
  }

  /** "Let <name> use my mailbox" changed (the contact record already says so): the mailbox serves the new list, and
   * the contact, if connected, is told the code or to forget it. */
  shareChanged(contactId: string): void {
    this.tellContacts();
    this.tellCodeOrForget(contactId);
  }

  /** The contacts changed: the own mailbox serves the new list from now on. */
  tellContacts(): void {
    this.own?.tellContacts();
  }

  /** A contact told this page to forget its mailbox: no longer visited, and its code is erased from the vault. */
  forget(contactId: string): Promise<void> {
    return this.inTurn(contactId, async () => {
      const visitor = this.theirs.get(contactId);
      visitor?.stop();
      this.theirs.delete(contactId);
      // Said on every connection while off: no write when there is nothing to erase.
      if (visitor || (await this.options.contactMailboxes.get(contactId)) !== undefined) await this.options.contactMailboxes.remove(contactId);
    });
  }

  /** A contact told its mailbox: kept, and visited from now on. */
  learn(contactId: string, text: string): Promise<void> {
    return this.inTurn(contactId, async () => {
      const visiting = this.theirs.get(contactId);
      if (visiting && encodeMailboxCode(visiting.code) === text) return;
      if (!decodeOrUndefined(text)) return;
      await this.options.contactMailboxes.put(contactId, text);
      this.startTheirs(contactId, text);
    });
  }

  /** One contact's `learn` and `forget` run one after the other, in the order told: a `learn` whose write is still
   * pending cannot start a visit after the `forget` that followed it. */
  private inTurn(contactId: string, step: () => Promise<void>): Promise<void> {
    const turn = (this.theirsTurns.get(contactId) ?? Promise.resolve()).then(step);
    const last = turn.catch(() => undefined);
    this.theirsTurns.set(contactId, last);
    void last.then(() => {
      if (this.theirsTurns.get(contactId) === last) this.theirsTurns.delete(contactId);
    });
    return turn;
  }

  dispose(): void {
    this.isDisposed = true;
    this.own?.stop();
    for (const visitor of this.theirs.values()) visitor.stop();
    this.theirs.clear();
    this.removeAllListeners();
  }

  /** The own mailbox's code to a contact who may use it, "forget it" to one who may not; nothing without a mailbox.
   * "Forget" is said on every connection while off: it may have been told before, while it was on. */
  private tellCodeOrForget(contactId: string): void {
    const code = this.ownCodeForContacts();
    if (code) this.options.tell(contactId, this.options.sharesMailbox(contactId) ? code : undefined);
  }

  /** Contacts the own mailbox serves: those who may use it. */
  private sharedContactKeys(): ReadonlyMap<string, string> {
    return new Map([...this.options.contactKeys()].filter(([contactId]) => this.options.sharesMailbox(contactId)));
  }

  /** The list of contacts still to be told "forget it", read and checked: a list of strings, contacts of this page. */
  private async loadToForget(): Promise<void> {
    const stored = await this.options.collection.get(forgetRecordId);
    if (!Array.isArray(stored)) return;
    const contacts = this.options.contactKeys();
    for (const contactId of stored) if (typeof contactId === 'string' && contacts.has(contactId)) this.toForget.add(contactId);
  }

  /**
   * A signal's time and nonce checked against the ones seen, this session's and those kept before a reload; a fresh
   * one is remembered and written (after any write before it) before its code is used.
   */
  private async checkSignal(signal: OpenedSignal): Promise<SignalRefusal | undefined> {
    await this.seenLoaded;
    const refusal = this.freshness.accept(signal);
    if (refusal) return refusal;
    const remembered = this.freshness.remembered();
    this.seenWrite = this.seenWrite.then(() => this.options.collection.put(seenSignalsRecordId, remembered)).catch(() => undefined);
    await this.seenWrite;
    return undefined;
  }

  /** Writes toForget as it is now, after any write before it; no record once it is empty. */
  private writeToForget(): Promise<void> {
    const write = this.toForgetWrite.then(() =>
      this.toForget.size ? this.options.collection.put(forgetRecordId, [...this.toForget]) : this.options.collection.remove(forgetRecordId),
    );
    this.toForgetWrite = write.catch(() => undefined);
    return write;
  }

  private ownCodeForContacts(): string | undefined {
    if (!this.own) return undefined;
    const { claim: _claim, ...forContacts } = this.own.code;
    return encodeMailboxCode(forContacts);
  }

  private startTheirs(contactId: string, text: string): void {
    const code = decodeOrUndefined(text);
    if (!code || this.isDisposed) return;
    this.theirs.get(contactId)?.stop();
    const visitor = new MailboxVisitor(
      code,
      this.options,
      () => {
        const key = this.options.contactKeys().get(contactId);
        return new Map(key ? [[contactId, key]] : []);
      },
      () => undefined,
      false,
      this.sent,
      (signal) => this.checkSignal(signal),
      (reason) => this.signalDropped(reason),
    );
    this.theirs.set(contactId, visitor);
    void visitor.visit();
  }

  private visitor(code: MailboxCode, isOwn: boolean): MailboxVisitor {
    return new MailboxVisitor(code, this.options, () => this.sharedContactKeys(), () => this.emit('status', this.status), isOwn, this.sent, (signal) => this.checkSignal(signal), (reason) => this.signalDropped(reason));
  }
}

function decodeOrUndefined(text: string): MailboxCode | undefined {
  try {
    return decodeMailboxCode(text);
  } catch {
    return undefined; // a damaged record or frame: as if no mailbox was told
  }
}
