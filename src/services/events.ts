import { EventEmitter } from 'node:events';

/**
 * Changes other parts of the process must hear about at once: caches of token state forget what a
 * revocation or an account change made stale. (Other instances and processes hear about them through
 * the database only, bounded by the caches' lifetime.)
 */
export class DomainEvents {
  readonly #emitter = new EventEmitter().setMaxListeners(50);

  grantEnded(grantId: string): void {
    this.#emitter.emit('grant', grantId);
  }

  userChanged(userId: string): void {
    this.#emitter.emit('user', userId);
  }

  onGrantEnded(listener: (grantId: string) => void): void {
    this.#emitter.on('grant', listener);
  }

  onUserChanged(listener: (userId: string) => void): void {
    this.#emitter.on('user', listener);
  }
}
