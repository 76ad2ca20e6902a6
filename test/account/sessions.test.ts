import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { eventually } from '../helpers/eventually.js';
import { introspectAsHomeserver, signInDevice } from '../helpers/homeserver-flows.js';
import {
  type AccountServer,
  formAction,
  HOMESERVER_SECRET,
  notice,
  PASSWORD,
  postForm,
  postWithoutCsrf,
  register,
  signedIn,
  startAccountServer,
} from './support.js';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

/** The rows of the browsers table: what each is called, and whether it is this browser. */
function browsers(page: Page): string[] {
  const table = /<h3>Browsers<\/h3>[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(page.html)?.[1] ?? '';
  return [...table.matchAll(/<tr[^>]*>\s*<td>([^<]*)(<strong class="badge">This browser<\/strong>)?/g)].map(
    (m) => `${m[1]!.trim()}${m[2] ? ' (this)' : ''}`,
  );
}

/** The Rename disclosure in the row of device `deviceId`. */
function renameDisclosure(page: Page, deviceId: string): string {
  const row = [...page.html.matchAll(/<tr\b[^>]*>([\s\S]*?)<\/tr>/g)].find((m) =>
    m[1]!.includes(`<code>${deviceId}</code>`),
  );
  const found = /<details class="rename"[\s\S]*?<\/details>/.exec(row?.[1] ?? '')?.[0];
  assert.ok(found, `${deviceId} has a Rename disclosure`);
  return found;
}

for (const kind of DATABASE_KINDS) {
  describe(`devices and browser sessions [${kind}]`, () => {
    let server: AccountServer;

    before(async () => {
      server = await startAccountServer(kind);
      for (const localpart of ['olga', 'pete', 'quinn'])
        await register(server.running, localpart, { homeserver: server.homeserver });
    });
    after(() => server.close());

    const device = async (localpart: string, deviceId: string) => {
      const signed = await signInDevice(
        server.base,
        server.client,
        { localpart, password: PASSWORD },
        deviceId,
      );
      assert.equal(signed.status, 200, JSON.stringify(signed.body));
      await eventually(`${deviceId} exists on the homeserver`, () =>
        server.homeserver.users.get(localpart)!.devices.has(deviceId),
      );
      return signed.body.access_token!;
    };
    const compatDevice = async (localpart: string, deviceId: string) => {
      const response = await fetch(`${server.base}_matrix/client/v3/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'matrix-nio/0.24 (bot)' },
        body: JSON.stringify({
          type: 'm.login.password',
          identifier: { type: 'm.id.user', user: localpart },
          password: PASSWORD,
          device_id: deviceId,
        }),
      });
      assert.equal(response.status, 200);
      return ((await response.json()) as { access_token: string }).access_token;
    };
    const active = async (token: string) =>
      (await introspectAsHomeserver(server.base, HOMESERVER_SECRET, token)).active === true;
    const deleted = (localpart: string) =>
      server.homeserver
        .callsOf('delete_device')
        .filter((c) => c.body?.localpart === localpart)
        .map((c) => c.body?.device_id as string);

    test('lists every device with where it was seen, and ends one on the homeserver too', async () => {
      const phone = await device('olga', 'OLGAPHONE');
      const laptop = await device('olga', 'OLGALAPTOP');
      const bot = await compatDevice('olga', 'OLGABOT');
      const { browser, page } = await signedIn(server.base, 'olga', '/account/devices', {
        'user-agent': FIREFOX,
      });
      for (const id of ['OLGAPHONE', 'OLGALAPTOP', 'OLGABOT'])
        assert.match(page.html, new RegExp(`<code>${id}</code>`));
      assert.match(
        page.html,
        /<td>Legacy client[\s\S]*?<code>OLGABOT<\/code>[\s\S]*?<td data-label="Seen from">matrix-nio\/0\.24 \(bot\)/,
      );
      assert.deepEqual(browsers(page).slice(0, 1), ['Firefox on Linux (this)']);
      assert.match(
        page.html,
        /<td data-label="Address">198\.19\.\d+\.\d+<\/td>/,
        'the browser’s address is shown',
      );

      const end =
        /<tr>\s*<td>Element[\s\S]*?<code>OLGAPHONE<\/code>[\s\S]*?<form method="post" action="([^"]+\/end)"/.exec(
          page.html,
        )?.[1];
      assert.ok(end);
      const after = await browser.submit(page, {}, end);
      assert.equal(notice(after), 'The device was signed out.');
      assert.equal(await active(phone), false);
      assert.equal(await active(laptop), true);
      assert.equal(await active(bot), true);
      await eventually('the homeserver deleted the device', () => deleted('olga').includes('OLGAPHONE'));
      assert.equal(server.homeserver.users.get('olga')!.devices.has('OLGAPHONE'), false);
    });

    test('signs out all other devices and browsers, keeping this one', async () => {
      const phone = await device('pete', 'PETEPHONE');
      const bot = await compatDevice('pete', 'PETEBOT');
      const { browser: other } = await signedIn(server.base, 'pete', '/account/', { 'user-agent': SAFARI });
      const { browser, page } = await signedIn(server.base, 'pete', '/account/devices', {
        'user-agent': FIREFOX,
      });
      assert.ok(browsers(page).includes('Safari on iOS'), JSON.stringify(browsers(page)));
      const done = await browser.submit(page, {}, '/account/devices/sign-out-others');
      assert.equal(done.status, 200);
      assert.equal(notice(done), 'All your other devices and browsers were signed out.');
      assert.equal(await active(phone), false);
      assert.equal(await active(bot), false);
      await eventually('the homeserver deleted both devices', () =>
        ['PETEPHONE', 'PETEBOT'].every((id) => deleted('pete').includes(id)),
      );
      assert.deepEqual([...server.homeserver.users.get('pete')!.devices.keys()], []);
      assert.match((await other.get('/account/')).html, /name="password"/, 'the other browser is signed out');
      assert.match(done.html, /No devices are signed in/);
      assert.deepEqual(browsers(done), ['Firefox on Linux (this)']);
    });

    test('ends one browser session: that browser is signed out, this one is not', async () => {
      const { browser: other } = await signedIn(server.base, 'quinn', '/account/', { 'user-agent': SAFARI });
      const { browser, page } = await signedIn(server.base, 'quinn', '/account/devices', {
        'user-agent': FIREFOX,
      });
      assert.deepEqual(browsers(page), ['Firefox on Linux (this)', 'Safari on iOS']);
      const end = /<td>Safari on iOS<\/td>[\s\S]*?<form method="post" action="([^"]+)"/.exec(page.html)?.[1];
      assert.ok(end?.includes('/account/browser-sessions/'), end);
      const done = await browser.submit(page, {}, end);
      assert.equal(notice(done), 'The browser was signed out.');
      assert.deepEqual(browsers(done), ['Firefox on Linux (this)']);
      const signedOut = await other.get('/account/devices');
      assert.match(signedOut.html, /name="password"/, 'the ended browser has to sign in again');

      // Twice, or someone else's, is not found.
      const again = await postForm(browser, done, end!, {});
      assert.equal(again.status, 404);
      assert.match(notice(again)!, /There is no such session on your account/);

      // Signing this browser out ends on a page saying so.
      const own = formAction(done, '/account/browser-sessions/');
      const bye = await browser.submit(done, {}, own);
      assert.equal(bye.status, 200);
      assert.match(bye.html, /This browser is signed out of your account/);
      assert.match((await browser.get('/account/')).html, /name="password"/);
    });

    test('renaming is behind a Rename button that opens the form, without a script', async () => {
      await device('quinn', 'QUINNTABLET');
      const { browser, page } = await signedIn(server.base, 'quinn', '/account/devices');
      const closed = renameDisclosure(page, 'QUINNTABLET');
      assert.match(
        closed,
        /^<details class="rename">\s*<summary aria-label="Rename QUINNTABLET">Rename<\/summary>/,
      );
      assert.match(
        closed,
        /<form method="post" action="[^"]+\/rename">/,
        'the form is inside the disclosure',
      );
      assert.match(
        closed,
        /<label for="(rename-\d+)">New name for device<\/label>\s*<input type="text" id="\1" name="name"[^>]*aria-label="New name for device QUINNTABLET"/,
      );
      assert.doesNotMatch(closed, /aria-invalid|autofocus/);
      const outside = page.html.replace(/<details class="rename"[\s\S]*?<\/details>/g, '');
      assert.doesNotMatch(outside, /name="name"/, 'no name box is shown outside a Rename disclosure');
      assert.doesNotMatch(page.html, /<script\b/, 'no script needed');

      const action = /<form method="post" action="([^"]+\/rename)">/.exec(closed)![1]!;
      const renamed = await browser.submit(page, { name: 'Quinn’s tablet' }, action);
      assert.equal(notice(renamed), 'The device was renamed.');
      assert.match(renamed.html, /<td>Quinn’s tablet <span class="muted">\(Element\)<\/span>/);
      await eventually(
        'the homeserver has the new name',
        () => server.homeserver.users.get('quinn')!.devices.get('QUINNTABLET') === 'Quinn’s tablet',
      );
    });

    test('a device name of the wrong length gets the list back with the reason; forms need CSRF', async () => {
      await device('quinn', 'QUINNPHONE');
      const { browser, page } = await signedIn(server.base, 'quinn', '/account/devices');
      const rename = /action="([^"]+\/rename)"/.exec(renameDisclosure(page, 'QUINNPHONE'))![1]!;
      for (const name of ['   ', 'x'.repeat(101), 'Line\nbreak']) {
        const refused = await browser.submit(page, { name }, rename);
        assert.equal(refused.status, 400, JSON.stringify(name));
        assert.equal(notice(refused), 'A device name has 1 to 100 characters, without line breaks.');
        assert.match(refused.html, /<code>QUINNPHONE<\/code>/, 'the list is shown again');
        const open = renameDisclosure(refused, 'QUINNPHONE');
        assert.match(open, /^<details class="rename" open>/, 'the refused rename is shown open');
        assert.match(
          open,
          /<input [^>]*name="name"[^>]*aria-invalid="true" aria-describedby="(rename-\d+-error)" autofocus>/,
        );
        const errorId = /aria-describedby="(rename-\d+-error)"/.exec(open)![1];
        assert.match(
          open,
          new RegExp(
            `<span class="field-error" id="${errorId}">A device name has 1 to 100 characters, without line breaks\\.</span>`,
          ),
          'the reason is at the field',
        );
      }
      // A NUL byte is refused at the HTTP edge for every form (http/text-guard.ts), before this page's rule.
      const nul = await browser.submit(page, { name: 'Nul\u0000byte' }, rename);
      assert.equal(nul.status, 400);
      assert.match(nul.html, /control character/);
      assert.notEqual(server.homeserver.users.get('quinn')!.devices.get('QUINNPHONE'), 'Nul\u0000byte');
      assert.equal((await postWithoutCsrf(browser, '/account/devices/sign-out-others', {})).status, 403);
      assert.equal((await postWithoutCsrf(browser, rename, { name: 'New' })).status, 403);
      assert.ok(server.homeserver.users.get('quinn')!.devices.has('QUINNPHONE'));
    });
  });
}
