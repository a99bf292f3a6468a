// A typed event emitter for the core (no DOM EventTarget/CustomEvent there: the core runs in Node too).
// Each class declares its events once as a map from name to payload; `on` returns the function that removes the
// listener, so whoever attaches a listener can detach it without keeping the function. Listeners run in the
// order they were added; one that throws does not stop the others (the error is reported, not swallowed).

export type Unsubscribe = () => void;

export class Emitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<(payload: never) => void>>();

  on<K extends keyof Events>(name: K, listener: (payload: Events[K]) => void): Unsubscribe {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => void set.delete(listener as (payload: never) => void);
  }

  /** Removes every listener (when the emitter's owner is done with it). */
  removeAllListeners(): void {
    this.listeners.clear();
  }

  protected emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (payload: Events[K]) => void)(payload);
      } catch (error) {
        // A listener's bug must not break the emitter's own state machine; it is still reported.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
