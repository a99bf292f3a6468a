// "via relay" (docs/relays.md, last resort): whether a contact is reached through relays only. Messages and acks go
// by relay whenever relays are in use with a contact who is not connected (relay-carrier.ts); this says only whether
// the contact's page is known to be reading now, so that the conversation's status can say "via relay" rather than
// "Offline".
//
// A contact counts as reached through relays while all of these hold:
// - relays are in use with it (relay-carrier.ts reaches) and it has no direct session;
// - something live came from it by relay within relayPresenceMs: an automatic reconnect offer or answer (ephemeral:
//   only a page reading at that moment gets one), or an envelope or ack sealed moments ago (relay-carrier.ts heard);
// - at least directFirstMs have passed since the first such thing in this spell, with no direct link formed: an
//   automatic reconnect that connects does so well within it, and the status goes from "Offline" to "Connected"
//   without saying "via relay" for a moment.
// A direct link ends the spell (the status says "Connected"); after it, hearing from the contact starts a new one.
// The bound outlasts the longest pause between automatic offers (relay-reconnect.ts maxOfferBackoffMs), each of which
// the contact's page answers: two idle pages both reading keep saying "via relay"; a page that closed stops being
// heard, and the other says "Offline" again at most relayPresenceMs later.
import { maxOfferBackoffMs } from './relay-reconnect';

/** A direct link gets this long to form after the contact is first heard by relay, before "via relay" is said. */
export const directFirstMs = 10_000;
/** A contact last heard by relay longer ago than this is not "via relay" any more. */
export const relayPresenceMs = maxOfferBackoffMs + 60_000;

export interface RelayPresenceOptions {
  readonly isOnline: (contactId: string) => boolean;
  /** Relays are in use with the contact (relay-carrier.ts reaches). */
  readonly reaches: (contactId: string) => boolean;
  /** Whether the contact is reached through relays only changed. */
  readonly changed: (contactId: string, isViaRelay: boolean) => void;
  readonly now?: () => number;
}

interface Spell {
  readonly since: number;
  last: number;
  isViaRelay: boolean;
  timer?: ReturnType<typeof setTimeout>;
}

export class RelayPresence {
  private readonly spells = new Map<string, Spell>();
  private readonly now: () => number;

  constructor(private readonly options: RelayPresenceOptions) {
    this.now = options.now ?? Date.now;
  }

  isViaRelay(contactId: string): boolean {
    return this.spells.get(contactId)?.isViaRelay ?? false;
  }

  /** Something live came from the contact by relay. */
  heard(contactId: string): void {
    if (this.options.isOnline(contactId)) return;
    const now = this.now();
    const spell = this.spells.get(contactId) ?? { since: now, last: now, isViaRelay: false };
    spell.last = now;
    this.spells.set(contactId, spell);
    this.check(contactId);
  }

  /** A direct session opened: the spell ends (the status says "Connected"). */
  connected(contactId: string): void {
    const spell = this.spells.get(contactId);
    clearTimeout(spell?.timer);
    this.spells.delete(contactId);
  }

  /** Relays were turned off, or "Use relays with …" changed: every spell is looked at again. */
  recheck(): void {
    for (const contactId of [...this.spells.keys()]) this.check(contactId);
  }

  dispose(): void {
    for (const spell of this.spells.values()) clearTimeout(spell.timer);
    this.spells.clear();
  }

  private check(contactId: string): void {
    const spell = this.spells.get(contactId);
    if (!spell) return;
    clearTimeout(spell.timer);
    const now = this.now();
    const isOver = this.options.isOnline(contactId) || !this.options.reaches(contactId) || now - spell.last >= relayPresenceMs;
    const isViaRelay = !isOver && now - spell.since >= directFirstMs;
    if (isOver) this.spells.delete(contactId);
    else spell.timer = setTimeout(() => this.check(contactId), isViaRelay ? spell.last + relayPresenceMs - now : spell.since + directFirstMs - now);
    if (isViaRelay !== spell.isViaRelay) {
      spell.isViaRelay = isViaRelay;
      // An online contact's status is its session's: nothing to say here.
      if (!this.options.isOnline(contactId)) this.options.changed(contactId, isViaRelay);
    }
  }
}
