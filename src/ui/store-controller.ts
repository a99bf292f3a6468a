// Connects a Lit element to the app store: the host re-renders whenever the state changes.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { StateStore } from '../app/state-store';

export class StoreController<S extends object> implements ReactiveController {
  private unsubscribe?: () => void;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly store: StateStore<S>,
  ) {
    host.addController(this);
  }

  get state(): S {
    return this.store.state;
  }

  hostConnected(): void {
    this.unsubscribe = this.store.subscribe(() => this.host.requestUpdate());
  }

  hostDisconnected(): void {
    this.unsubscribe?.();
  }
}
