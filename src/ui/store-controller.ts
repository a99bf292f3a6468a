// Connects a Lit element to the app store: the host re-renders after the state changes, at most once per
// animation frame however many changes a burst brings (a peer sending hundreds of messages a second changes the
// state hundreds of times). A hidden page gets no animation frames (browsers pause requestAnimationFrame in
// background tabs), so there the update waits only for a microtask: the title count and the app badge still
// follow while the tab is in the background.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { StateStore } from '../app/state-store';

/** How the controller waits; the defaults are the page's own, tests may pass their own. */
export interface FrameScheduler {
  requestFrame(callback: () => void): number;
  cancelFrame(handle: number): void;
  isHidden(): boolean;
}

const pageScheduler: FrameScheduler = {
  requestFrame: (callback) => requestAnimationFrame(callback),
  cancelFrame: (handle) => cancelAnimationFrame(handle),
  isHidden: () => document.visibilityState === 'hidden',
};

export class StoreController<S extends object> implements ReactiveController {
  private unsubscribe?: () => void;
  private frame?: number;
  private isMicrotaskQueued = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly store: Pick<StateStore<S>, 'state' | 'subscribe'>,
    private readonly scheduler: FrameScheduler = pageScheduler,
  ) {
    host.addController(this);
  }

  get state(): S {
    return this.store.state;
  }

  hostConnected(): void {
    this.unsubscribe = this.store.subscribe(() => this.schedule());
    document.addEventListener('visibilitychange', this.handleVisibilityChange);
    // A change while disconnected was not seen: render what the state is now.
    this.host.requestUpdate();
  }

  hostDisconnected(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    document.removeEventListener('visibilitychange', this.handleVisibilityChange);
    if (this.frame !== undefined) this.scheduler.cancelFrame(this.frame);
    this.frame = undefined;
  }

  private schedule(): void {
    if (this.frame !== undefined || this.isMicrotaskQueued) return;
    if (this.scheduler.isHidden()) return this.queueMicrotaskUpdate();
    this.frame = this.scheduler.requestFrame(() => {
      this.frame = undefined;
      this.host.requestUpdate();
    });
  }

  private queueMicrotaskUpdate(): void {
    this.isMicrotaskQueued = true;
    queueMicrotask(() => {
      this.isMicrotaskQueued = false;
      this.host.requestUpdate();
    });
  }

  /** A frame asked for just before the page was hidden would never come: update now instead. */
  private readonly handleVisibilityChange = (): void => {
    if (this.frame === undefined || !this.scheduler.isHidden()) return;
    this.scheduler.cancelFrame(this.frame);
    this.frame = undefined;
    this.queueMicrotaskUpdate();
  };
}
