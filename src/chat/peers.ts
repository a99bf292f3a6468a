// The live peers: every session that is connected or on its way, and the open ones by contact. Many at once:
// connecting to Carol never touches Bob's session. A contact has at most one open session; when a new one opens
// for the same contact (a reconnect while the old path was silently dead), it replaces the old, which is closed.
import { Emitter } from '../events';
import type { CloseOptions, PeerSession } from './peer-session';

export interface PeersEvents {
  /** A session was opened for a contact (the messenger attaches delivery to it). */
  opened: PeerSession;
  /** A session ended; `wasOpen` when it was its contact's open session (the contact is now offline). */
  closed: { session: PeerSession; wasOpen: boolean };
}

export class Peers extends Emitter<PeersEvents> {
  private readonly sessions = new Set<PeerSession>();
  private readonly byContact = new Map<string, PeerSession>();

  /** Starts tracking a session (from pairing); it is listed until it closes. */
  add(session: PeerSession): void {
    if (this.sessions.has(session)) return;
    this.sessions.add(session);
    session.on('state', (state) => {
      if (state === 'open' && session.contactId) this.handleOpen(session, session.contactId);
    });
    session.on('reassigned', ({ from, to }) => {
      if (this.byContact.get(from) === session) this.byContact.delete(from);
      this.handleOpen(session, to);
    });
    session.on('closed', () => {
      this.sessions.delete(session);
      const wasOpen = !!session.contactId && this.byContact.get(session.contactId) === session;
      if (wasOpen) this.byContact.delete(session.contactId!);
      this.emit('closed', { session, wasOpen });
    });
  }

  /** The contact's open session, if any. */
  get(contactId: string): PeerSession | undefined {
    return this.byContact.get(contactId);
  }

  isOnline(contactId: string): boolean {
    return this.byContact.has(contactId);
  }

  /** Every open session (one per contact). */
  open(): PeerSession[] {
    return [...this.byContact.values()];
  }

  /** Every tracked session, open or not. */
  all(): PeerSession[] {
    return [...this.sessions];
  }

  /** Ends every session (lock, forget, another tab takes over, the page goes); `sayBye` tells each open peer it was on
   * purpose (and `byeReason` why). */
  closeAll({ sayBye = false, byeReason }: CloseOptions = {}): void {
    for (const session of [...this.sessions]) {
      session.close({ state: 'closed' }, { sayBye: sayBye && session.state === 'open', ...(byeReason ? { byeReason } : {}) });
    }
  }

  private handleOpen(session: PeerSession, contactId: string): void {
    const previous = this.byContact.get(contactId);
    this.byContact.set(contactId, session);
    // The newer path wins: the old one is usually dead already (that is why the contact reconnected).
    if (previous && previous !== session) previous.close({ state: 'closed' });
    this.emit('opened', session);
  }
}
