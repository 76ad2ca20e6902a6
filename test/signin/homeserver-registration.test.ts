import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type * as oidc from 'openid-client';
import { newBrowser } from '../helpers/browser.js';
import { ContractHomeserver, newContractUser } from '../helpers/contract-homeserver.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { eventually } from '../helpers/eventually.js';
import { introspectAsHomeserver, QUICK_OUTBOX } from '../helpers/homeserver-flows.js';
import { type RunningMxauth, registerClient, startMxauth } from '../helpers/oauth-server.js';
import { authorize, heading, lastCode, PASSWORD, redeem } from './helpers.js';

const SECRET = 'homeserver-shared-secret';

for (const kind of DATABASE_KINDS) {
  describe(`registration against the homeserver [${kind}]`, () => {
    const homeserver = new ContractHomeserver('example.test', SECRET);
    let server: RunningMxauth;
    let client: oidc.Configuration;

    before(async () => {
      await homeserver.start();
      server = await startMxauth(
        kind,
        {
          matrix: {
            kind: 'synapse',
            homeserver: 'example.test',
            endpoint: homeserver.endpoint,
            secret: SECRET,
          },
          account: { password_registration_enabled: true, password_registration_email_required: true },
        },
        { mxauth: { outbox: QUICK_OUTBOX } },
      );
      client = await registerClient(server);
      homeserver.users.set('synapseonly', newContractUser());
      homeserver.exclusive.add('_bridge_bot');
    });
    after(async () => {
      await server.close();
      await homeserver.stop();
      assert.deepEqual(homeserver.violations, [], 'every request mxauth sent kept to the contract');
    });

    const available = async (username: string) => {
      const response = await fetch(
        `${server.base}register/available?username=${encodeURIComponent(username)}`,
      );
      assert.equal(response.status, 200);
      return (await response.json()) as { available: boolean | null; reason?: string; message: string };
    };

    test('the availability check asks the homeserver, which has the last word', async () => {
      assert.equal((await available('brandnew')).available, true);
      assert.deepEqual(await available('synapseonly'), {
        available: false,
        reason: 'localpart_taken',
        message: 'This username is already taken.',
      });
      const reserved = await available('_bridge_bot');
      assert.equal(reserved.available, false);
      assert.match(reserved.message, /reserved/);
      homeserver.misbehave = 'error500';
      try {
        const unknown = await available('brandnew');
        assert.equal(unknown.available, null, 'unknown, not "taken"');
        assert.match(unknown.message, /homeserver is not answering/);
      } finally {
        homeserver.misbehave = 'no';
      }
      assert.ok(homeserver.callsOf('is_localpart_available').length >= 3);
    });

    test('the new account is provisioned with its verified address and gets its device', async () => {
      const browser = newBrowser(server.base);
      const { page: form, verifier } = await authorize(browser, client, { prompt: 'create' });
      let page = await browser.submit(form, {
        username: 'synapseonly',
        email: 'someone@example.org',
        password: PASSWORD,
        password_confirm: PASSWORD,
      });
      assert.match(page.html, /This username is already taken/);
      homeserver.misbehave = 'error500';
      page = await browser.submit(form, {
        username: 'arrival',
        email: 'arrival@example.org',
        display_name: 'Arrival',
        password: PASSWORD,
        password_confirm: PASSWORD,
      });
      homeserver.misbehave = 'no';
      assert.equal(page.status, 400);
      assert.match(page.html, /homeserver is not answering/);

      page = await browser.submit(form, {
        username: 'arrival',
        email: 'arrival@example.org',
        display_name: 'Arrival',
        password: PASSWORD,
        password_confirm: PASSWORD,
      });
      assert.equal(heading(page), 'Confirm your email address');
      assert.equal(homeserver.users.has('arrival'), false, 'nothing reaches the homeserver before the code');
      page = await browser.submit(page, { code: await lastCode(server, 'arrival@example.org') });
      page = await browser.submit(page, { decision: 'allow' });
      const tokens = await redeem(client, page, verifier);
      await eventually('arrival is provisioned', () => homeserver.users.has('arrival'));
      const provisioned = homeserver.callsOf('provision_user').find((c) => c.body?.localpart === 'arrival');
      assert.deepEqual(provisioned?.body?.set_emails, ['arrival@example.org']);
      assert.equal(provisioned?.body?.set_displayname, 'Arrival');
      const body = await introspectAsHomeserver(server.base, SECRET, tokens.access_token);
      assert.equal(body.username, 'arrival');
      assert.ok(homeserver.callsOf('upsert_device').some((c) => c.body?.localpart === 'arrival'));
    });
  });
}
