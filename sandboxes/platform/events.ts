import type { LabEvent } from './types.ts';

type Listener = (event: LabEvent) => void;

/** The platform's event bus: the event stream and the lab's own log both read it. */
export class EventBus {
  #listeners = new Set<Listener>();

  /** Sends an event to every listener; a failing listener never stops the others. */
  emit(event: LabEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        console.error('event listener failed:', error);
      }
    }
  }

  /** Adds a listener and returns the function that removes it. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Whether anyone listens, so that busy paths can skip building events nobody reads. */
  get listening(): boolean {
    return this.#listeners.size > 0;
  }
}
