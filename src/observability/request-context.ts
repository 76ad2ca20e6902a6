import { AsyncLocalStorage } from 'node:async_hooks';
import { contextGate } from './context-gate.js';

/** Per-request counters that deeper layers add to without knowing about HTTP (database time, for the request log). */
export interface RequestStats {
  dbMs: number;
  dbQueries: number;
}

const storage = new AsyncLocalStorage<RequestStats>();
// Off while no Koa request runs (see context-gate.ts): an enabled context costs every request on Node 20.
contextGate.add(storage);

export function runWithRequestStats<T>(fn: () => T): { stats: RequestStats; result: T } {
  const stats: RequestStats = { dbMs: 0, dbQueries: 0 };
  return { stats, result: storage.run(stats, fn) };
}

/** Runs `fn` outside any request, so work it schedules is not counted against the request that started it. */
export function outsideRequest<T>(fn: () => T): T {
  return storage.exit(fn);
}

/** Adds a query's duration to the current request, if there is one (background work has none). */
export function recordQuery(durationMs: number): void {
  const stats = storage.getStore();
  if (!stats) return;
  stats.dbMs += durationMs;
  stats.dbQueries += 1;
}
