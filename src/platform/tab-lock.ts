// One writer per vault (issue 8): only the tab holding this profile's Web Lock opens its store. A tab that opens
// later says "Tincan is open in another tab"; "Use here" asks the holder over a BroadcastChannel to hand over (it
// closes its chats and flushes its writes, then releases), and takes the lock. A holder that does not answer
// within handoverTimeoutMs (a frozen background tab) has the lock taken from it (`steal`), which ends its hold;
// it then stops writing, since every write goes through the store it closes when told it lost the lock.
// Web Locks: https://w3c.github.io/web-locks/ (Chromium 69+, Firefox 96+, Safari 15.4+).
import type { TabLock } from '../app/app-platform';

/** How long the holding tab gets to flush and release before the lock is taken from it. */
export const handoverTimeoutMs = 3_000;

type TabMessage = { type: 'handover-request' } | { type: 'released' };

export function createTabLock(storeName: string): TabLock {
  const lockName = `tincan:${storeName}:vault`;
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(`tincan:${storeName}:tabs`) : undefined;
  let releaseHold: (() => void) | undefined;
  let handover: (() => Promise<void>) | undefined;
  let lost: (() => void) | undefined;
  let isHolding = false;

  /** Holds the lock until released; resolves true once held, false if another tab holds it (ifAvailable). */
  function hold(options: LockOptions): Promise<boolean> {
    return new Promise<boolean>((resolveHeld, rejectHeld) => {
      navigator.locks
        .request(lockName, options, (lock) => {
          if (!lock) {
            resolveHeld(false);
            return undefined;
          }
          isHolding = true;
          resolveHeld(true);
          return new Promise<void>((release) => (releaseHold = release));
        })
        .then(
          () => {
            isHolding = false;
          },
          (error: unknown) => {
            // AbortError: another tab stole the lock (it waited handoverTimeoutMs for us in vain).
            const wasHolding = isHolding;
            isHolding = false;
            releaseHold = undefined;
            if (wasHolding) lost?.();
            else rejectHeld(error);
          },
        );
    });
  }

  channel?.addEventListener('message', (event: MessageEvent<TabMessage>) => {
    if (event.data?.type !== 'handover-request' || !isHolding) return;
    void (async () => {
      try {
        await handover?.();
      } finally {
        const release = releaseHold;
        releaseHold = undefined;
        isHolding = false;
        release?.();
        channel.postMessage({ type: 'released' } satisfies TabMessage);
        lost?.();
      }
    })();
  });

  return {
    async acquire() {
      if (!navigator.locks) return true; // no Web Locks (very old browser): one tab is assumed, as before
      return hold({ ifAvailable: true });
    },
    async takeOver() {
      if (!navigator.locks) return;
      channel?.postMessage({ type: 'handover-request' } satisfies TabMessage);
      const giveUp = new AbortController();
      const waited = hold({ signal: giveUp.signal }).catch(() => false);
      const timer = new Promise<false>((resolve) => setTimeout(() => resolve(false), handoverTimeoutMs));
      if (await Promise.race([waited, timer])) return;
      // The holder did not answer (a frozen tab): stop waiting and take the lock from it.
      // https://w3c.github.io/web-locks/#dom-lockoptions-steal
      giveUp.abort();
      await hold({ steal: true });
    },
    onHandoverRequested(handler) {
      handover = handler;
    },
    onLost(handler) {
      lost = handler;
    },
    release() {
      const release = releaseHold;
      releaseHold = undefined;
      isHolding = false;
      release?.();
    },
  };
}
