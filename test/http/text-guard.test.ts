import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

const PASSWORD = 'correct horse battery staple';

/**
 * Texts with NUL or other control characters are refused at the HTTP edge, in the protocol's format, on
 * both databases: PostgreSQL refuses NUL in text, which used to surface as a 500 (and a registration that
 * had already written its client).
 */
for (const kind of DATABASE_KINDS) {
  describe(`control characters in requests [${kind}]`, () => {
    let server: RunningMxauth;
    before(async () => {
      server = await startMxauth(kind, {
        account: { password_registration_enabled: true, login_with_email_allowed: true },
        rate_limiting: {
          login: { per_ip: { burst: 1000, per_second: 100 }, per_account: { burst: 100, per_second: 10 } },
        },
      });
      assert.ok(
        (
          await server.mxauth.users.register({
            localpart: 'nul',
            password: PASSWORD,
            email: 'nul@example.org',
          })
        ).ok,
      );
    });
    after(() => server.close());

    const login = async (body: Record<string, unknown>) => {
      const response = await fetch(new URL('_matrix/client/v3/login', server.base), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'm.login.password', password: PASSWORD, ...body }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const clients = async () => {
      const { db } = server.mxauth.services.database;
      const rows = await db
        .selectFrom('oauth_records')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('model', '=', 'Client')
        .executeTakeFirstOrThrow();
      return Number(rows.n);
    };

    for (const [name, body] of [
      ['user', { user: 'nu\u0000l' }],
      ['identifier.user', { identifier: { type: 'm.id.user', user: 'nu\u0000l' } }],
      [
        'identifier.address',
        { identifier: { type: 'm.id.thirdparty', medium: 'email', address: 'nul\u0000@example.org' } },
      ],
      ['initial_device_display_name', { user: 'nul', initial_device_display_name: 'phone\u0000' }],
      ['a key', { user: 'nul', 'weird\u0001key': 'x' }],
    ] as const)
      test(`compat login: a control character in ${name} is 400 M_INVALID_PARAM`, async () => {
        const answer = await login(body);
        assert.equal(answer.status, 400, JSON.stringify(answer.body));
        assert.equal(answer.body.errcode, 'M_INVALID_PARAM');
      });

    test('compat login: tab and newline in free text stay allowed', async () => {
      const answer = await login({ user: 'nul', initial_device_display_name: 'my\tphone\n' });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
    });

    test('a body nested too deeply is told so, not blamed on a control character; OAuth clients get JSON', async () => {
      let deep: unknown = 'x';
      for (let i = 0; i < 100; i++) deep = [deep];
      const response = await fetch(new URL('oauth2/registration', server.base), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_uri: 'https://app.example.com/', redirect_uris: deep }),
      });
      assert.equal(response.status, 400);
      const body = (await response.json()) as { error: string; error_description: string };
      assert.equal(body.error, 'invalid_client_metadata');
      assert.match(body.error_description, /nested more than 64 levels/);
      // A form post with `Accept: */*` (curl, many OAuth libraries) to an OAuth endpoint gets OAuth JSON.
      const token = await fetch(new URL('oauth2/token?x=%00', server.base), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: '*/*' },
        body: 'grant_type=refresh_token&refresh_token=x',
      });
      assert.equal(token.status, 400);
      assert.equal(((await token.json()) as { error: string }).error, 'invalid_request');
    });

    test('registration: client_name#en with NUL is invalid_client_metadata and writes no client', async () => {
      const before = await clients();
      const response = await fetch(new URL('oauth2/registration', server.base), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_uri: 'https://app.example.com/',
          redirect_uris: ['https://app.example.com/cb'],
          token_endpoint_auth_method: 'none',
          client_name: 'App',
          'client_name#en': 'App\u0000',
        }),
      });
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(body.error, 'invalid_client_metadata');
      assert.equal(await clients(), before);
    });

    test('engine form bodies and query strings with control characters are invalid_request', async () => {
      const token = await fetch(new URL('oauth2/token', server.base), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=refresh_token&refresh_token=a%00b&client_id=x',
      });
      assert.equal(token.status, 400);
      assert.equal(((await token.json()) as { error: string }).error, 'invalid_request');
      const authorize = await fetch(new URL('authorize?client_id=a%00b&response_type=code', server.base), {
        headers: { accept: 'application/json' },
      });
      assert.equal(authorize.status, 400);
      assert.equal(((await authorize.json()) as { error: string }).error, 'invalid_request');
    });

    test('a page form with a control character is a readable 400 page', async () => {
      const response = await fetch(new URL('password-strength', server.base), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        body: 'password=a%00b',
      });
      assert.equal(response.status, 400);
      assert.match(response.headers.get('content-type') ?? '', /html/);
      assert.match(await response.text(), /control character/);
    });
  });
}
