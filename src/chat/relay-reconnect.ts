// Automatic reconnect through relays (docs/relays.md): when this page unlocks, each contact we use relays with who is
// not connected gets a one-code reconnect offer (pairing.ts reconnect, the contact's pinned certificate) sealed by our
// alias for theirs as an ephemeral gift wrap (relay-carrier.ts sendReconnect): relays hand it to a page reading at
// that moment and store nothing. A page that gets one from a contact it is not connected to opens it as if the person
// had opened the code (pairing.ts useCode): the data channel opens with no code shown or sent by hand. It also sends
// its answer code back the same way; the offering page adds the answer's candidates to its waiting link (the one-code
// reconnect's fallback, docs/one-code-reconnect.md: a contact behind a NAT that filters by address is reached so), and
// each page knows the other is reading (relay-presence.ts).
//
// The same starts when a direct link to such a contact is lost while this page stays open (`lost`: the link failed,
// or was found dead when the page came back to the front), not when someone ended it (a bye, Disconnect, a lock).
//
// An offer from a contact this page still reads as connected means the contact lost that link (it offers only when
// not connected): after a change of address one side's browser may notice at once (Firefox 153: its link closed
// within a second) while the other's still reads the link open for 40 s (Chromium 156: ICE `failed` after 15 s, then
// the link's 25 s grace; test/e2e/address-change.test.mjs). So the link is checked (`isAlive`: a ping); one that
// does not answer is closed as lost and the offer taken at once. One that answers stays, and the offer is ignored (it
// was older than this link).
//
// Offers go out again, backing off (offerBackoffMs, doubling up to maxOfferBackoffMs), only while the contact is not
// connected and only while this page is open; nothing at all is sent once connected. When both pages offered (both
// unlocked), the page whose identity key sorts lower keeps its own offer: it sends it again at once (the other page
// is reading: it just sent one) and ignores the other's; the other page drops its own and takes that offer.
//
// Offers are ephemeral: one sent while either page's relay connection was down reached no one. So when a relay this
// page uses is connected again after it was not (`relaysChanged`), each pending offer goes again at once (the same
// code: no new exchange, its back-off goes on; once per offer, so a relay that keeps dropping costs at most one more
// event per back-off), and each contact with none pending gets one (as at unlock). The contact's page does the same
// when its own connection comes back, so an offer lost either way is made good without waiting for the back-off.
import { isTincanError } from '../errors';
import { decodeCode, normalizeCode, type DecodedCode } from '../invite/invite-code';
import type { Exchange } from './pairing';

/** The first resend of an offer no one took; then doubling. */
export const offerBackoffMs = 15_000;
export const maxOfferBackoffMs = 15 * 60_000;

export interface RelayReconnectOptions {
  /** Contacts relays are in use with (relay-carrier.ts reconnectable). */
  readonly contacts: () => readonly string[];
  readonly isOnline: (contactId: string) => boolean;
  /** Checks the contact's open link (peer-session.ts checkAlive): false, and the link closed as lost, when it is dead. */
  readonly isAlive: (contactId: string) => Promise<boolean>;
  /** Whether a one-code reconnect can be made for this contact (a pinned certificate, a browser that keeps one). */
  readonly canOffer: (contactId: string) => boolean;
  /** A one-code reconnect exchange for the contact, marked automatic. */
  readonly offer: (contactId: string) => Promise<Exchange>;
  /** Sends the offer's code to the contact through relays. */
  readonly send: (contactId: string, code: string) => Promise<boolean>;
  /** Opens a contact's offer (automatic: nothing shown); the exchange answering it, if one was made. */
  readonly take: (contactId: string, code: string) => Promise<Exchange | undefined>;
  /** Applies the contact's answer to our offer `exchangeId` (pairing.ts answerAutomatic); throws a TincanError when
   * it is not an answer to that offer. */
  readonly answer: (exchangeId: string, code: string) => Promise<void>;
  readonly cancel: (exchangeId: string) => void;
  /** Whether this device keeps its own offer when both offered (its identity key sorts lower than the contact's). */
  readonly keepsOwnOffer: (contactId: string) => boolean;
}

interface Pending {
  exchange?: Exchange;
  timer?: ReturnType<typeof setTimeout>;
  readonly backoffMs: number;
  /** Sent again once already because a relay came back (relaysChanged). */
  resentOnReturn?: boolean;
}

export class RelayReconnect {
  private readonly pending = new Map<string, Pending>();
  /** The exchange answering the contact's latest offer we took: dropped when a newer one is taken. */
  private readonly taken = new Map<string, Exchange>();
  private stopped = false;
  /** Contacts whose open link is being checked because they offered: its loss starts no offer of ours (theirs is
   * taken). */
  private readonly checking = new Set<string>();
  /** Each relay's status as last told (relaysChanged). */
  private readonly relayStatuses = new Map<string, string>();

  constructor(private readonly options: RelayReconnectOptions) {}

  /** Offers to every contact relays are in use with who is not connected. */
  start(): void {
    for (const contactId of this.options.contacts()) void this.offerTo(contactId);
  }

  /** The relays' statuses changed (relay-carrier.ts `relays`). A relay connected again after it was unreachable (or
   * refused), not one connecting for the first time: pending offers go again, contacts with none get one. */
  relaysChanged(statuses: ReadonlyMap<string, string>): void {
    let back = false;
    for (const [url, status] of statuses) {
      const before = this.relayStatuses.get(url);
      if (status === 'connected' && before !== undefined && before !== 'connected' && before !== 'connecting') back = true;
    }
    this.relayStatuses.clear();
    for (const [url, status] of statuses) this.relayStatuses.set(url, status);
    if (!back || this.stopped) return;
    for (const contactId of this.options.contacts()) {
      const pending = this.pending.get(contactId);
      if (!pending) void this.offerTo(contactId);
      else if (!pending.exchange && pending.timer !== undefined) {
        // Making one failed, and it waits for its back-off: made now instead.
        this.dropOwn(contactId);
        void this.offerTo(contactId, pending.backoffMs);
      } else if (pending.exchange?.code && !pending.resentOnReturn) {
        pending.resentOnReturn = true;
        void this.options.send(contactId, pending.exchange.code);
      }
    }
  }

