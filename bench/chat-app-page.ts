// Bench only (bench/chat.mjs builds it with esbuild; never shipped): the app exactly as src/main.ts builds it, but
// over a platform whose records live in memory, so that `npm run bench` can show what storage costs by comparing
// it with the real page (dist/, IndexedDB) in the same run. `?storage=indexeddb` keeps the browser's own backend
// (used with --profile, where this bundle keeps its function names). What stays real: the UI (tc-tincan-shell),
// PeerLinks with the device certificate, libsodium, the tab lock. What is in memory: the record backend and the
// rollback witness. No service worker and no frame guard (neither is on the message path).
import type { AppPlatform } from '../src/app/app-platform';
import { TincanApp } from '../src/app/tincan-app';
import { browserPlatform } from '../src/platform/browser-platform';
import { MemoryRecordBackend } from '../src/store/memory-backend';
import type { RollbackWitness } from '../src/store/rollback';
import '../src/ui/tincan-shell';

const storage = new URLSearchParams(location.search).get('storage') === 'indexeddb' ? 'indexeddb' : 'memory';

function memoryWitness(): RollbackWitness {
  let counter: number | undefined;
  return {
    read: () => counter,
    write: (value) => {
      counter = value;
    },
  };
}

const browser = browserPlatform();
const platform: AppPlatform =
  storage === 'indexeddb' ? browser : { ...browser, openBackend: async () => new MemoryRecordBackend(), witness: () => memoryWitness() };

const pageUrl = location.href.split('#')[0]!.split('?')[0]!;
const app = new TincanApp({ pageUrl, platform });
const shell = document.createElement('tc-tincan-shell');
shell.app = app;
document.body.append(shell);
document.documentElement.dataset['benchStorage'] = storage;
void app.start();
document.addEventListener('visibilitychange', () => app.setVisible(!document.hidden));
