import assert from 'node:assert/strict';
import type * as oidc from 'openid-client';
import { type FormBrowser, newBrowser, type Page } from '../helpers/browser.js';
import { ContractHomeserver } from '../helpers/contract-homeserver.js';
import type { TestDatabaseKind } from '../helpers/databases.js';
import { eventually } from '../helpers/eventually.js';
import { QUICK_OUTBOX, startWithHomeserver } from '../helpers/homeserver-flows.js';
import { type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

export const PASSWORD = 'correct horse battery staple';
export const HOMESERVER_SECRET = 'account-pages-shared-secret';

/** mxauth talking to a strict Synapse test double, with a registered public client named "Element". */
export interface AccountServer {
  running: RunningMxauth;
  homeserver: ContractHomeserver;
  client: oidc.Configuration;
  base: string;
  close(): Promise<void>;
}

export async function startAccountServer(kind: TestDatabaseKind): Promise<AccountServer> {
  const homeserver = new ContractHomeserver('example.test', HOMESERVER_SECRET);
  await homeserver.start();
  const { running, client } = await startWithHomeserver(kind, {
    kind: 'synapse',
    homeserver: 'example.test',
    endpoint: homeserver.endpoint,
    secret: HOMESERVER_SECRET,
  });
  return {
    running,
    homeserver,
    client,
    base: running.base,
    close: async () => {
      await running.close();
      await homeserver.stop();
      assert.deepEqual(homeserver.violations, [], 'every request mxauth sent kept to the contract');
    },
  };
}

/** mxauth without a homeserver, with extra configuration. */
export function startPlain(
  kind: TestDatabaseKind,
  overrides: Record<string, object> = {},
): Promise<RunningMxauth> {
  return startMxauth(kind, overrides, { mxauth: { outbox: QUICK_OUTBOX } });
}

/** Registers an account (with a verified address when `email` is given), provisioned when there is a homeserver. */
export async function register(
  running: RunningMxauth,
  localpart: string,
  options: { email?: string; homeserver?: ContractHomeserver } = {},
) {
  const registered = await running.mxauth.users.register({
    localpart,
    password: PASSWORD,
    ...(options.email ? { email: options.email } : {}),
  });
  assert.ok(registered.ok, JSON.stringify(!registered.ok && registered.error));
  if (options.homeserver) {
    const homeserver = options.homeserver;
    await eventually(`${localpart} is provisioned`, () => homeserver.users.has(localpart));
  }
  return registered.value;
}

/** A browser signed in to the account pages as `localpart`, on the page `path`. */
export async function signedIn(
  base: string,
  localpart: string,
  path = '/account/',
  headers: Record<string, string> = {},
): Promise<{ browser: FormBrowser; page: Page }> {
  const browser = newBrowser(base, headers);
  let page = await browser.get(path);
  assert.match(page.html, /name="password"/, 'the account pages ask to sign in first');
  page = await browser.submit(page, { username: localpart, password: PASSWORD });
  assert.equal(page.status, 200, page.html.slice(0, 500));
  return { browser, page };
}

export { lastCode, messagesTo } from '../helpers/outbox-messages.js';

/** The action of the first form whose action contains `contains`. */
export function formAction(page: Page, contains: string | RegExp): string {
  for (const match of page.html.matchAll(/<form\b[^>]*\baction="([^"]*)"/g)) {
    const action = match[1]!.replaceAll('&amp;', '&');
    if (typeof contains === 'string' ? action.includes(contains) : contains.test(action)) return action;
  }
  assert.fail(`no form with an action like ${contains} on ${page.url}:\n${page.html}`);
}

/** The text of the page's status or alert message, if any. */
export function notice(page: Page): string | undefined {
  return /<p class="(?:notice|error)" role="(?:status|alert)">([^<]*)<\/p>/.exec(page.html)?.[1];
}

/** Posts a form with no CSRF token at all, from a signed-in browser. */
export async function postWithoutCsrf(
  browser: FormBrowser,
  action: string,
  fields: Record<string, string>,
): Promise<Page> {
  return browser.submit(
    {
      url: new URL(action, browser.origin).href,
      status: 200,
      html: `<form method="post" action="${action}"></form>`,
      external: false,
      headers: new Headers(),
    },
    fields,
  );
}

/** Posts `fields` to `action` with the CSRF token of `page`, as a form the page does not (or no longer) show. */
export async function postForm(
  browser: FormBrowser,
  page: Page,
  action: string,
  fields: Record<string, string>,
): Promise<Page> {
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)?.[1];
  assert.ok(csrf, 'the page has a CSRF token');
  return browser.submit(
    { ...page, html: `<form method="post" action="${action}"></form>` },
    { csrf, ...fields },
  );
}
