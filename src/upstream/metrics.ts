import type { Metrics } from '../observability/metrics.js';

/** Counts upstream sign-ins by provider and outcome (`mxauth_upstream_sign_ins_total`). */
export interface UpstreamMetrics {
  signIn(providerId: string, outcome: string): void;
}

export function upstreamMetrics(metrics: Metrics | undefined): UpstreamMetrics {
  return { signIn: (provider, outcome) => metrics?.upstreamSignIns.inc({ provider, outcome }) };
}
