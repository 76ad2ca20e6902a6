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
}

export function createMetrics(jobCounts?: () => Promise<Record<string, number>>): Metrics {
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
  // Routes are named by the routers (ids folded), so the set stays small.
  const children = new Map<string, ReturnType<typeof httpRequests.labels>>();
  return {
    registry,
    httpRequests,
    observeRequest(method, route, status, seconds) {
      const key = `${method} ${status} ${route}`;
      let child = children.get(key);
      if (!child) {
        child = httpRequests.labels(method, route, String(status));
        children.set(key, child);
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
