/**
 * Switches request contexts (AsyncLocalStorage) off while no request that reads them is in flight.
 *
 * On Node.js 20 an AsyncLocalStorage works through async hooks: once any instance has been entered, every
 * async resource and promise created anywhere in the process calls into JavaScript to carry it along. The
 * OAuth engine (oidc-provider, around each of its requests) and mxauth's request log (around each Koa
 * request) enter one and never leave it, so one login page made every later introspection about a third
 * slower, though the introspection fast path reads neither. `disable()` turns the hooks off again once no
 * instance is enabled, and the next `run()` of an instance turns them back on.
 *
 * Disabling drops the store from async work created afterwards, so it is only done when nothing that reads
 * a store is running: the Koa stack (which contains the engine) counts its requests here, and the contexts
 * are switched off when the count returns to zero. Work a request leaves running after its answer sees no
 * store (none in mxauth or the engine reads one then; a query's time then counts toward no request).
 *
 * The engine's instance is a module of oidc-provider's, shared by every Provider in the process: a host
 * application that embeds mxauth and serves its own oidc-provider besides would lose its contexts too.
 */
export class ContextGate {
  #inFlight = 0;
  readonly #contexts: { disable(): void }[] = [];

  /** A context to switch off whenever no counted request is running. */
  add(context: { disable(): void }): void {
    this.#contexts.push(context);
    if (this.#inFlight === 0) context.disable();
  }

  /** Counts `request` (which may enter the contexts) until it settles. */
  track(request: Promise<unknown>): void {
    this.#inFlight++;
    request.then(this.#leave, this.#leave);
  }

  readonly #leave = () => {
    if (--this.#inFlight > 0) return;
    for (const context of this.#contexts) context.disable();
  };
}

/** The process's gate: the contexts are process-wide, so is the count of requests that may read them. */
export const contextGate = new ContextGate();
