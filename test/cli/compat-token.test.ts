import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { cli } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { introspect, type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

const dir = mkdtempSync(join(tmpdir(), 'mxauth-compat-token-'));
const TOKEN = /^mct_[A-Za-z0-9]{30}_[A-Za-z0-9]{6}$/;

for (const kind of DATABASE_KINDS) {
  describe(`manage issue-compatibility-token [${kind}]`, () => {
    let server: RunningMxauth;
    let config: string;
    let database: string;
    const run = (args: string[]) => cli(['manage', 'issue-compatibility-token', ...args, '--config', config]);

    before(async () => {
      // The server has migrated the database; the CLI works on the same one, as on a real deployment.
      server = await startMxauth(kind);
      database = server.mxauth.config.database.uri;
      config = join(dir, `${kind}.yaml`);
      writeFileSync(
        config,
        stringify(
          testConfig({ database: { uri: database }, matrix: { kind: 'none', homeserver: 'example.test' } }),
        ),
      );
      for (const localpart of ['alice', 'bob', 'carol'])
        assert.equal((await cli(['manage', 'register-user', localpart, '--config', config])).code, 0);
      assert.equal((await cli(['manage', 'lock-user', 'bob', '--config', config])).code, 0);
      assert.equal((await cli(['manage', 'deactivate-user', 'carol', '--config', config])).code, 0);
    });
    after(() => server.close());

    test('prints only the token, which introspects active for the user and the device given', async () => {
      const issued = await run(['@alice:example.test', '--device-id', 'BOTDEVICE']);
      assert.equal(issued.code, 0, issued.stderr);
      assert.match(issued.stdout, /^mct_\S+\n$/, 'one line, nothing else');
      const token = issued.stdout.trim();
      assert.match(token, TOKEN);
      assert.match(issued.stderr, /@alice:example\.test/);
      assert.match(issued.stderr, /device BOTDEVICE/);
      assert.match(issued.stderr, /not shown again/);
      assert.doesNotMatch(issued.stderr, /mct_/, 'the token is not repeated on stderr');
      assert.doesNotMatch(issued.stderr, /ADMIN/);

      const answer = await introspect(server, token);
      assert.equal(answer.active, true, JSON.stringify(answer));
      assert.equal(answer.username, 'alice');
      assert.equal(answer.device_id, 'BOTDEVICE');
      assert.doesNotMatch(String(answer.scope), /urn:synapse:admin:\*/);
    });

    test('without --device-id a new device is made, each time another', async () => {
      const first = (await run(['alice'])).stdout.trim();
      const second = (await run(['alice'])).stdout.trim();
      assert.match(first, TOKEN);
      assert.notEqual(first, second);
      const [a, b] = [await introspect(server, first), await introspect(server, second)];
      assert.equal(a.active, true);
      assert.equal(typeof a.device_id, 'string');
      assert.notEqual(a.device_id, b.device_id);
    });

    test('--admin --yes-i-want-admin gives the token urn:synapse:admin:*', async () => {
      const issued = await run(['alice', '--admin', '--yes-i-want-admin']);
      assert.equal(issued.code, 0, issued.stderr);
      assert.match(issued.stderr, /ADMIN/);
      const answer = await introspect(server, issued.stdout.trim());
      assert.equal(answer.active, true);
      assert.ok(String(answer.scope).split(' ').includes('urn:synapse:admin:*'), String(answer.scope));
    });

    test('--admin alone is a usage error that explains the risk, and issues nothing', async () => {
      const refused = await run(['alice', '--admin']);
      assert.equal(refused.code, 2);
      assert.equal(refused.stdout, '');
      assert.match(refused.stderr, /full admin access .* --yes-i-want-admin/);
      assert.equal((await run(['alice', '--yes-i-want-admin'])).code, 2);
    });

    test('an unknown, a locked or a deactivated user is one error line, exit 1', async () => {
      for (const [user, reason] of [
        ['nobody', 'no such user'],
        ['bob', 'the account is locked'],
        ['carol', 'the account is deactivated'],
      ] as const) {
        const refused = await run([user]);
        assert.equal(refused.code, 1, user);
        assert.equal(refused.stdout, '');
        assert.equal(refused.stderr, `error: cannot issue a token for ${user}: ${reason}\n`);
      }
    });

    test('an invalid device id is a usage error', async () => {
      const refused = await run(['alice', '--device-id', 'has space']);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /--device-id: the device id must be/);
    });

    test('an unreachable homeserver: the device cannot be made, no token, exit 1', async () => {
      const withHomeserver = join(dir, `${kind}-hs.yaml`);
      writeFileSync(
        withHomeserver,
        stringify(
          testConfig({
            database: { uri: database },
            matrix: {
              kind: 'synapse',
              homeserver: 'example.test',
              endpoint: 'http://127.0.0.1:1/',
              secret: 's',
            },
          }),
        ),
      );
      const failed = await cli(['manage', 'issue-compatibility-token', 'alice', '--config', withHomeserver]);
      assert.equal(failed.code, 1);
      assert.equal(failed.stdout, '');
      assert.match(
        failed.stderr,
        /^error: cannot issue a token for alice: the homeserver did not create the device/,
      );
      assert.equal(failed.stderr.split('\n').length, 2, 'one line');
    });
  });
}
