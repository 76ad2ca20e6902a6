import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { matrixError } from '../../src/http/errors/matrix.js';
import { oauthError } from '../../src/http/errors/oauth.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

test('OAuth problems: one status and one error code each, never cached', () => {
  const cases: [Parameters<typeof oauthError>[0], number, string][] = [
    [{ kind: 'malformed', description: 'x' }, 400, 'invalid_request'],
    [{ kind: 'too_large' }, 413, 'invalid_request'],
    [{ kind: 'client_unauthenticated', description: 'x', challenge: 'Basic' }, 401, 'invalid_client'],
    [{ kind: 'client_not_allowed', description: 'x' }, 400, 'unauthorized_client'],
    [
      { kind: 'client_metadata', error: 'invalid_redirect_uri', description: 'x' },
      400,
      'invalid_redirect_uri',
    ],
    [{ kind: 'token_invalid', description: 'x' }, 401, 'invalid_token'],
    [{ kind: 'scope_insufficient', scope: 'openid', description: 'x' }, 403, 'insufficient_scope'],
    [{ kind: 'unavailable', description: 'x', retryAfterSeconds: 3 }, 503, 'temporarily_unavailable'],
    [{ kind: 'no_such_endpoint', description: 'x' }, 404, 'not_found'],
    [{ kind: 'method_not_allowed', description: 'x' }, 405, 'invalid_request'],
    [{ kind: 'internal' }, 500, 'server_error'],
  ];
  for (const [problem, status, error] of cases) {
    const answer = oauthError(problem);
    assert.equal(answer.status, status, problem.kind);
    assert.equal(answer.body.error, error, problem.kind);
    assert.equal(answer.headers['cache-control'], 'no-store');
  }
  assert.equal(
    oauthError({ kind: 'scope_insufficient', scope: 'openid', description: 'x' }).headers['www-authenticate'],
    'Bearer error="insufficient_scope", scope="openid"',
  );
  assert.equal(
    oauthError({ kind: 'unavailable', description: 'x', retryAfterSeconds: 3 }).headers['retry-after'],
    '3',
  );
});

test('Matrix problems: the errcode decides the status; limits say when to come back', () => {
  assert.equal(matrixError({ errcode: 'M_FORBIDDEN', message: 'x' }).status, 403);
  assert.equal(matrixError({ errcode: 'M_INVALID_PARAM', message: 'x' }).status, 400);
  assert.equal(matrixError({ errcode: 'M_TOO_LARGE', message: 'x' }).status, 413);
  assert.equal(matrixError({ errcode: 'M_MISSING_TOKEN', message: 'x' }).status, 401);
  const token = matrixError({ errcode: 'M_UNKNOWN_TOKEN', message: 'x', softLogout: false });
  assert.deepEqual([token.status, token.body.soft_logout], [401, false]);
  const limited = matrixError({ errcode: 'M_LIMIT_EXCEEDED', message: 'x', retryAfterMs: 1500 });
  assert.deepEqual(
    [limited.status, limited.body.retry_after_ms, limited.headers['retry-after']],
    [429, 1500, '2'],
  );
  assert.equal(matrixError({ errcode: 'M_UNRECOGNIZED', message: 'x', status: 405 }).status, 405);
});

for (const kind of DATABASE_KINDS) {
  describe(`request problems in the caller's format [${kind}]`, () => {
    let server: RunningMxauth;
    before(async () => {
      server = await startMxauth(kind);
    });
    after(() => server.close());

    test('a control character in a Matrix request is M_INVALID_PARAM, in an OAuth one invalid_request', async () => {
      const matrix = await fetch(`${server.base}_matrix/client/v3/login?x=%00`);
      assert.equal(matrix.status, 400);
      assert.equal(((await matrix.json()) as { errcode: string }).errcode, 'M_INVALID_PARAM');
      const oauth = await fetch(`${server.base}oauth2/userinfo?x=%00`, {
        headers: { accept: 'application/json' },
      });
      assert.equal(oauth.status, 400);
      assert.equal(((await oauth.json()) as { error: string }).error, 'invalid_request');
    });

    test('an unknown Matrix path is M_UNRECOGNIZED 404; a page path is a readable page', async () => {
      const matrix = await fetch(`${server.base}_matrix/client/v3/nowhere`);
      assert.equal(matrix.status, 404);
      assert.equal(((await matrix.json()) as { errcode: string }).errcode, 'M_UNRECOGNIZED');
      const page = await fetch(`${server.base}nowhere`, { headers: { accept: 'text/html' } });
      assert.equal(page.status, 404);
      assert.match(await page.text(), /<h1>Page not found<\/h1>/);
    });
  });
}
