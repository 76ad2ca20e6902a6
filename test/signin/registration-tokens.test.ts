import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type * as oidc from 'openid-client';
import { stringify } from 'yaml';
import { tokenHash } from '../../src/domain/token-hash.js';
import { newBrowser } from '../helpers/browser.js';
import { cli } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/databases.js';
import { type RunningMxauth, registerClient } from '../helpers/oauth-server.js';
import { authorize, heading, lastCode, PASSWORD, startOn } from './helpers.js';

const ACCOUNT = {
  password_registration_enabled: true,
  password_registration_email_required: false,
  registration_token_required: true,
};

for (const kind of DATABASE_KINDS) {
  describe(`registration tokens [${kind}]`, () => {
    let database: TestDatabase;
    let server: RunningMxauth;
    let client: oidc.Configuration;
    let dir: string;
    let configFile: string;
    const run = (args: string[]) => cli([...args, '--config', configFile]);

    before(async () => {
      database = await createTestDatabase(kind);
      server = await startOn(database, { account: ACCOUNT });
      client = await registerClient(server);
      dir = mkdtempSync(join(tmpdir(), 'mxauth-tokens-'));
      configFile = join(dir, 'config.yaml');
      writeFileSync(
        configFile,
        stringify(
          testConfig({
            database: { uri: database.uri },
            account: ACCOUNT,
            matrix: { kind: 'none', homeserver: 'example.test' },
          }),
        ),
      );
    });
    after(async () => {
      await server.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    /** Fills in the registration form with `token`; returns the page it leads to. */
    const register = async (
      username: string,
      token: string | undefined,
      extra: Record<string, string> = {},
    ) => {
      const browser = newBrowser(server.base);
      const { page } = await authorize(browser, client, { prompt: 'create' });
      return {
        browser,
        page: await browser.submit(page, {
          username,
          password: PASSWORD,
          password_confirm: PASSWORD,
          ...(token === undefined ? {} : { registration_token: token }),
          ...extra,
        }),
      };
    };
    const timesUsed = async (token: string) => {
      const hash = tokenHash(token);
      const row = await server.mxauth.services.database.db
        .selectFrom('registration_tokens')
        .select('times_used')
        .where('token_hash', '=', hash)
        .executeTakeFirst();
      return Number(row?.times_used);
    };

    test('issue, list and revoke through the CLI; only the hash is stored', async () => {
      const issued = await run([
        'manage',
        'issue-registration-token',
        '--usage-limit',
        '2',
        '--expires-in',
        '3600',
      ]);
      assert.equal(issued.code, 0, issued.stderr);
      const token = issued.stdout.trim();
      assert.match(token, /^[A-Za-z0-9]{20,}$/, 'a random token of 20+ characters');
      assert.match(issued.stderr, /2 use\(s\), valid until \d{4}-.*not shown again/);
      const stored = await server.mxauth.services.database.db
        .selectFrom('registration_tokens')
        .selectAll()
        .execute();
      assert.equal(stored.length, 1);
      assert.equal(stored[0]!.token_hash, tokenHash(token));
      assert.doesNotMatch(JSON.stringify(stored), new RegExp(token));

      const chosen = await run(['manage', 'issue-registration-token', '--token', 'Spring-Party.2026']);
      assert.equal(chosen.stdout, 'Spring-Party.2026\n');
      assert.match(chosen.stderr, /unlimited uses, no expiry/);
      const again = await run(['manage', 'issue-registration-token', '--token', 'Spring-Party.2026']);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /exists already/);
      const bad = await run(['manage', 'issue-registration-token', '--token', 'no spaces please']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--token: use 1 to 64 of the characters/);
      assert.equal((await run(['manage', 'issue-registration-token', '--usage-limit', '0'])).code, 2);

      const listed = await run(['manage', 'list-registration-tokens', '--json']);
      const rows = listed.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.deepEqual(
        rows.map((r) => ({
          state: r.state,
          uses: r.times_used,
          limit: r.usage_limit,
          expires: r.expires_at !== null,
        })),
        [
          { state: 'valid', uses: 0, limit: 2, expires: true },
          { state: 'valid', uses: 0, limit: null, expires: false },
        ],
      );
      const table = await run(['manage', 'list-registration-tokens']);
      assert.match(table.stdout, /^ID\s+STATE\s+USES\s+CREATED\s+EXPIRES\s+LAST USED\n/);
      assert.match(table.stdout, /valid\s+0\/∞/);

      const revoked = await run(['manage', 'revoke-registration-token', String(rows[1]!.id)]);
      assert.equal(revoked.stdout, `registration token ${rows[1]!.id} revoked\n`);
      assert.equal((await run(['manage', 'revoke-registration-token', String(rows[1]!.id)])).code, 1);
      assert.match((await run(['manage', 'list-registration-tokens'])).stdout, /revoked\s+0\/∞/);

      const { page } = await register('partygoer', 'Spring-Party.2026');
      assert.equal(page.status, 400);
      assert.match(page.html, /This registration token is not valid/);
      const { page: accepted } = await register('cliuser', token);
      assert.equal(heading(accepted), 'Allow access?');
      assert.equal(await timesUsed(token), 1);
    });

    test('missing, unknown, revoked, expired and used-up tokens are refused; a valid one is accepted and counted', async () => {
      const { storage } = server.mxauth.services;
      const make = async (
        token: string,
        options: { usageLimit?: number | null; expiresAt?: Date | null } = {},
      ) => {
        const created = await storage.registrationTokens.create({
          tokenHash: tokenHash(token),
          usageLimit: options.usageLimit ?? null,
          expiresAt: options.expiresAt ?? null,
        });
        assert.ok(created.ok);
        return created.value;
      };
      await make('good-token', { usageLimit: 2 });
      const revoked = await make('revoked-token');
      await storage.registrationTokens.revoke(revoked.id);
      await make('expired-token', { expiresAt: new Date(server.clock.now().getTime() - 1000) });
      await make('used-up-token', { usageLimit: 1 });
      assert.ok(await storage.registrationTokens.use(tokenHash('used-up-token')));

      const { page: form } = await register('nobody', undefined);
      assert.equal(form.status, 400);
      assert.match(form.html, /Enter your registration token/);
      assert.match(form.html, /name="registration_token"[^>]* required/);
      for (const token of [
        'unknown-token',
        'revoked-token',
        'expired-token',
        'used-up-token',
        'bad token!',
      ]) {
        const { page } = await register('nobody', token);
        assert.equal(page.status, 400, token);
        assert.match(page.html, /This registration token is not valid/, token);
      }
      assert.equal(await storage.users.findByLocalpart('nobody'), undefined);

      const { page } = await register('holder', 'good-token');
      assert.equal(heading(page), 'Allow access?');
      assert.equal(await timesUsed('good-token'), 1);
      assert.equal(await timesUsed('used-up-token'), 1, 'refusals do not count');
    });

    test('a token used up between the form and the emailed code does not create a second account', async () => {
      const { storage } = server.mxauth.services;
      assert.ok(
        (
          await storage.registrationTokens.create({
            tokenHash: tokenHash('last-seat'),
            usageLimit: 1,
            expiresAt: null,
          })
        ).ok,
      );
      // The first person gives an address: the token is checked, the account waits for the code.
      const waiting = await register('patient', 'last-seat', { email: 'patient@example.org' });
      assert.equal(heading(waiting.page), 'Confirm your email address');
      // Meanwhile someone else registers with the same token, without an address.
      const { page: fast } = await register('quick', 'last-seat');
      assert.equal(heading(fast), 'Allow access?');
      const code = await lastCode(server, 'patient@example.org');
      const late = await waiting.browser.submit(waiting.page, { code });
      assert.equal(late.status, 400);
      assert.equal(heading(late), 'Create an account');
      assert.match(late.html, /This registration token is not valid/);
      assert.equal(await storage.users.findByLocalpart('patient'), undefined, 'rolled back whole');
      assert.equal(await storage.emails.findByAddress('patient@example.org'), undefined);
      assert.equal(await timesUsed('last-seat'), 1);
    });
  });
}
