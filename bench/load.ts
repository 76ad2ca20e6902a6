import { Agent, request } from 'node:http';

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

export interface LoadOptions {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  /** Request body, or a function making a fresh one per request (e.g. a different token each time). */
  body?: string | (() => string);
  connections: number;
  durationMs: number;
  warmupMs?: number;
  /** Status considered a success (default 200). */
  expectStatus?: number;
}

/**
 * A closed-loop load generator: `connections` keep-alive connections, each sending its next request as
 * soon as the previous answer arrives, for a fixed time. Bounded in time; loopback targets only.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const url = new URL(options.url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
    throw new Error('benchmarks target loopback only');
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies: number[] = [];
  let errors = 0;
  let measuring = false;
  let stop = false;

  const once = () =>
    new Promise<void>((resolve) => {
      const body = typeof options.body === 'function' ? options.body() : options.body;
      const started = process.hrtime.bigint();
      const req = request(
        url,
        {
          method: options.method ?? 'GET',
          agent,
          headers: { ...options.headers, ...(body ? { 'content-length': Buffer.byteLength(body) } : {}) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (measuring) {
              if (res.statusCode === (options.expectStatus ?? 200))
                latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
              else errors++;
            }
            resolve();
          });
        },
      );
      req.on('error', () => {
        if (measuring) errors++;
        resolve();
      });
      req.end(body);
    });

  const worker = async () => {
    while (!stop) await once();
  };
  const workers = Array.from({ length: options.connections }, worker);
  await new Promise((r) => setTimeout(r, options.warmupMs ?? 1000));
  measuring = true;
  const started = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, options.durationMs));
  measuring = false;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  stop = true;
  await Promise.all(workers);
  agent.destroy();
  return summarize(latencies, errors, seconds);
}

/** Throughput and latency percentiles from the latencies (ms) of the successful requests. */
export function summarize(latencies: number[], errors: number, seconds: number): LoadResult {
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? Number.NaN;
  return {
    requests: latencies.length,
    errors,
    seconds,
    rps: latencies.length / seconds,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
  };
}
