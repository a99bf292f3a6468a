// What the app needs only once a profile is unlocked: the chat stack (chat/chat-core.ts: the messenger with pairing,
// delivery and trust, file transfers, thumbnails) and the explanations of connection paths and failures.
// tincan-app.ts imports this module dynamically, so the first screen (welcome or unlock) downloads none of it (the
// first download's budget, bench/size.mjs).
export { openChatCore } from '../chat/chat-core';
export { describeCandidatePath, explainIceFailure } from '../net/ice-servers';
export { contactMailboxesCollectionName, MailboxKeeper, mailboxCollectionName } from './mailbox-keeper';
