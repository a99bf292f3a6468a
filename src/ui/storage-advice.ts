// Whether to advise adding Tincan to the Home Screen: Safari on iPhones and iPads erases a site's IndexedDB,
// caches and service worker after seven days of use without a visit (WebKit's cap on script-writable storage,
// https://webkit.org/blog/10218/full-third-party-cookie-blocking-and-more/), unless the site was added to the Home
// Screen. Detected by feature, not by user agent: `navigator.standalone` exists only in iOS and iPadOS WebKit
// (false in a Safari tab, true when opened from the Home Screen), and `display-mode: standalone` says the same
// for an installed web app anywhere.

export interface StorageAdviceEnvironment {
  /** `navigator.standalone`: undefined outside iOS WebKit. */
  readonly standalone: unknown;
  /** `matchMedia('(display-mode: standalone)').matches`. */
  readonly displayModeStandalone: boolean;
}

export function pageEnvironment(): StorageAdviceEnvironment {
  return {
    standalone: (navigator as Navigator & { standalone?: unknown }).standalone,
    displayModeStandalone: typeof matchMedia === 'function' && matchMedia('(display-mode: standalone)').matches,
  };
}

/** True on iOS/iPadOS WebKit in a browser tab (not opened from the Home Screen). */
export function needsHomeScreenForStorage(env: StorageAdviceEnvironment = pageEnvironment()): boolean {
  return env.standalone === false && !env.displayModeStandalone;
}
