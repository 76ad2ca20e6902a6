import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { cli } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { ContractHomeserver } from '../helpers/contract-homeserver.js';
import { type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

const SECRET = 'doctor-secret';

describe('mxauth doctor', () => {
  const homeserver = new ContractHomeserver('example.test', SECRET);
  const dir = mkdtempSync(join(tmpdir(), 'mxauth-doctor-'));
  let running: RunningMxauth;
  let base: string;

  const configFile = (name: string, changes: { secret?: string; publicBase?: string } = {}) => {
    const file = join(dir, name);
    writeFileSync(
      file,
      stringify(
        testConfig({
          http: { public_base: changes.publicBase ?? base },
          database: { uri: running.mxauth.config.database.uri },
          matrix: {
            kind: 'synapse',
            homeserver: 'example.test',
            endpoint: homeserver.endpoint,
            secret: changes.secret ?? SECRET,
          },
        }),
      ),
    );
    return file;
  };

  before(async () => {
    await homeserver.start();
    running = await startMxauth('postgres', {
      matrix: { kind: 'synapse', homeserver: 'example.test', endpoint: homeserver.endpoint, secret: SECRET },
    });
    base = running.base;
  });
  after(async () => {
    await running.close();
    await homeserver.stop();
  });

  test('a working set-up: every check passes', async () => {
    const run = await cli(['doctor', '--config', configFile('good.yaml')]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /✓ database: postgresql:\/\/.*, schema up to date/);
    assert.match(
      run.stdout,
      /✓ homeserver: http:\/\/127\.0\.0\.1:\d+\/ answers and accepts the shared secret/,
    );
    assert.match(run.stdout, /✓ public_base: .* serves this server's discovery document/);
    assert.match(
      run.stdout,
      /✓ introspection: POST http:\/\/127\.0\.0\.1:\d+\/oauth2\/introspect accepts the shared secret as Synapse sends it/,
    );
    assert.match(run.stdout, /✓ clock: within 30 s of PostgreSQL and the homeserver/);
    assert.match(run.stdout, /no problems found/);
  });

  test('introspection is tried exactly as Synapse calls it, at --endpoint; a 401 says what to check', async () => {
    const seen: { method?: string; url?: string; headers: Record<string, unknown>; body: string }[] = [];
    const fake = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}');
      });
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/mas`;
    try {
      const run = await cli(['doctor', '--config', configFile('fake.yaml'), '--endpoint', endpoint]);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(
        run.stdout,
        new RegExp(
          `✗ introspection: POST ${endpoint}/oauth2/introspect answered 401: .*matrix_authentication_service\\.secret \\(or secret_path, stripped\\)`,
        ),
      );
      assert.equal(seen.length, 1);
      const [request] = seen;
      assert.equal(request?.method, 'POST');
      assert.equal(request?.url, '/mas/oauth2/introspect');
      assert.equal(request?.headers.authorization, `Bearer ${SECRET}`);
      assert.equal(request?.headers['x-mas-supports-device-id'], '1');
      assert.equal(request?.headers['content-type'], 'application/x-www-form-urlencoded');
      const form = new URLSearchParams(request?.body);
      assert.deepEqual([...form.keys()], ['token', 'token_type_hint']);
      assert.equal(form.get('token_type_hint'), 'access_token');
      assert.match(form.get('token') ?? '', /^mxauth-doctor-[A-Za-z0-9]{24}$/);
    } finally {
      await new Promise((resolve) => fake.close(resolve));
    }
  });

  test('a wrong secret, an unreachable homeserver and a public_base nobody answers are each named', async () => {
    const wrong = await cli(['doctor', '--config', configFile('wrong.yaml', { secret: 'nope' })]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stdout, /✗ homeserver: .* refused the shared secret: matrix\.secret must equal/);
    assert.match(
      wrong.stdout,
      /✗ introspection: POST http:\/\/127\.0\.0\.1:\d+\/oauth2\/introspect answered 401: the running mxauth refuses this matrix\.secret/,
    );
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const nobody = await cli([
      'doctor',
      '--config',
      configFile('nobody.yaml', { publicBase: `http://127.0.0.1:${port}/` }),
    ]);
    assert.match(
      nobody.stdout,
      /✗ public_base: http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration cannot be fetched \(ECONNREFUSED\)/,
    );
    await homeserver.stop();
    try {
      const down = await cli(['doctor', '--config', configFile('down.yaml')]);
      assert.equal(down.code, 1);
      assert.match(
        down.stdout,
        /✗ homeserver: the homeserver could not be reached: .*check matrix\.endpoint/,
      );
      assert.match(down.stderr, /error: 1 problem\(s\) found/);
    } finally {
      await homeserver.start();
    }
  });
});
