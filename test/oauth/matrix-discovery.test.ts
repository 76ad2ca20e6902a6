import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HOMESERVER_SECRET, type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

describe('Matrix discovery served by mxauth', () => {
  let server: RunningMxauth;
  let bare: RunningMxauth;

  before(async () => {
    server = await startMxauth('sqlite', {
      matrix: {
        kind: 'none',
        homeserver: 'example.test',
        secret: HOMESERVER_SECRET,
        well_known_client: {
          'm.homeserver': { base_url: 'https://matrix.example.test' },
          'im.vector.riot.e2ee': { default: true },
        },
      },
    });
    bare = await startMxauth('sqlite');
  });
  after(async () => {
    await server.close();
    await bare.close();
  });

  test('/.well-known/matrix/client merges the configured document with the issuer and account URL', async () => {
    const response = await fetch(`${server.base}.well-known/matrix/client`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    assert.deepEqual(await response.json(), {
      'm.homeserver': { base_url: 'https://matrix.example.test' },
      'im.vector.riot.e2ee': { default: true },
      'org.matrix.msc2965.authentication': { issuer: server.base, account: `${server.base}account/` },
    });
    const missing = await fetch(`${bare.base}.well-known/matrix/client`);
    assert.equal(missing.status, 404, 'not published without a configured base document');
    assert.equal(((await missing.json()) as { errcode: string }).errcode, 'M_NOT_FOUND');
  });

  test('auth_metadata (stable and unstable) is the server metadata, with CORS for browser clients', async () => {
    const discovery = await (await fetch(`${server.base}.well-known/openid-configuration`)).json();
    for (const path of [
      '_matrix/client/v1/auth_metadata',
      '_matrix/client/unstable/org.matrix.msc2965/auth_metadata',
    ]) {
      const response = await fetch(`${server.base}${path}`, { headers: { origin: 'https://app.example' } });
      assert.equal(response.status, 200, path);
      assert.ok(
        ['*', 'https://app.example'].includes(response.headers.get('access-control-allow-origin') ?? ''),
        `${path} is readable from a browser client's origin`,
      );
      assert.deepEqual(await response.json(), discovery, path);
    }
    const preflight = await fetch(`${server.base}_matrix/client/v1/auth_metadata`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' },
    });
    assert.ok(preflight.status < 300);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  });

  test('auth_issuer names the issuer', async () => {
    const response = await fetch(`${server.base}_matrix/client/unstable/org.matrix.msc2965/auth_issuer`);
    assert.deepEqual(await response.json(), { issuer: server.base });
  });
});
