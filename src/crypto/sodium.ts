// libsodium (sumo build: the only one with crypto_pwhash / Argon2id, docs/lab.md §6), loaded once per page, when
// first needed (creating a profile, unlocking, restoring a backup): the first screen does not download it. The
// service worker's precache fetches it in the background on a first visit, so unlocking does not wait for it later.
import type _sodium from 'libsodium-wrappers-sumo';

export type Sodium = typeof _sodium;

let loading: Promise<Sodium> | undefined;

/** Resolves once the WebAssembly module is instantiated; every later call returns the same promise. */
export function getSodium(): Promise<Sodium> {
  loading ??= import('libsodium-wrappers-sumo').then(async ({ default: sodium }) => {
    await sodium.ready;
    return sodium;
  });
  return loading;
}
