import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ContractHomeserver } from '../helpers/contract-homeserver.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

const PASSWORD = 'correct horse battery staple';
const SECRET = 'compat-secret';

/**
 * Identifiers no account can have, sent to the legacy `m.login.password`. PostgreSQL refuses NUL in text:
 * the email lookup once failed there with a 500. The login page's rule holds here too: refused, never looked up.
 */
for (const kind of DATABASE_KINDS) {
  describe(`compatibility password login with control characters [${kind}]`, () => {
    const homeserver = new ContractHomeserver('example.test', SECRET);
    let server: RunningMxauth;
    let base: string;

    before(async () => {
      await homeserver.start();
      server = await startMxauth(kind, {
        matrix: {
          kind: 'synapse',
          homeserver: 'example.test',
          endpoint: homeserver.endpoint,
          secret: SECRET,
        },
        account: { login_with_email_allowed: true },
        rate_limiting: {
          login: { per_ip: { burst: 1000, per_second: 100 }, per_account: { burst: 1000, per_second: 100 } },
        },
      });
      base = server.base.replace(/\/$/, '');
      const registered = await server.mxauth.users.register({
        localpart: 'alice',
        password: PASSWORD,
        email: 'alice@example.org',
      });
      assert.ok(registered.ok);
    });
    after(async () => {
      await server.close();
      await homeserver.stop();
    });

    const login = async (identifier: Record<string, unknown>, password = PASSWORD) => {
      const response = await fetch(`${base}/_matrix/client/v3/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'm.login.password', identifier, password }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    test('a NUL byte in an m.id.thirdparty email address is M_INVALID_PARAM, not a 500', async () => {
      const answer = await login({ type: 'm.id.thirdparty', medium: 'email', address: 'a\u0000b@x.org' });
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.errcode, 'M_INVALID_PARAM');
    });

    test('a NUL byte in a user identifier or a password is M_INVALID_PARAM too', async () => {
      for (const answer of [
        await login({ type: 'm.id.user', user: 'ali\u0000ce' }),
        await login({ type: 'm.id.user', user: 'alice' }, `${PASSWORD}\u0000`),
      ]) {
        assert.equal(answer.status, 400, JSON.stringify(answer.body));
        assert.equal(answer.body.errcode, 'M_INVALID_PARAM');
      }
    });

    test('other control characters name no account: M_FORBIDDEN, as a wrong password', async () => {
      for (const identifier of [
        { type: 'm.id.thirdparty', medium: 'email', address: 'alice@example.org\u007f' },
        { type: 'm.id.thirdparty', medium: 'email', address: 'ali\tce@example.org' },
        { type: 'm.id.user', user: 'ali\u007fce' },
        { type: 'm.id.user', user: 'a'.repeat(600) },
      ]) {
        const answer = await login(identifier);
        assert.equal(answer.status, 403, JSON.stringify({ identifier, answer }));
        assert.equal(answer.body.errcode, 'M_FORBIDDEN');
      }
      // The same answer as a wrong password for the clean address (test/compat/login.test.ts signs it in).
      const wrong = await login(
        { type: 'm.id.thirdparty', medium: 'email', address: 'alice@example.org' },
        'wrong',
      );
      assert.deepEqual(wrong, {
        status: 403,
        body: { errcode: 'M_FORBIDDEN', error: 'Invalid username or password' },
      });
    });
  });
}
