// Registers the service worker (dist/sw.js, next to the page, so this works under a sub-path such as
// /tincan/) and tells the shell when a new version is installed and waiting. The shell shows "A new version
// of Tincan is ready" with a "Reload" button that calls applyUpdate(). Where service workers are not
// available (Firefox private windows, http:// other than localhost, old browsers) nothing happens.
import { skipWaitingMessage } from './sw-protocol';

/** How often a page left open (a long chat) asks for a new sw.js; browsers also check on every navigation. */
const updateCheckIntervalMs = 60 * 60 * 1000;

let registration: ServiceWorkerRegistration | undefined;
let isUpdateAvailable = false;
const listeners = new Set<() => void>();

function announceUpdate(): void {
  if (isUpdateAvailable) return;
  isUpdateAvailable = true;
  for (const listener of listeners) listener();
}

/** A worker that finished installing while another controls the page is an update (not the first install). */
function watchInstalling(worker: ServiceWorker | null, container: ServiceWorkerContainer): void {
  worker?.addEventListener('statechange', () => {
    if (worker.state === 'installed' && container.controller) announceUpdate();
  });
}

/** Registers ./sw.js. Resolves to the registration, or undefined where service workers are unavailable or
 * registration failed (the app works without it, only not offline). */
export async function registerServiceWorker(
  container: ServiceWorkerContainer | undefined = navigator.serviceWorker,
  scriptUrl = new URL('sw.js', document.baseURI).href,
): Promise<ServiceWorkerRegistration | undefined> {
  if (!container) return undefined;
  try {
    registration = await container.register(scriptUrl, { scope: './' });
  } catch (thrown) {
    console.warn('Tincan works without offline support here: the service worker did not register.', thrown);
    return undefined;
  }
  const found = registration;
  if (found.waiting && container.controller) announceUpdate();
  watchInstalling(found.installing, container);
  found.addEventListener('updatefound', () => watchInstalling(found.installing, container));
  let lastCheckMs = Date.now();
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible' || Date.now() - lastCheckMs < updateCheckIntervalMs) return;
    lastCheckMs = Date.now();
    found.update().catch(() => {
      // offline: try again next time
    });
  });
  return found;
}

/** Calls `callback` once a new version is waiting (at once if one already is). Returns an unsubscribe. */
export function onUpdateAvailable(callback: () => void): () => void {
  listeners.add(callback);
  if (isUpdateAvailable) callback();
  return () => listeners.delete(callback);
}

/** Lets the waiting version take over, then reloads the page into it. An open invite on this page is lost,
 * so the shell should offer this, never do it by itself. */
export function applyUpdate(container: ServiceWorkerContainer | undefined = navigator.serviceWorker): void {
  const waiting = registration?.waiting;
  if (!container || !waiting) {
    location.reload();
    return;
  }
  container.addEventListener('controllerchange', () => location.reload(), { once: true });
  waiting.postMessage(skipWaitingMessage);
}
