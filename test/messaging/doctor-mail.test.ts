import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { cli } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { catcherEmailConfig, type MailCatcher, startMailCatcher } from '../helpers/mail-catcher.js';
import { type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

describe('mxauth doctor: mail', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mxauth-doctor-mail-'));
  let running: RunningMxauth;
  let catcher: MailCatcher;

  /** A config file for the running instance (so every other check passes) with this mail set-up. */
  const doctor = async (email: Record<string, unknown>, account: Record<string, unknown> = {}) => {
    const file = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(
      file,
      stringify(
        testConfig({
          http: { public_base: running.base },
          database: { uri: running.mxauth.config.database.uri },
          email,
          account,
        }),
      ),
    );
    return cli(['doctor', '--config', file, '--timeout', '3000']);
  };

  before(async () => {
    catcher = await startMailCatcher();
    running = await startMxauth('sqlite');
  });
  after(async () => {
    await running.close();
    await catcher.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('an SMTP server that answers is reported as working, and nothing is sent to it', async () => {
    const run = await doctor(catcherEmailConfig(catcher));
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      new RegExp(`✓ mail: 127\\.0\\.0\\.1:${catcher.port} accepts connections \\(plain\\)`),
    );
    assert.deepEqual(catcher.mails, []);
  });

  test('an SMTP server that does not answer is a problem, named with its address', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const run = await doctor({ transport: 'smtp', hostname: '127.0.0.1', port, mode: 'plain' });
    assert.equal(run.code, 1);
    assert.match(run.stdout, new RegExp(`✗ mail: smtp 127\\.0\\.0\\.1:${port} \\(plain\\): .*ECONNREFUSED`));
  });

  test('`mode: starttls` against a server without STARTTLS is a problem', async () => {
    const run = await doctor(catcherEmailConfig(catcher, { mode: 'starttls' }));
    assert.equal(run.code, 1);
    assert.match(run.stdout, /✗ mail: smtp 127\.0\.0\.1:\d+ \(starttls\): no TLS with the SMTP server/);
  });

  test('a sendmail command that does not exist is a problem; one that does is fine', async () => {
    const missing = await doctor({ transport: 'sendmail', command: join(dir, 'no-such-sendmail') });
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /✗ mail: sendmail \(.*no-such-sendmail\): .* is not an executable file/);
    const present = await doctor({ transport: 'sendmail', command: 'sh' });
    assert.match(present.stdout, /✓ mail: \/.*\/sh is executable/);
  });

  test('blackhole is a warning when the account settings need mail, and fine when nothing does', async () => {
    const needed = await doctor({ transport: 'blackhole' }, { password_recovery_enabled: true });
    assert.equal(needed.code, 0, 'a warning, not a failure');
    assert.match(
      needed.stdout,
      /! mail: email\.transport is blackhole: password recovery links, .* are dropped/,
    );
    const unneeded = await doctor(
      { transport: 'blackhole' },
      { email_change_allowed: false, password_registration_enabled: false },
    );
    assert.match(unneeded.stdout, /✓ mail: blackhole/);
  });
});
