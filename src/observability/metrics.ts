import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per mxauth instance, so several instances in one process (embedding, tests) never collide. */
export interface Metrics {
  registry: Registry;
  httpRequests: Histogram<'method' | 'route' | 'status'>;
  /** One request's duration in `httpRequests`. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  dbQueries: Counter;
  /** Outbox deliveries by queue, job kind and outcome (done, retry, fail). */
  jobDeliveries: Counter<'queue' | 'kind' | 'outcome'>;
  jobs: Gauge<'state'>;
  /** Sign-ins through upstream providers by provider id and outcome (signed_in, registered, or why not). */
  upstreamSignIns: Counter<'provider' | 'outcome'>;
}

/** Token lookups so far (introspection, userinfo) by what answered them, and the cache's size. */
export interface TokenLookupCounts {
  cache: number;
  database: number;
  cacheEntries: number;
}

export function createMetrics(
  jobCounts?: () => Promise<Record<string, number>>,
  tokenLookups?: () => TokenLookupCounts | undefined,
): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'mxauth_' });
  const httpRequests = new Histogram({
    name: 'mxauth_http_request_duration_seconds',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  // Children by label values: prom-client hashes the label object on every observation otherwise.
  // Routes are named by the routers (ids folded), so the set stays small. Keyed by route, then method
  // and status, without building a key string per request (the hot path's routes are constants).
  const children = new Map<string, Map<string, Map<number, ReturnType<typeof httpRequests.labels>>>>();
  // Counted by the lookup itself as plain numbers (the hot path), read at scrape time.
  new Counter({
    name: 'mxauth_token_lookups_total',
    help: 'Token lookups by what answered them: the introspection cache or the database',
    labelNames: ['answered_by'],
    registers: [registry],
    collect() {
      const counts = tokenLookups?.();
      if (!counts) return;
      this.reset();
      this.inc({ answered_by: 'cache' }, counts.cache);
      this.inc({ answered_by: 'database' }, counts.database);
    },
  });
  new Gauge({
    name: 'mxauth_token_cache_entries',
    help: 'Live tokens held by the introspection cache',
    registers: [registry],
    collect() {
      const counts = tokenLookups?.();
      if (counts) this.set(counts.cacheEntries);
    },
  });
  return {
    registry,
    httpRequests,
    observeRequest(method, route, status, seconds) {
      let byMethod = children.get(route);
      if (!byMethod) {
        byMethod = new Map();
        children.set(route, byMethod);
      }
      let byStatus = byMethod.get(method);
      if (!byStatus) {
        byStatus = new Map();
        byMethod.set(method, byStatus);
      }
      let child = byStatus.get(status);
      if (!child) {
        child = httpRequests.labels(method, route, String(status));
        byStatus.set(status, child);
      }
      child.observe(seconds);
    },
    jobDeliveries: new Counter({
      name: 'mxauth_job_deliveries_total',
      help: 'Outbox delivery attempts by queue, kind and outcome (done, retry, fail)',
      labelNames: ['queue', 'kind', 'outcome'],
      registers: [registry],
    }),
    dbQueries: new Counter({
      name: 'mxauth_db_queries_total',
      help: 'Database queries run',
      registers: [registry],
    }),
    upstreamSignIns: new Counter({
      name: 'mxauth_upstream_sign_ins_total',
      help: 'Sign-ins through upstream providers by provider and outcome',
      labelNames: ['provider', 'outcome'],
      registers: [registry],
    }),
    jobs: new Gauge({
      name: 'mxauth_jobs',
      help: 'Outbox jobs by state, as of the last scrape',
      labelNames: ['state'],
      registers: [registry],
      // Read at scrape time, so the figure is the database's, shared by every instance.
      async collect() {
        if (!jobCounts) return;
        for (const [state, n] of Object.entries(await jobCounts())) this.set({ state }, n);
      },
    }),
  };
}
