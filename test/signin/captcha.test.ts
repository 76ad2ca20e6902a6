import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type * as oidc from 'openid-client';
import { newBrowser } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { type RunningMxauth, registerClient, startMxauth } from '../helpers/oauth-server.js';
import { authorize, heading, PASSWORD } from './helpers.js';

const SECRET = 'captcha-secret-key';

/**
 * A stand-in for a provider's siteverify endpoint, as the providers document it: a form-encoded POST of
 * `secret`, `response` and `remoteip`, answered with `{"success": bool, "error-codes": [...]}`. It
 * accepts the answer "solved" given with the right secret, and can be made to fail like a provider that
 * is down.
 */
class SiteVerify {
  readonly calls: Record<string, string>[] = [];
  down = false;
  #server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.#server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
      this.calls.push({ ...form, contentType: req.headers['content-type'] ?? '', method: req.method ?? '' });
      if (this.down) {
        res.writeHead(503).end('unavailable');
        return;
      }
      const codes = [
        ...(form.secret === SECRET ? [] : ['invalid-input-secret']),
        ...(form.response === 'solved' || form.response === 'solved-elsewhere'
          ? []
          : ['invalid-input-response']),
      ];
      // The providers report the host the widget was solved on.
      const hostname = form.response === 'solved-elsewhere' ? 'phishing.example' : '127.0.0.1';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ success: codes.length === 0, hostname, 'error-codes': codes }));
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/siteverify`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server?.close(() => resolve()) ?? resolve());
  }
}

const PROVIDERS = [
  {
    service: 'hcaptcha',
    widget: 'h-captcha',
    field: 'h-captcha-response',
    script: 'https://js.hcaptcha.com/1/api.js?hl=en',
    origin: 'https://*.hcaptcha.com',
    frame: 'https://*.hcaptcha.com',
  },
  {
    service: 'recaptcha_v2',
    widget: 'g-recaptcha',
    field: 'g-recaptcha-response',
    script: 'https://www.google.com/recaptcha/api.js?hl=en',
    origin: 'https://www.gstatic.com/recaptcha/',
    frame: 'https://www.google.com/recaptcha/',
  },
  {
    service: 'cloudflare_turnstile',
    widget: 'cf-turnstile',
    field: 'cf-turnstile-response',
    script: 'https://challenges.cloudflare.com/turnstile/v0/api.js',
    origin: 'https://challenges.cloudflare.com',
    frame: 'https://challenges.cloudflare.com',
  },
] as const;

for (const kind of DATABASE_KINDS) {
  describe(`CAPTCHA at registration [${kind}]`, () => {
    const siteverify = new SiteVerify();
    before(() => siteverify.start());
    after(() => siteverify.close());

    for (const provider of PROVIDERS) {
      describe(provider.service, () => {
        let server: RunningMxauth;
        let client: oidc.Configuration;
        before(async () => {
          server = await startMxauth(kind, {
            account: { password_registration_enabled: true, password_registration_email_required: false },
            captcha: {
              service: provider.service,
              site_key: 'public-site-key',
              secret_key: SECRET,
              verify_url: siteverify.url,
            },
          });
          client = await registerClient(server);
        });
        after(() => server.close());

        test('the widget is on the page, and only that page lets its script and frames in', async () => {
          const browser = newBrowser(server.base);
          const { page } = await authorize(browser, client, { prompt: 'create' });
          assert.match(
            page.html,
            new RegExp(`<div class="${provider.widget}" data-sitekey="public-site-key"`),
          );
          assert.ok(
            page.html.includes(`<script src="${provider.script.replaceAll('&', '&amp;')}" async defer>`),
          );
          const csp = page.headers.get('content-security-policy') ?? '';
          const directive = (name: string) =>
            csp
              .split(';')
              .map((d) => d.trim())
              .find((d) => d.startsWith(`${name} `)) ?? '';
          assert.ok(directive('script-src').includes(provider.origin), csp);
          assert.ok(directive('script-src').includes("'self'"), 'its own script still loads');
          assert.ok(directive('frame-src').includes(provider.frame), csp);
          assert.ok(directive('connect-src').includes("'self'"), 'the live checks still work');
          assert.match(csp, /default-src 'none'/, 'everything else stays closed');
          assert.match(csp, /frame-ancestors 'none'/);
          const login = await browser.get(`${page.url}/login`);
          assert.equal(heading(login), 'Sign in');
          assert.doesNotMatch(
            login.headers.get('content-security-policy') ?? '',
            /hcaptcha|google|cloudflare/,
          );
        });

        test('refused without an answer or with a failing one, accepted with a passing one', async () => {
          const browser = newBrowser(server.base);
          const { page: form } = await authorize(browser, client, { prompt: 'create' });
          const fields = {
            username: `person-${provider.widget}`,
            password: PASSWORD,
            password_confirm: PASSWORD,
          };
          const before = siteverify.calls.length;

          let page = await browser.submit(form, fields);
          assert.equal(page.status, 400);
          assert.match(page.html, /Please complete the check that you are a person/);
          assert.equal(siteverify.calls.length, before, 'no answer, nothing to ask the provider');

          page = await browser.submit(form, { ...fields, [provider.field]: 'robot' });
          assert.equal(page.status, 400);
          assert.match(page.html, /did not succeed/);
          const call = siteverify.calls.at(-1)!;
          assert.equal(call.method, 'POST');
          assert.match(call.contentType ?? '', /^application\/x-www-form-urlencoded/);
          assert.equal(call.secret, SECRET, 'the secret key is sent');
          assert.equal(call.response, 'robot');
          assert.equal(
            call.remoteip,
            browser.headers['x-forwarded-for'] ?? 'unset',
            "the person's address is sent",
          );

          page = await browser.submit(form, { ...fields, [provider.field]: 'solved-elsewhere' });
          assert.equal(page.status, 400, 'an answer solved on another site is refused');
          assert.match(page.html, /did not succeed/);

          siteverify.down = true;
          page = await browser.submit(form, { ...fields, [provider.field]: 'solved' });
          siteverify.down = false;
          assert.equal(page.status, 400);
          assert.match(
            page.html,
            /cannot be verified right now/,
            'a provider that is down refuses, never waves through',
          );
          assert.equal(
            await server.mxauth.services.storage.users.findByLocalpart(fields.username),
            undefined,
          );

          page = await browser.submit(form, { ...fields, [provider.field]: 'solved' });
          assert.equal(heading(page), 'Allow access?', page.html);
          assert.ok(await server.mxauth.services.storage.users.findByLocalpart(fields.username));
        });
      });
    }

    test('a provider that cannot be reached refuses the registration', async () => {
      const server = await startMxauth(kind, {
        account: { password_registration_enabled: true, password_registration_email_required: false },
        captcha: {
          service: 'hcaptcha',
          site_key: 'public-site-key',
          secret_key: SECRET,
          // Nothing listens on port 9 (discard) of loopback.
          verify_url: 'http://127.0.0.1:9/siteverify',
        },
      });
      try {
        const client = await registerClient(server);
        const browser = newBrowser(server.base);
        const { page: form } = await authorize(browser, client, { prompt: 'create' });
        const page = await browser.submit(form, {
          username: 'unreached',
          password: PASSWORD,
          password_confirm: PASSWORD,
          'h-captcha-response': 'solved',
        });
        assert.equal(page.status, 400);
        assert.match(page.html, /cannot be verified right now/);
      } finally {
        await server.close();
      }
    });
  });
}
