import { EventEmitter } from 'node:events';
import type { DomainEvent, EventRelay } from '../domain/events.js';

/**
 * Changes other parts of mxauth must hear about at once: caches of token state forget what a revocation
 * or an account change made stale. With a relay, the other instances and CLI commands on the same
 * PostgreSQL database hear about them too; without one (SQLite), other processes' changes are seen when
 * the caches' entries expire.
 */
export class DomainEvents {
  readonly #emitter = new EventEmitter().setMaxListeners(50);
  #relay: EventRelay | undefined;

  /** Sends this process's events to the others, and theirs to this one's listeners. */
  connect(relay: EventRelay): void {
    this.#relay = relay;
    relay.subscribe((event) => this.#emitter.emit(event.kind, event.id));
  }

  grantEnded(grantId: string): void {
    this.#emit({ kind: 'grant', id: grantId });
  }

  userChanged(userId: string): void {
    this.#emit({ kind: 'user', id: userId });
  }

  onGrantEnded(listener: (grantId: string) => void): void {
    this.#emitter.on('grant', listener);
  }

  onUserChanged(listener: (userId: string) => void): void {
    this.#emitter.on('user', listener);
  }

  #emit(event: DomainEvent): void {
    this.#emitter.emit(event.kind, event.id);
    this.#relay?.publish(event);
  }
}
