import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadOptions, LoadResult } from './load.js';

/** True when wrk (Debian package `wrk`) is installed: it loads a server at a fraction of a Node client's CPU. */
export function haveWrk(): boolean {
  return spawnSync('wrk', ['--version']).error === undefined;
}

/**
 * Runs wrk with one thread (the machine has two cores: one is left for the server) and reads its
 * throughput and latency percentiles. `lua` may set wrk.method/headers and a request() function.
 */
export function runWrk(
  options: Pick<LoadOptions, 'url' | 'connections' | 'durationMs'> & { lua?: string },
): LoadResult {
  const url = new URL(options.url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
    throw new Error('benchmarks target loopback only');
  const args = [
    '-t1',
    `-c${options.connections}`,
    `-d${Math.round(options.durationMs / 1000)}s`,
    '--latency',
  ];
  if (options.lua) {
    const script = join(mkdtempSync(join(tmpdir(), 'mxauth-wrk-')), 'script.lua');
    writeFileSync(script, options.lua);
    args.push('-s', script);
  }
  // Warm-up: JIT, connection pools and caches, as the Node loader does.
  spawnSync('wrk', [...args.map((a) => (a.startsWith('-d') ? '-d1s' : a)), options.url], {
    encoding: 'utf8',
  });
  const run = spawnSync('wrk', [...args, options.url], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`wrk failed: ${run.stderr}`);
  const out = run.stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0);
  return {
    requests,
    errors,
    seconds: options.durationMs / 1000,
    rps,
    p50Ms: percentile(out, '50%'),
    p99Ms: percentile(out, '99%'),
  };
}

function percentile(out: string, label: string): number {
  const match = new RegExp(`\\s${label}\\s+([\\d.]+)(us|ms|s)`).exec(out);
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}
