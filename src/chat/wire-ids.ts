// The shapes of the ids that travel in frames (frames.ts, files/file-frames.ts): a leaf module both import.

/** Message ids: 96 random bits in base64url (crypto/bytes.ts toBase64Url of 12 bytes). */
export const messageIdPattern = /^[A-Za-z0-9_-]{16}$/;
/** Conversation ids on the wire: a kind (`dm` for two people, `g` for a group) and 128 bits in base64url. */
export const conversationIdPattern = /^(?:dm|g):[A-Za-z0-9_-]{22}$/;

export function isMessageId(value: unknown): value is string {
  return typeof value === 'string' && messageIdPattern.test(value);
}

export function isConversationId(value: unknown): value is string {
  return typeof value === 'string' && conversationIdPattern.test(value);
}
