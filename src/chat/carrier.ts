// Carriers: anything that can move an envelope or a signed ack to a member (docs/envelopes.md). Delivery does not
// care which: it hands an item to the first carrier that reaches the member, and every carrier brings what it gets
// back to delivery the same way. Nothing a carrier moves can be read, altered, replayed as new or faked by it:
// envelopes are sealed and signed by their sender, acks signed by their recipient (crypto/envelope.ts).
//
// Carriers here: a live session with the member itself (SessionCarrier), and another member's live session that
// forwards to the member (MemberCarrier: `forward` frames to the carrier, `carried` frames from it). A Node
// mailbox and a relay are the next ones; delivery does not change for them.
import type { CarriedItem } from './frames';
import type { PeerSession } from './peer-session';

export interface Carrier {
  /** Who carries: the member's own session, or another member's. */
  readonly via: { readonly kind: 'session' | 'member'; readonly contactId: string };
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
    /** The members this carrier is asked to reach, with their identity keys (base64url). */
    private readonly targets: ReadonlyMap<string, string>,
  ) {
    this.via = { kind: 'member', contactId: carrierContactId };
  }

  reaches(member: string): boolean {
    return this.targets.has(member) && this.sessionOf(this.via.contactId)?.state === 'open';
  }

  carry(member: string, item: CarriedItem): boolean {
    const to = this.targets.get(member);
    const session = this.sessionOf(this.via.contactId);
    return !!to && !!session && session.state === 'open' && session.send({ type: 'forward', to, item });
  }
}
