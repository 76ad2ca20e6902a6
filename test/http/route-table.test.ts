import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ROUTES } from '../../src/oauth/provider.js';
import type { Route } from '../../src/routes.js';
import { type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

/** A stand-in for every `:param`: shaped like the ids mxauth and the engine print. */
const ID = '01HZZZZZZZZZZZZZZZZZZZZZZZ';

/** The path a request for `route` is sent to. */
function pathOf(route: Route): string {
  return route.path.replace(/:\w+/g, ID).slice(1);
}

/** The `method route` pairs the request metrics have seen, from `/metrics`' request-duration series. */
async function servedRoutes(server: RunningMxauth): Promise<Set<string>> {
  const text = await server.mxauth.metrics.registry.metrics();
  const served = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('mxauth_http_request_duration_seconds_count{')) continue;
    const method = /method="([^"]*)"/.exec(line)?.[1];
    const route = /route="([^"]*)"/.exec(line)?.[1];
    served.add(`${method} ${route}`);
  }
  return served;
}

describe('the route table', () => {
  let server: RunningMxauth;
  let routes: readonly Route[];
  before(async () => {
    // Every feature that adds rows on: registration, recovery, the phone numbers view.
    server = await startMxauth('sqlite', {
      account: { password_registration_enabled: true, password_recovery_enabled: true },
      sms: { sender: 'webhook', webhook: { url: 'http://127.0.0.1:9/' } },
    });
    routes = server.mxauth.routes;
  });
  after(() => server.close());

  test('has one row per method and path', () => {
    const seen = new Set<string>();
    const duplicates: string[] = [];
    for (const route of routes)
      for (const method of route.methods) {
        const key = `${method} ${route.path}`;
        if (seen.has(key)) duplicates.push(key);
        seen.add(key);
      }
    assert.deepEqual(duplicates, []);
    assert.ok(seen.size > 100, `${seen.size} rows`);
  });

  test('lists every route of the engine configuration (provider.ts ROUTES) and health and metrics', () => {
    const paths = new Set(routes.map((r) => r.path));
    for (const path of [...Object.values(ROUTES), '/health', '/metrics'])
      assert.ok(paths.has(path), `${path} is not in the table`);
  });

  test('every row is served by its own route, for each of its methods', async () => {
    for (const route of routes)
      for (const method of route.methods) {
        const response = await fetch(new URL(pathOf(route), server.base), {
          method,
          redirect: 'manual',
          ...(method === 'POST' ? { headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}),
          ...(method === 'POST' ? { body: '' } : {}),
        });
        await response.arrayBuffer();
      }
    // Each request is counted under the route that answered it: its row's path, never `unmatched`.
    const served = await servedRoutes(server);
    const missing = routes.flatMap((route) =>
      route.methods.filter((m) => !served.has(`${m} ${route.path}`)).map((m) => `${m} ${route.path}`),
    );
    assert.deepEqual(missing, []);
  });

  test('a path outside the table is not found, and counted as unmatched', async () => {
    for (const path of ['account/nothing', 'oauth2/nothing', 'assets/nothing.css', 'interaction', 'x']) {
      const response = await fetch(new URL(path, server.base));
      assert.equal(response.status, 404, path);
      await response.arrayBuffer();
    }
    assert.ok((await servedRoutes(server)).has('GET unmatched'));
  });
});

describe('the route table without the optional features', () => {
  let server: RunningMxauth;
  before(async () => {
    server = await startMxauth('sqlite', {
      account: { password_change_allowed: false, account_deactivation_allowed: false },
    });
  });
  after(() => server.close());

  test('has no rows for the views that are off, and their paths are not found', async () => {
    const paths = new Set(server.mxauth.routes.map((r) => r.path));
    for (const path of [
      '/account/password',
      '/account/deactivate',
      '/account/phones',
      '/assets/custom.css',
    ]) {
      assert.ok(!paths.has(path), `${path} is in the table`);
      const response = await fetch(new URL(path.slice(1), server.base));
      assert.equal(response.status, 404, path);
      await response.arrayBuffer();
    }
  });
});
