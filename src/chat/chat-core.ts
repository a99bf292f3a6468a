// The whole chat stack for one unlocked profile, built in one place: the messenger (pairing, delivery, trust) and
// file transfers over it, with thumbnails sealed in the vault. The browser app (app/tincan-app.ts) and a program in
// Node call this same function with their own store backend, links and file sinks, so neither copies how the
// pieces fit together. It wires no events: its caller listens to what it needs.
import { defaultAnswerValidMs } from '../net/link';
import type { DeviceLinks } from '../net/device-links';
import type { Profile } from '../store/profile-store';
import type { TincanStore } from '../store/tincan-store';
import { maxIncomingFileBytes } from './files/file-acceptance';
import type { FileSinkFactory } from './files/file-io';
import { FileTransfers } from './files/file-transfers';
import { SealedTransferStore, transfersCollectionName } from './files/sealed-transfer-store';
import { ThumbnailStore, thumbnailsCollectionName } from './files/thumbnail-store';
import { chainsCollectionName } from './chain-keeper';
import { syncCollectionName } from './group-sync';
import { groupsCollectionName } from './group/groups';
import { Messenger } from './messenger';
import { RelayCarrier, relaysCollectionName } from './relay-carrier';

export interface ChatCoreOptions {
  /** The unlocked store of this profile. */
  readonly store: TincanStore;
  /** Whose chat it is: the profile's identity and name. */
  readonly profile: Profile;
  /** How this device makes connections (net/device-links.ts). */
  readonly links: DeviceLinks;
  /** Where received files are written as they arrive. */
  readonly fileSinks: FileSinkFactory;
  /** The WebSocket class for Nostr relays (the page's own; `ws` in Node): used only once relays are turned on. */
  readonly relaySocket?: unknown;
  readonly now?: () => number;
}

export interface ChatCore {
  readonly messenger: Messenger;
  /** Undefined when file transfers could not open (`filesError` says why): chat works without them. */
  readonly files?: FileTransfers;
  readonly filesError?: unknown;
  readonly thumbnails: ThumbnailStore;
  /** Ends every connection (telling peers with `sayBye`) and stops the transfers. */
  close(options?: { readonly sayBye?: boolean }): void;
}

export async function openChatCore({ store, profile, links, fileSinks, relaySocket, now = Date.now }: ChatCoreOptions): Promise<ChatCore> {
  let files: FileTransfers | undefined;
  let filesError: unknown;
  try {
    files = await FileTransfers.open({
      store: new SealedTransferStore(store.collection(transfersCollectionName)),
      sinks: fileSinks,
      maxIncomingBytes: () => maxIncomingFileBytes,
      now,
    });
  } catch (error) {
    filesError = error;
  }
  let messenger: Messenger | undefined;
  const relays = relaySocket
    ? await RelayCarrier.open({
        records: store.collection(relaysCollectionName),
        socket: relaySocket,
        keyOf: (contactId) => store.contacts.get(contactId)?.pinnedKey,
        receive: (item) => messenger?.delivery.receiveCarried(item),
        now,
      })
    : undefined;
  messenger = new Messenger({
    ...(files ? { files } : {}),
    ...(relays ? { relays } : {}),
    identity: profile.identity,
    displayName: profile.name,
    contacts: store.contacts,
    log: store.log,
    outbox: store.outbox,
    chains: store.collection(chainsCollectionName),
    // A vault older than this device's witness: a chain's reservation may be behind numbers it sealed since.
    chainsFromOlderCopy: !!store.health()?.restoredFromOlderCopy,
    sync: store.collection(syncCollectionName),
    groups: store.collection(groupsCollectionName),
    links,
    answerValidMs: defaultAnswerValidMs,
    now,
  });
  return {
    messenger,
    ...(files ? { files } : { filesError }),
    thumbnails: new ThumbnailStore(store.collection(thumbnailsCollectionName)),
    close({ sayBye = false } = {}) {
      messenger.close({ sayBye });
      files?.dispose();
    },
  };
}
