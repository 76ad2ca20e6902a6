import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

/**
 * With an https public_base (a TLS proxy in front): HSTS on every answer, and cookie names with the
 * prefixes browsers enforce (`__Host-` at the root path). Over plain http neither, as browsers refuse both.
 */
for (const scheme of ['https', 'http'] as const) {
  describe(`cookie names and HSTS with an ${scheme} public_base`, () => {
    let server: RunningMxauth;
    before(async () => {
      server = await startMxauth(
        'sqlite',
        { account: { password_registration_enabled: true, password_recovery_enabled: true } },
        { scheme },
      );
    });
    after(() => server.close());
    const prefix = scheme === 'https' ? '__Host-' : '';

    test('HSTS only under https', async () => {
      for (const path of ['.well-known/openid-configuration', 'recover', 'nowhere']) {
        const response = await fetch(new URL(path, server.base));
        await response.arrayBuffer();
        assert.equal(
          response.headers.get('strict-transport-security'),
          scheme === 'https' ? 'max-age=31536000' : null,
          path,
        );
      }
    });

    test('the CSRF cookie is prefixed, Secure under https, and read back under its name', async () => {
      const page = await fetch(new URL('recover', server.base));
      const html = await page.text();
      const cookies = page.headers.getSetCookie();
      const csrfCookie = cookies.find((c) => c.startsWith(`${prefix}mxauth-csrf=`));
      assert.ok(csrfCookie, cookies.join(' | '));
      assert.equal(/;\s*secure/i.test(csrfCookie), scheme === 'https');
      assert.match(csrfCookie, /path=\//i);
      const token = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
      assert.ok(token);
      const posted = await fetch(new URL('recover', server.base), {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: csrfCookie.split(';')[0]!,
        },
        body: new URLSearchParams({ csrf: token, email: 'someone@example.org' }).toString(),
        redirect: 'manual',
      });
      await posted.arrayBuffer();
      assert.notEqual(posted.status, 403, 'the prefixed cookie is the one checked');
    });

    test('the language cookie is prefixed', async () => {
      const response = await fetch(new URL('recover?lang=de', server.base), { redirect: 'manual' });
      await response.arrayBuffer();
      assert.ok(
        response.headers.getSetCookie().some((c) => c.startsWith(`${prefix}mxauth-lang=de`)),
        response.headers.getSetCookie().join(' | '),
      );
    });
  });
}
