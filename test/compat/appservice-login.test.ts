import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { introspect, type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

for (const kind of DATABASE_KINDS) {
  describe(`appservice login (encrypted bridges) [${kind}]`, () => {
    let server: RunningMxauth;

    before(async () => {
      server = await startMxauth(kind, {
        appservices: [
          {
            id: 'telegram',
            as_token: 'telegram-as-token',
            hs_token: 'telegram-hs-token',
            sender_localpart: 'telegrambot',
            url: 'http://localhost:29317',
            namespaces: { users: [{ exclusive: true, regex: '@telegram_.*:example.test' }] },
            // A bridge without MSC4190 support: the old login, opted in.
            appservice_login: true,
          },
          {
            id: 'signal',
            as_token: 'signal-as-token',
            sender_localpart: 'signalbot',
            namespaces: { users: [{ exclusive: true, regex: '@signal_.*:example.test' }] },
          },
        ],
      });
    });
    after(() => server.close());

    const login = async (user: string, token: string) => {
      const response = await fetch(`${server.base}_matrix/client/v3/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          type: 'm.login.application_service',
          identifier: { type: 'm.id.user', user },
        }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, string> };
    };

    test('the flow is offered, and a user of the exclusive namespace gets a device and a token', async () => {
      const flows = (await (await fetch(`${server.base}_matrix/client/v3/login`)).json()) as {
        flows: { type: string }[];
      };
      assert.ok(flows.flows.some((f) => f.type === 'm.login.application_service'));
      const answer = await login('telegram_1234', 'telegram-as-token');
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.user_id, '@telegram_1234:example.test');
      const token = await introspect(server, answer.body.access_token!);
      assert.equal(token.active, true);
      assert.equal(token.username, 'telegram_1234');
      assert.equal(token.device_id, answer.body.device_id);
      const sender = await login('@telegrambot:example.test', 'telegram-as-token');
      assert.equal(sender.status, 200, 'the bridge bot itself may sign in');
    });

    test('refused outside the namespace, and with a wrong token', async () => {
      const outside = await login('alice', 'telegram-as-token');
      assert.equal(outside.status, 403);
      assert.equal(outside.body.errcode, 'M_FORBIDDEN');
      const wrong = await login('telegram_1234', 'not-the-token');
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.errcode, 'M_UNKNOWN_TOKEN');
    });

    test('an appservice that did not opt in gets M_APPSERVICE_LOGIN_UNSUPPORTED (MSC4190)', async () => {
      const answer = await login('signal_1', 'signal-as-token');
      assert.equal(answer.status, 400);
      assert.equal(answer.body.errcode, 'M_APPSERVICE_LOGIN_UNSUPPORTED');
    });
  });

  describe(`appservice login, not opted in (MSC4190) [${kind}]`, () => {
    let server: RunningMxauth;

    before(async () => {
      server = await startMxauth(kind, {
        appservices: [
          {
            id: 'whatsapp',
            as_token: 'whatsapp-as-token',
            sender_localpart: 'whatsappbot',
            namespaces: { users: [{ exclusive: true, regex: '@whatsapp_.*:example.test' }] },
          },
        ],
      });
    });
    after(() => server.close());

    test('GET /login does not list the flow, and the login answers 400 M_APPSERVICE_LOGIN_UNSUPPORTED', async () => {
      for (const version of ['v3', 'r0']) {
        const flows = (await (await fetch(`${server.base}_matrix/client/${version}/login`)).json()) as {
          flows: { type: string }[];
        };
        assert.ok(!flows.flows.some((f) => f.type === 'm.login.application_service'), version);
      }
      // With the right token, a wrong one and none: the login type itself is what is not supported.
      for (const token of ['whatsapp-as-token', 'not-the-token', undefined]) {
        const response = await fetch(`${server.base}_matrix/client/v3/login`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: JSON.stringify({
            type: 'm.login.application_service',
            identifier: { type: 'm.id.user', user: 'whatsapp_1' },
          }),
        });
        assert.equal(response.status, 400, String(token));
        assert.equal(
          ((await response.json()) as { errcode: string }).errcode,
          'M_APPSERVICE_LOGIN_UNSUPPORTED',
        );
      }
      assert.equal(await server.mxauth.services.storage.users.findByLocalpart('whatsapp_1'), undefined);
    });
  });
}
