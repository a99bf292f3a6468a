// Asking the browser to keep this origin's storage (browser only: excluded from the core's type check).
export type PersistenceResult = 'persisted' | 'denied' | 'unsupported';

/**
 * Asks the browser not to evict this origin's storage under pressure (navigator.storage.persist). Chromium grants
 * it silently by engagement heuristics, Firefox asks the user; without it history may vanish when the disk fills.
 */
export async function requestPersistence(storage: StorageManager | undefined = globalThis.navigator?.storage): Promise<PersistenceResult> {
  if (!storage?.persist) return 'unsupported';
  try {
    if (await storage.persisted?.()) return 'persisted';
    return (await storage.persist()) ? 'persisted' : 'denied';
  } catch {
    return 'denied';
  }
}
