// The service worker (built by build.mjs to dist/sw.js, next to index.html, so its scope is the app's folder:
// "/" locally, "/tincan/" on GitHub Pages). It precaches the whole hashed build on install and serves it
// cache-first, so Tincan opens offline; a navigation inside the scope gets index.html.
//
// Updates: build.mjs injects the file list and a build id (a hash of every precached file), so each deploy
// changes sw.js and the browser installs the new worker next to the old one. The new one does NOT take over
// by itself: it waits until the page asks (message 'skip-waiting', sent by applyUpdate() in register-sw.ts
// after the person pressed "Reload"), because taking over mid-conversation would swap the code under a
// running chat. Old caches are deleted when the new worker activates.
import { skipWaitingMessage } from './sw-protocol';

/** Injected by build.mjs: paths relative to this file, and a content hash of the build. */
declare const __TC_PRECACHE__: string[];
declare const __TC_BUILD_ID__: string;

const cachePrefix = 'tincan-';
const cacheName = `${cachePrefix}${__TC_BUILD_ID__}`;

// The parts of the service worker global used here (the project's type-check sees the DOM lib only).
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface ExtendableMessageEvent extends ExtendableEvent {
  readonly data: unknown;
}
interface NotificationEvent extends ExtendableEvent {
  readonly notification: Notification;
}
interface WindowClientLike {
  readonly url: string;
  focus(): Promise<unknown>;
}
interface ServiceWorkerScope {
  readonly location: Location;
  readonly registration: ServiceWorkerRegistration;
  readonly clients: {
    claim(): Promise<void>;
    matchAll(options: { type: 'window'; includeUncontrolled: boolean }): Promise<readonly WindowClientLike[]>;
    openWindow(url: string): Promise<unknown>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
  addEventListener(type: 'message', listener: (event: ExtendableMessageEvent) => void): void;
  addEventListener(type: 'notificationclick', listener: (event: NotificationEvent) => void): void;
}

const sw = self as unknown as ServiceWorkerScope;
const scopeUrl = sw.registration.scope;
const indexUrl = new URL('index.html', scopeUrl).href;

sw.addEventListener('install', (event) => {
  // cache: 'reload' skips the HTTP cache, so a new worker never precaches an older deploy's files.
  const requests = __TC_PRECACHE__.map((file) => new Request(new URL(file, sw.location.href), { cache: 'reload' }));
  event.waitUntil(caches.open(cacheName).then((cache) => cache.addAll(requests)));
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(cachePrefix) && name !== cacheName) await caches.delete(name);
      }
      // On the very first install, control the page that registered us, so it works offline at once.
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener('message', (event) => {
  if (event.data === skipWaitingMessage) void sw.skipWaiting();
});

// A tap on a message notification (platform/unread-alerts.ts): bring Tincan's window to the front, or open it.
// Chrome on Android shows notifications only through the service worker, so without this a tap does nothing.
sw.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(
    (async () => {
      const windows = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows.find((client) => client.url.startsWith(scopeUrl));
      if (open) await open.focus();
      else await sw.clients.openWindow(indexUrl);
    })(),
  );
});

sw.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || !request.url.startsWith(scopeUrl)) return;
  if (request.mode === 'navigate') {
    // Every page in the scope is the one app; the #code part of a link never reaches us.
    event.respondWith(fromCacheElseNetwork(indexUrl, request));
    return;
  }
  event.respondWith(fromCacheElseNetwork(request, request));
});

async function fromCacheElseNetwork(cacheKey: RequestInfo, request: Request): Promise<Response> {
  const cache = await caches.open(cacheName);
  return (await cache.match(cacheKey)) ?? fetch(request);
}
