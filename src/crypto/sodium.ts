// libsodium (sumo build: the only one with crypto_pwhash / Argon2id, docs/lab.md §6), loaded once per page.
import _sodium from 'libsodium-wrappers-sumo';

export type Sodium = typeof _sodium;

let loading: Promise<Sodium> | undefined;

/** Resolves once the WebAssembly module is instantiated; every later call returns the same promise. */
export function getSodium(): Promise<Sodium> {
  loading ??= _sodium.ready.then(() => _sodium);
  return loading;
}
