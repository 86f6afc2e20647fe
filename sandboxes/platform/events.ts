import type { LabEvent } from './types.ts';

type Listener = (event: LabEvent) => void;

/** What a listener wants: request events come by thousands a second under load. */
export interface SubscribeOptions {
  /** @default true */
  requests?: boolean;
}

/** The platform's event bus: the event stream and the lab's own log both read it. */
export class EventBus {
  #listeners = new Set<Listener>();
  #requestListeners = new Set<Listener>();

  /** Sends an event to every listener; a failing listener never stops the others. */
  emit(event: LabEvent): void {
    const listeners = event.type === 'request' ? this.#requestListeners : this.#listeners;
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        console.error('event listener failed:', error);
      }
    }
  }

  /** Adds a listener and returns the function that removes it. */
  subscribe(listener: Listener, options: SubscribeOptions = {}): () => void {
    this.#listeners.add(listener);
    if (options.requests ?? true) this.#requestListeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
      this.#requestListeners.delete(listener);
    };
  }

  /** Whether anyone wants request events, so that the balancer can skip building them. */
  get listeningToRequests(): boolean {
    return this.#requestListeners.size > 0;
  }
}
