// The vault's rollback witness (store/rollback.ts) in the browser: the latest write counter, kept in localStorage,
// outside the IndexedDB database it vouches for. An older copy of the database put back (a restored disk image, a
// profile folder copied over) then shows a counter below the witness. Both can be rolled back together by someone
// with the disk; this catches the common cases (backup software, sync tools) without a server.
import type { RollbackWitness } from '../store/rollback';

export function localStorageWitness(storeName: string): RollbackWitness {
  const key = `tincan:${storeName}:counter`;
  return {
    read() {
      try {
        const value = Number(localStorage.getItem(key));
        return Number.isSafeInteger(value) && value > 0 ? value : undefined;
      } catch {
        return undefined; // storage disabled: no witness, no alarm
      }
    },
    write(counter) {
      try {
        localStorage.setItem(key, String(counter));
      } catch {
        // storage full or disabled: the witness is best effort
      }
    },
  };
}
