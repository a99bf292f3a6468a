// Carriers: anything that can move an envelope or a signed ack to a member (docs/envelopes.md). Delivery does not
// care which: it hands an item to the first carrier that reaches the member, and every carrier brings what it gets
// back to delivery the same way. Nothing a carrier moves can be read, altered, replayed as new or faked by it:
// envelopes are sealed and signed by their sender, acks signed by their recipient (crypto/envelope.ts).
//
// Carriers here: a live session with the member itself (SessionCarrier), and another member's live session that
// forwards to the member (MemberCarrier: `forward` frames to the carrier, `carried` frames from it; a carrier that
// cannot reach the member now holds the item for it when the rules of group-sync.ts allow), a mailbox the page is
// visiting (docs/mailbox.md), and the member's Nostr relays (relay-carrier.ts), when both turned relays on.
import type { CarriedItem } from './frames';
import type { MailboxClient } from './mailbox-client';
import type { PeerSession } from './peer-session';

export interface Carrier {
  /** Who carries: the member's own session, or another member's. */
  readonly via: { readonly kind: 'session' | 'member' | 'mailbox' | 'relay'; readonly contactId: string };
  /** Whether it can move an item to `member` now. */
  reaches(member: string): boolean;
  /** Hands `item` on towards `member`; false when it could not. */
  carry(member: string, item: CarriedItem): boolean;
}

/** A live session carries to its own peer. */
export class SessionCarrier implements Carrier {
  readonly via: Carrier['via'];

  constructor(readonly session: PeerSession) {
    this.via = { kind: 'session', contactId: session.contactId! };
  }

  reaches(member: string): boolean {
    return this.session.state === 'open' && this.session.contactId === member;
  }

  carry(member: string, item: CarriedItem): boolean {
    return this.reaches(member) && this.session.send(item);
  }
}

/**
 * Another member's live session carries to members it reaches: `forward` frames, which that member's delivery
 * hands on as `carried` frames on its own session with the target (delivery.ts `forward`).
 */
export class MemberCarrier implements Carrier {
  readonly via: Carrier['via'];

  constructor(
    carrierContactId: string,
    private readonly sessionOf: (contactId: string) => PeerSession | undefined,
    /** The identity key (base64url) of a member this carrier is asked to reach; undefined for others. */
    private readonly targetKey: (member: string) => string | undefined,
    /** Which items it takes (all by default). */
    private readonly takes: (member: string, item: CarriedItem) => boolean = () => true,
    /** The message key that goes with a group envelope for a fellow member (frames.ts `forward`), if any. */
    private readonly keyFor?: (member: string, item: CarriedItem) => string | undefined,
  ) {
    this.via = { kind: 'member', contactId: carrierContactId };
  }

  reaches(member: string): boolean {
    return member !== this.via.contactId && this.targetKey(member) !== undefined && this.sessionOf(this.via.contactId)?.state === 'open';
  }

  carry(member: string, item: CarriedItem): boolean {
    const to = member !== this.via.contactId ? this.targetKey(member) : undefined;
    const session = this.sessionOf(this.via.contactId);
    if (!to || !session || session.state !== 'open' || !this.takes(member, item)) return false;
    if (!this.keyFor || item.type !== 'envelope') return session.send({ type: 'forward', to, item });
    // With keyFor, an envelope goes only with its key: without it the member could not open it.
    const key = this.keyFor(member, item);
    return !!key && session.send({ type: 'forward', to, item, key });
  }
}

/**
 * A mailbox (docs/mailbox.md) carries to the members it serves while this page is visiting it: the owner's own
 * mailbox to the owner's contacts, a contact's mailbox to that contact. `via.contactId` names the mailbox's owner
 * (or "self"). Deposits are answered later; a refused one is handed on again by delivery's resend.
 */
export class MailboxCarrier implements Carrier {
  readonly via: Carrier['via'];

  constructor(
    owner: string,
    private readonly client: () => MailboxClient | undefined,
    /** The members it reaches, with their identity keys (base64url). */
    private readonly targets: () => ReadonlyMap<string, string>,
    /** The mailbox took an envelope for `member`. */
    private readonly onHeld: (member: string, id: string) => void,
  ) {
    this.via = { kind: 'mailbox', contactId: owner };
  }

  reaches(member: string): boolean {
    return !!this.client()?.isOpen && this.targets().has(member);
  }

  carry(member: string, item: CarriedItem): boolean {
    const client = this.client();
    const to = this.targets().get(member);
    if (!client?.isOpen || !to) return false;
    void client.deposit(to, item).then(({ ok }) => {
      if (ok && item.type === 'envelope') this.onHeld(member, item.id);
    });
    return true;
  }
}
