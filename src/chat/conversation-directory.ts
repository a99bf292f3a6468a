// Which conversations this device is in, and who their members are. A conversation has a local id (what the store
// keys it by: for two people the contact's id, as before), a wire id (`dm:` derived from both identity keys, `g:`
// random for a group) and members: the contact ids of everyone in it but this device. Frames name their
// conversation by wire id and are routed through here: a peer may send frames of a conversation it is a member of,
// and nothing else (delivery.ts).
import { Emitter } from '../events';
import { dmConversationId } from './conversation-id';

export interface Conversation {
  /** Local id: the store's key for it. */
  readonly id: string;
  /** What frames and envelopes name it by. */
  readonly wireId: string;
  readonly kind: 'dm' | 'group';
  /** Contact ids of the other members (never this device). */
  readonly members: readonly string[];
}

export interface ConversationDirectoryEvents {
  /** A conversation was added or its members changed. */
  changed: Conversation;
  removed: Conversation;
}

export class ConversationDirectory extends Emitter<ConversationDirectoryEvents> {
  private readonly byId = new Map<string, Conversation>();
  private readonly byWire = new Map<string, Conversation>();
  /** contact id -> local ids of the conversations it is a member of. */
  private readonly byMember = new Map<string, Set<string>>();

  constructor(private readonly ownKey: Uint8Array) {
    super();
  }

  /** The two-person conversation with a contact whose identity key is `peerKey`, kept under the contact's id. */
  async addDirect(contactId: string, peerKey: Uint8Array): Promise<Conversation> {
    const wireId = await dmConversationId(this.ownKey, peerKey);
    return this.put({ id: contactId, wireId, kind: 'dm', members: [contactId] });
  }

  /** A group conversation (or new members of one): the membership log decides who is in it. */
  setGroup(id: string, wireId: string, members: readonly string[]): Conversation {
    return this.put({ id, wireId, kind: 'group', members: [...new Set(members)] });
  }

  get(id: string): Conversation | undefined {
    return this.byId.get(id);
  }

  byWireId(wireId: string): Conversation | undefined {
    return this.byWire.get(wireId);
  }

  /** The conversation `wireId` names, if `member` is in it. */
  forMember(wireId: string, member: string): Conversation | undefined {
    const conversation = this.byWire.get(wireId);
    return conversation?.members.includes(member) ? conversation : undefined;
  }

  /** Every conversation `member` is in. */
  ofMember(member: string): Conversation[] {
    return [...(this.byMember.get(member) ?? [])].map((id) => this.byId.get(id)!).filter(Boolean);
  }

  all(): Conversation[] {
    return [...this.byId.values()];
  }

  remove(id: string): void {
    const conversation = this.byId.get(id);
    if (!conversation) return;
    this.unindex(conversation);
    this.emit('removed', conversation);
  }

  private put(conversation: Conversation): Conversation {
    const previous = this.byId.get(conversation.id);
    if (previous) this.unindex(previous);
    const frozen = Object.freeze({ ...conversation, members: Object.freeze([...conversation.members]) });
    this.byId.set(frozen.id, frozen);
    this.byWire.set(frozen.wireId, frozen);
    for (const member of frozen.members) {
      let ids = this.byMember.get(member);
      if (!ids) this.byMember.set(member, (ids = new Set()));
      ids.add(frozen.id);
    }
    this.emit('changed', frozen);
    return frozen;
  }

  private unindex(conversation: Conversation): void {
    this.byId.delete(conversation.id);
    if (this.byWire.get(conversation.wireId) === conversation) this.byWire.delete(conversation.wireId);
    for (const member of conversation.members) this.byMember.get(member)?.delete(conversation.id);
  }
}
