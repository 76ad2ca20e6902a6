import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

let server: RunningMxauth;
before(async () => {
  server = await startMxauth('sqlite', {
    account: { password_registration_enabled: true, password_recovery_enabled: true },
    sms: { sender: 'webhook', webhook: { url: 'http://127.0.0.1:9/' } },
  });
});
after(() => server.close());

/**
 * Every path of the route table (src/routes.ts), each parameter once as an unknown id and once as an
 * encoded path traversal.
 */
function paths(): string[] {
  const all = server.mxauth.routes.flatMap((route) =>
    route.path.includes(':')
      ? ['unknown', '..%2fconfig.yaml'].map((id) => route.path.replace(/:\w+/g, id))
      : [route.path],
  );
  return [...new Set(all)].map((path) => path.slice(1));
}
const BODIES: [string, string][] = [
  ['application/json', '{"unterminated":'],
  ['application/json', '[]'],
  ['application/json', JSON.stringify({ client_uri: 'https://a.example/', redirect_uris: 'not a list' })],
  ['application/x-www-form-urlencoded', 'a=%ZZ&&=='],
  ['application/x-www-form-urlencoded', `token=${'x'.repeat(70_000)}`],
  ['application/x-www-form-urlencoded', 'csrf=forged&username=%00&password=&xsrf=x&user_code=%FF'],
  ['text/plain', 'hello'],
];
const QUERIES = [
  '',
  '?lang=__proto__&action=org.matrix.device_view&device_id=%00',
  '?client_id=%ZZ',
  '?response_type=code&client_id=unknown&redirect_uri=javascript:alert(1)',
];

test('no route answers 5xx to malformed methods, bodies, queries or credentials', async () => {
  const failures: string[] = [];
  const table = paths();
  assert.ok(table.length > 80, `${table.length} paths`);
  for (const path of table) {
    for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const bodies = method === 'GET' || method === 'OPTIONS' ? ([['', '']] as [string, string][]) : BODIES;
      for (const [type, body] of bodies) {
        for (const query of QUERIES) {
          const response = await fetch(new URL(path + query, server.base), {
            method,
            redirect: 'manual',
            headers: type
              ? { 'content-type': type, authorization: 'Basic %%%' }
              : { authorization: 'Bearer' },
            body: body || undefined,
          });
          if (response.status >= 500)
            failures.push(`${response.status} ${method} /${path}${query} ${type} ${body.slice(0, 30)}`);
          await response.arrayBuffer();
        }
      }
    }
  }
  assert.deepEqual(failures, []);
});
