import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type FormBrowser, newBrowser } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { introspect, type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

const PASSWORD = 'correct horse battery staple';

let addresses = 0;

/** A legacy client's password login; returns its access token. */
async function compatLogin(server: RunningMxauth, user: string, deviceId: string, name?: string) {
  addresses++;
  const response = await fetch(`${server.base}_matrix/client/v3/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.18.9.${addresses}` },
    body: JSON.stringify({
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user },
      password: PASSWORD,
      device_id: deviceId,
      ...(name ? { initial_device_display_name: name } : {}),
    }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  assert.equal(response.status, 200, JSON.stringify(body));
  return body.access_token as string;
}

for (const kind of DATABASE_KINDS) {
  describe(`compat sessions on the account page [${kind}]`, () => {
    let server: RunningMxauth;

    before(async () => {
      server = await startMxauth(kind);
      for (const localpart of ['carol', 'mallory'])
        assert.ok((await server.mxauth.users.register({ localpart, password: PASSWORD })).ok);
    });
    after(() => server.close());

    const active = async (token: string) => (await introspect(server, token)).active;

    async function accountPage(browser: FormBrowser, localpart: string, query = '') {
      let page = await browser.get(`/account/${query}`);
      if (page.html.includes('name="password"'))
        page = await browser.submit(page, { username: localpart, password: PASSWORD });
      assert.equal(page.status, 200);
      return page;
    }

    test('lists legacy devices, focuses deep links on them and signs one out', async () => {
      const fractal = await compatLogin(server, 'carol', 'FRACTAL001', 'Fractal on laptop');
      const script = await compatLogin(server, 'carol', 'SCRIPT0001');
      const browser = newBrowser(server.base);
      let page = await accountPage(browser, 'carol', '?action=org.matrix.device_view&device_id=SCRIPT0001');
      assert.match(
        page.html,
        /<td>Fractal on laptop <span class="muted">\(Legacy client\)<\/span>[\s\S]*?<\/td>\s*<td><code>FRACTAL001<\/code>/,
      );
      assert.match(
        page.html,
        /<tr class="focus" aria-current="true">\s*<td>Legacy client\s*<details[\s\S]*?<\/td>\s*<td><code>SCRIPT0001<\/code>/,
      );
      assert.doesNotMatch(page.html, /No devices are signed in/);

      page = await accountPage(browser, 'carol', '?action=org.matrix.device_delete&device_id=FRACTAL001');
      const form = /<tr class="focus"[\s\S]*?<form method="post" action="([^"]+\/end)"/.exec(page.html)?.[1];
      assert.ok(form?.includes('/account/compat-sessions/'), form);
      page = await browser.submit(page, {}, form);
      assert.match(page.url, /\/account\/\?ended=1$/);
      assert.match(page.html, /The device was signed out/);
      assert.equal(await active(fractal), false, 'the signed-out device lost access at once');
      assert.equal(await active(script), true, 'the other device is untouched');
      assert.doesNotMatch(page.html, /FRACTAL001/);
      assert.match(page.html, /SCRIPT0001/);

      // Legacy devices can be renamed too.
      const rename = /<form method="post" action="([^"]+\/compat-sessions\/[^"]+\/rename)"/.exec(
        page.html,
      )?.[1];
      assert.ok(rename);
      page = await browser.submit(page, { name: 'Backup script' }, rename);
      assert.match(page.html, /The device was renamed/);
      assert.match(page.html, /<td>Backup script <span class="muted">\(Legacy client\)<\/span>/);
    });

    test("another user's compat session cannot be ended, and the form needs its CSRF token", async () => {
      const token = await compatLogin(server, 'carol', 'VICTIM0001');
      const victim = newBrowser(server.base);
      const own = await accountPage(victim, 'carol', '?action=org.matrix.device_view&device_id=VICTIM0001');
      const action = /<tr class="focus"[\s\S]*?<form method="post" action="([^"]+\/end)"/.exec(own.html)?.[1];
      assert.ok(action);
      const forged = { html: `<form method="post" action="${action}"></form>` };

      await compatLogin(server, 'mallory', 'MALLORY001');
      const attacker = newBrowser(server.base);
      const theirs = await accountPage(attacker, 'mallory');
      const csrf = /name="csrf" value="([^"]+)"/.exec(theirs.html)?.[1];
      assert.ok(csrf);
      assert.equal((await attacker.submit({ ...theirs, ...forged }, { csrf })).status, 404);
      assert.equal((await victim.submit({ ...own, ...forged }, {})).status, 403, 'no CSRF token, no action');
      assert.equal(await active(token), true);
    });
  });
}
