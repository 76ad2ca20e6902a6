import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per mxauth instance, so several instances in one process (embedding, tests) never collide. */
export interface Metrics {
  registry: Registry;
  httpRequests: Histogram<'method' | 'route' | 'status'>;
  dbQueries: Counter;
  jobs: Gauge<'state'>;
}

export function createMetrics(jobCounts?: () => Promise<Record<string, number>>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'mxauth_' });
  return {
    registry,
    httpRequests: new Histogram({
      name: 'mxauth_http_request_duration_seconds',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
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
