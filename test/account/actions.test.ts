import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type * as oidc from 'openid-client';
import type { FormBrowser, Page } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { signInDevice } from '../helpers/homeserver-flows.js';
import { introspect, type RunningMxauth, registerClient } from '../helpers/oauth-server.js';
import { formAction, messagesTo, PASSWORD, postForm, register, signedIn, startPlain } from './support.js';

/** The navigation entry marked as the current view (its href), and how many are marked. */
function currentView(page: Page): { href: string | undefined; marked: number } {
  const nav = /<nav class="account-nav"[\s\S]*?<\/nav>/.exec(page.html)?.[0] ?? '';
  const marked = [...nav.matchAll(/<a href="([^"]+)" aria-current="page">/g)];
  return { href: marked[0]?.[1], marked: marked.length };
}

function assertView(page: Page, route: string, content: RegExp): void {
  assert.equal(page.status, 200, page.html.slice(0, 400));
  const current = currentView(page);
  assert.equal(current.marked, 1, 'exactly one view is marked current');
  assert.equal(current.href, route);
  assert.match(page.html, content);
}

for (const kind of DATABASE_KINDS) {
  describe(`account views and MSC4191 deep links [${kind}]`, () => {
    let running: RunningMxauth;
    let client: oidc.Configuration;
    let browser: FormBrowser;

    const device = async (deviceId: string) => {
      const signed = await signInDevice(
        running.base,
        client,
        { localpart: 'dora', password: PASSWORD },
        deviceId,
      );
      assert.equal(signed.status, 200, JSON.stringify(signed.body));
      return signed.body.access_token!;
    };

    before(async () => {
      running = await startPlain(kind, {
        sms: { sender: 'webhook', webhook: { url: 'http://127.0.0.1:9/sms' } },
      });
      client = await registerClient(running, { client_name: 'Element' });
      await register(running, 'dora', { email: 'dora@example.org' });
      await device('DORAPHONE');
      ({ browser } = await signedIn(running.base, 'dora'));
    });
    after(() => running.close());

    const open = (query: string) => browser.get(`/account/${query}`);

    test('the navigation lists every view and marks the one shown', async () => {
      const page = await open('');
      const nav = /<nav class="account-nav" aria-label="Account settings">[\s\S]*?<\/nav>/.exec(
        page.html,
      )?.[0];
      assert.ok(nav, 'a labelled navigation');
      const links = [...nav.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]);
      assert.deepEqual(links, [
        '/account/profile',
        '/account/emails',
        '/account/phones',
        '/account/password',
        '/account/devices',
        '/account/deactivate',
      ]);
      for (const route of links) {
        const view = await browser.get(route!);
        assert.equal(view.status, 200, route);
        assert.equal(currentView(view).href, route);
      }
    });

    test('no action opens the devices, the default view', async () => {
      assertView(await open(''), '/account/devices', /DORAPHONE/);
    });

    test('org.matrix.profile opens the profile', async () => {
      assertView(await open('?action=org.matrix.profile'), '/account/profile', /name="displayname"/);
    });

    for (const action of ['org.matrix.devices_list', 'org.matrix.sessions_list'])
      test(`${action} opens the device list`, async () => {
        assertView(await open(`?action=${action}`), '/account/devices', /<code>DORAPHONE<\/code>/);
      });

    for (const action of ['org.matrix.device_view', 'org.matrix.session_view'])
      test(`${action} opens the device list with that device singled out`, async () => {
        const page = await open(`?action=${action}&device_id=DORAPHONE`);
        assertView(
          page,
          '/account/devices',
          /<tr class="focus" aria-current="true">\s*<td>Element[\s\S]*?<code>DORAPHONE<\/code>/,
        );
        assert.doesNotMatch(page.html, /Sign out this device\?/, 'viewing asks nothing');
      });

    for (const [action, deviceId] of [
      ['org.matrix.device_delete', 'DORATABLET'],
      ['org.matrix.session_end', 'DORALAPTOP'],
    ] as const)
      test(`${action} asks whether to sign the device out, and does on confirmation`, async () => {
        const token = await device(deviceId);
        let page = await open(`?action=${action}&device_id=${deviceId}`);
        assertView(page, '/account/devices', /<h3 id="confirm-end">Sign out this device\?<\/h3>/);
        assert.match(page.html, new RegExp(`Element \\(${deviceId}\\) will be signed out`));
        const confirm = /<section class="confirm"[\s\S]*?<form method="post" action="([^"]+)"/.exec(
          page.html,
        )?.[1];
        assert.ok(confirm);
        assert.equal(
          (await introspect(running, token)).active,
          true,
          'nothing happens before the confirmation',
        );
        page = await browser.submit(page, {}, confirm);
        assert.match(page.html, /The device was signed out/);
        assert.equal((await introspect(running, token)).active, false);
        assert.doesNotMatch(page.html, new RegExp(deviceId));
      });

    test('org.matrix.account_deactivate opens the deactivation view', async () => {
      assertView(
        await open('?action=org.matrix.account_deactivate'),
        '/account/deactivate',
        /Deactivate my account/,
      );
    });

    test('org.matrix.cross_signing_reset opens the reset approval', async () => {
      const page = await open('?action=org.matrix.cross_signing_reset');
      assert.equal(page.status, 200);
      assert.match(page.html, /<h2>Reset your cross-signing identity<\/h2>/);
      assert.match(formAction(page, 'cross-signing-reset'), /\/account\/cross-signing-reset$/);
    });

    test('an unknown action opens the default view', async () => {
      assertView(await open('?action=org.example.nonsense'), '/account/devices', /DORAPHONE/);
      assertView(await open('?action='), '/account/devices', /DORAPHONE/);
    });

    test('a device action without a device id opens the list; an unknown device id says so (404)', async () => {
      assertView(await open('?action=org.matrix.device_delete'), '/account/devices', /DORAPHONE/);
      for (const action of ['org.matrix.device_view', 'org.matrix.device_delete', 'org.matrix.session_end']) {
        const page = await open(`?action=${action}&device_id=NOSUCHDEVICE`);
        assert.equal(page.status, 404, action);
        assert.match(page.html, /No device with the id NOSUCHDEVICE is signed in to your account/);
        assert.equal(currentView(page).href, '/account/devices');
      }
    });

    test('German readers get the views in German', async () => {
      const { page } = await signedIn(running.base, 'dora', '/account/?action=org.matrix.profile', {
        'accept-language': 'de-DE,de;q=0.9',
      });
      assert.match(page.html, /<html lang="de"/);
      assert.match(page.html, /aria-current="page">Profil<\/a>/);
      assert.match(page.html, /Anzeigename/);
    });
  });

  describe(`views the configuration turns off [${kind}]`, () => {
    let running: RunningMxauth;

    before(async () => {
      running = await startPlain(kind, {
        account: {
          password_registration_enabled: true,
          account_deactivation_allowed: false,
          password_change_allowed: false,
          displayname_change_allowed: false,
          email_change_allowed: false,
        },
      });
      await register(running, 'erin', { email: 'erin@example.org' });
    });
    after(() => running.close());

    test('are neither listed nor served, and their deep links open the default view', async () => {
      const { browser, page } = await signedIn(running.base, 'erin');
      const nav = /<nav class="account-nav"[\s\S]*?<\/nav>/.exec(page.html)![0];
      const links = [...nav.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]);
      assert.deepEqual(links, ['/account/profile', '/account/emails', '/account/devices']);
      for (const route of ['/account/phones', '/account/password', '/account/deactivate'])
        assert.equal((await browser.get(route)).status, 404, route);
      const deactivate = await browser.get('/account/?action=org.matrix.account_deactivate');
      assert.equal(currentView(deactivate).href, '/account/devices');
      const discovery = (await (await fetch(`${running.base}.well-known/openid-configuration`)).json()) as {
        account_management_actions_supported: string[];
      };
      assert.ok(!discovery.account_management_actions_supported.includes('org.matrix.account_deactivate'));
      assert.ok(discovery.account_management_actions_supported.includes('org.matrix.profile'));
    });

    test('a display name that may not be changed is shown, and a forged form is refused (403)', async () => {
      const { browser } = await signedIn(running.base, 'erin', '/account/profile');
      const page = await browser.get('/account/profile');
      assert.doesNotMatch(page.html, /name="displayname"/);
      assert.match(page.html, /Display names cannot be changed on this server/);
      const csrf = /name="csrf" value="([^"]+)"/.exec((await browser.get('/account/devices')).html)?.[1];
      assert.ok(csrf);
      const forged = await browser.submit(
        { ...page, html: '<form method="post" action="/account/profile"></form>' },
        { csrf, displayname: 'Sneaky' },
      );
      assert.equal(forged.status, 403);
      const user = await running.mxauth.services.storage.users.findByLocalpart('erin');
      assert.equal(user?.displayName, null);
    });

    test('email addresses that may not be changed are listed without forms, and forged forms are refused', async () => {
      const { browser, page } = await signedIn(running.base, 'erin', '/account/emails');
      assert.match(page.html, /erin@example\.org/);
      assert.match(page.html, /Email addresses cannot be changed on this server/);
      assert.doesNotMatch(page.html, /name="email"/);
      assert.doesNotMatch(page.html, /\/remove"/);
      const withToken = await browser.get('/account/devices');
      const refused = await postForm(browser, withToken, '/account/emails', {
        email: 'erin.two@example.org',
      });
      assert.equal(refused.status, 403);
      assert.deepEqual(await messagesTo(running, 'erin.two@example.org'), []);
    });
  });
}