  /** The direct link to the contact was lost while this page stays open: offers start again, from the first back-off. */
  lost(contactId: string): void {
    if (this.options.contacts().includes(contactId) && !this.checking.has(contactId)) void this.offerTo(contactId);
  }

  /** The contact is connected (by any way), or its offer is taken: no more offers, and our own goes. */
  connected(contactId: string): void {
    this.dropOwn(contactId);
    this.taken.delete(contactId);
  }

  private dropOwn(contactId: string): void {
    const pending = this.pending.get(contactId);
    if (!pending) return;
    this.pending.delete(contactId);
    clearTimeout(pending.timer);
    if (pending.exchange && pending.exchange.state !== 'connected') this.options.cancel(pending.exchange.id);
  }

  /** An offer or an answer the contact sealed for us (untrusted text; pairing decides whether it is a code for this
   * device, or an answer to our offer). */
  async received(contactId: string, code: string): Promise<void> {
    if (this.stopped) return;
    let canonical = code;
    let decoded: DecodedCode | undefined;
    try {
      canonical = normalizeCode(code);
      decoded = decodeCode(canonical);
    } catch (error) {
      // Not a code: nothing to do.
      if (!isTincanError(error)) throw error;
    }
    let foundDead = false;
    if (this.options.isOnline(contactId)) {
      // Only a reconnect offer says the contact lost the link this page still reads open.
      if (decoded?.kind !== 'invite' || !decoded.reconnectFor || this.checking.has(contactId)) return;
      this.checking.add(contactId);
      try {
        if (await this.options.isAlive(contactId)) return;
      } finally {
        this.checking.delete(contactId);
      }
      if (this.stopped || this.options.isOnline(contactId)) return;
      foundDead = true;
    }
    const took = await this.handle(contactId, canonical, decoded);
    // The link was found dead while the offer was looked at (its loss started no offer of ours): if the offer could
    // not be taken, ours goes out now rather than waiting for the contact's next one.
    if (foundDead && !took) void this.offerTo(contactId);
  }

  /** What the contact sent, once it is not connected: true when an exchange is under way with it. */
  private async handle(contactId: string, canonical: string, decoded: DecodedCode | undefined): Promise<boolean> {
    const own = this.pending.get(contactId);
    if (decoded?.kind === 'answer') {
      // The contact took our offer and answers it: its candidates go to the waiting link. An answer to an offer
      // already dropped (a late one) does nothing, and above all does not drop the offer now waiting (review: it
      // did, and no offer followed until the next unlock).
      try {
        if (own?.exchange) await this.options.answer(own.exchange.id, canonical);
      } catch (error) {
        if (!isTincanError(error)) throw error;
      }
      return !!own;
    }
    if (own?.exchange && this.options.keepsOwnOffer(contactId)) {
      void this.options.send(contactId, own.exchange.code!);
      return true;
    }
    if (own) this.dropOwn(contactId);
    // Only a one-code reconnect: an ordinary invite would want an answer sent back by hand.
    if (decoded?.kind !== 'invite' || !decoded.reconnectFor) return false;
    let exchange: Exchange | undefined;
    try {
      exchange = await this.options.take(contactId, canonical);
    } catch (error) {
      // Not a usable code for this device, or one already opened (a resend): nothing to do.
      if (!isTincanError(error)) throw error;
    }
    if (!exchange || this.stopped) return false;
    const previous = this.taken.get(contactId);
    this.taken.set(contactId, exchange);
    // The link of an earlier offer that did not connect waits no longer (a newer offer means the contact gave up on it).
    if (previous && previous.id !== exchange.id) this.options.cancel(previous.id);
    if (exchange.code) void this.options.send(contactId, exchange.code);
    return true;
  }

  stop(): void {
    this.stopped = true;
    for (const contactId of [...this.pending.keys()]) this.connected(contactId);
  }

  private async offerTo(contactId: string, backoffMs = offerBackoffMs): Promise<void> {
    if (this.stopped || this.pending.has(contactId) || this.options.isOnline(contactId) || !this.options.canOffer(contactId)) return;
    const pending: Pending = { backoffMs };
    this.pending.set(contactId, pending);
    try {
      pending.exchange = await this.options.offer(contactId);
    } catch {
      // Not made (the link could not be set up now): tried again after the back-off, as an offer no one took.
      if (this.pending.get(contactId) === pending) this.retryLater(contactId, pending);
      return;
    }
    if (this.pending.get(contactId) !== pending) return void this.options.cancel(pending.exchange.id);
    void this.options.send(contactId, pending.exchange.code!);
    // No one took it: a fresh offer later (the link of this one may have given up meanwhile).
    this.retryLater(contactId, pending);
  }

  /** A fresh offer after `pending`'s back-off (the next one doubled), unless it was dropped meanwhile. */
  private retryLater(contactId: string, pending: Pending): void {
    pending.timer = setTimeout(() => {
      if (this.pending.get(contactId) !== pending) return;
      this.dropOwn(contactId);
      void this.offerTo(contactId, Math.min(pending.backoffMs * 2, maxOfferBackoffMs));
    }, pending.backoffMs);
  }
}
