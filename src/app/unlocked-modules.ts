// What the app needs only once a profile is unlocked: the messenger (chat/, with pairing, delivery and trust), file
// transfers, and the explanations of connection paths and failures. tincan-app.ts imports this module dynamically, so the first screen (welcome or unlock) downloads
// none of it (the first download's budget, bench/size.mjs).
export { Messenger } from '../chat/messenger';
export { chainsCollectionName } from '../chat/chain-keeper';
export { FileTransfers } from '../chat/files/file-transfers';
export { SealedTransferStore, transfersCollectionName } from '../chat/files/sealed-transfer-store';
export { ThumbnailStore, thumbnailsCollectionName } from '../chat/files/thumbnail-store';
export { describeCandidatePath, explainIceFailure } from '../net/ice-servers';
