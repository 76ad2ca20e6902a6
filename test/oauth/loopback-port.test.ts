import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { type RunningMxauth, registerClient, startMxauth } from '../helpers/oauth-server.js';

for (const kind of DATABASE_KINDS) {
  describe(`loopback redirect URIs at authorization time [${kind}]`, () => {
    let server: RunningMxauth;
    let clientId: string;
    before(async () => {
      server = await startMxauth(kind);
      const client = await registerClient(server, {
        application_type: 'native',
        redirect_uris: ['http://127.0.0.1/cb'],
      });
      clientId = client.clientMetadata().client_id;
    });
    after(() => server.close());

    const authorize = (redirect: string) => {
      const url = new URL('authorize', server.base);
      url.search = new URLSearchParams({
        client_id: clientId,
        redirect_uri: redirect,
        response_type: 'code',
        scope: 'openid',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      }).toString();
      return fetch(url, { redirect: 'manual', headers: { accept: 'application/json' } });
    };

    test('any real port is accepted', async () => {
      const response = await authorize('http://127.0.0.1:4567/cb');
      await response.arrayBuffer();
      assert.ok(response.status === 302 || response.status === 303, String(response.status));
      assert.doesNotMatch(response.headers.get('location') ?? '', /^http:\/\/127\.0\.0\.1/);
    });

    test('port 0 is refused without a redirect to it', async () => {
      for (const redirect of ['http://127.0.0.1:0/cb', 'http://127.0.0.1:00/cb']) {
        const response = await authorize(redirect);
        const body = (await response.json()) as { error: string };
        assert.equal(response.status, 400, redirect);
        assert.equal(body.error, 'invalid_request');
        assert.equal(response.headers.get('location'), null);
      }
    });
  });
}
