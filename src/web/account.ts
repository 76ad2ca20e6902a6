import Router from '@koa/router';
import type { Context } from 'koa';
import type { Config } from '../config/config.js';
import { userId } from '../domain/matrix-id.js';
import type { OAuthEngine } from '../oauth/provider.js';
import { ACCOUNT_CLIENT_ID } from '../oauth/provider.js';
import type { CompatSessionService } from '../services/compat-sessions.js';
import type { OAuthSessionService } from '../services/oauth-sessions.js';
import type { UserService } from '../services/users.js';
import type { Storage } from '../storage/storage.js';
import { publicPath } from './base-path.js';
import { readForm } from './body.js';
import { browserSession, SIGN_IN_CALLBACK_ROUTE } from './browser-session.js';
import { pageChrome } from './chrome.js';
import type { Csrf } from './csrf.js';
import { messagePage } from './layout.js';
import { accountPage, crossSigningResetPage, type DeviceRow } from './pages/account.js';

export interface AccountDependencies {
  config: Config;
  engine: OAuthEngine;
  storage: Storage;
  sessions: OAuthSessionService;
  users: UserService;
  csrf: Csrf;
  /** Devices signed in through the compatibility login API, listed and ended beside the OAuth ones. */
  compat: CompatSessionService;
}

/**
 * The account page at `account_management_uri` (MSC4191 deep links: devices_list, device_view,
 * device_delete and their older session_* names). Signing in goes through the same authorization flow as
 * any client, with mxauth's own first-party client, so there is one login page and one browser session.
 */
export function accountRoutes(deps: AccountDependencies): Router {
  const { config, engine, storage, sessions, users, csrf, compat } = deps;
  const router = new Router();
  const base = config.http.publicBase;
  // Routes match below public_base's path; the URLs, redirects and cookie paths printed include it.
  const root = base.pathname;
  const accountPath = publicPath(root, '/account/');
  const chrome = pageChrome(config);
  const { signedInUser, signIn, finishSignIn } = browserSession({ config, engine, storage });

  router.get(SIGN_IN_CALLBACK_ROUTE, async (ctx) => {
    const returnTo = finishSignIn(ctx);
    if (!returnTo) {
      const c = chrome(ctx);
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = messagePage(c, c.t('error.title'), c.t('error.csrf'));
      return;
    }
    ctx.redirect(returnTo);
  });

  router.get('/account/', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const user = await signedInUser(ctx);
    if (!user) return signIn(ctx);
    const c = chrome(ctx);
    if (ctx.query.action === 'org.matrix.cross_signing_reset') {
      ctx.type = 'html';
      ctx.body = crossSigningResetPage(c, {
        csrf: csrf.token(ctx),
        action: publicPath(root, '/account/cross-signing-reset'),
      });
      return;
    }
    const active = await sessions.listForUser(user.id);
    const oauthDevices: DeviceRow[] = await Promise.all(
      active.map(async (s) => {
        const client =
          s.clientId === ACCOUNT_CLIENT_ID
            ? undefined
            : await engine.Client.find(s.clientId).catch(() => undefined);
        const app = client?.clientName ?? s.clientId;
        return {
          name: s.displayName ?? app,
          ...(s.displayName ? { detail: app } : {}),
          deviceId: s.deviceId,
          createdAt: s.createdAt,
          lastActiveAt: s.lastActiveAt,
          endUrl: publicPath(root, `/account/sessions/${s.id}/end`),
          renameUrl: publicPath(root, `/account/sessions/${s.id}/rename`),
        };
      }),
    );
    const legacy = c.t('account.legacy_client');
    const compatDevices: DeviceRow[] = (await compat.listForUser(user.id)).map((s) => ({
      name: s.displayName ?? legacy,
      ...(s.displayName ? { detail: legacy } : {}),
      deviceId: s.deviceId,
      createdAt: s.createdAt,
      lastActiveAt: s.lastActiveAt,
      endUrl: publicPath(root, `/account/compat-sessions/${s.id}/end`),
      renameUrl: publicPath(root, `/account/compat-sessions/${s.id}/rename`),
    }));
    const focus = typeof ctx.query.device_id === 'string' ? ctx.query.device_id : undefined;
    ctx.type = 'html';
    ctx.body = accountPage(c, {
      userId: userId(user.localpart, config.matrix.homeserver),
      devices: [...oauthDevices, ...compatDevices],
      csrf: csrf.token(ctx),
      focusDeviceId: focus,
      notice:
        ctx.query.ended === '1'
          ? c.t('account.signed_out')
          : ctx.query.renamed === '1'
            ? c.t('account.renamed')
            : undefined,
    });
  });

  /** A form about one of the signed-in user's sessions: CSRF checked, the session found and owned. */
  const sessionForm =
    <S extends { userId: string }>(
      find: (id: string) => Promise<S | undefined>,
      act: (ctx: Context, session: S, form: Record<string, string>) => Promise<void>,
    ) =>
    async (ctx: Context) => {
      const form = await readForm(ctx);
      const c = chrome(ctx);
      if (!csrf.verify(ctx, form.csrf)) {
        ctx.status = 403;
        ctx.type = 'html';
        ctx.body = messagePage(c, c.t('error.title'), c.t('error.csrf'));
        return;
      }
      const user = await signedInUser(ctx);
      if (!user) return signIn(ctx);
      const session = await find(ctx.params.id!);
      // Someone else's session, or an unknown one, looks the same: not found.
      if (!session || session.userId !== user.id) {
        ctx.status = 404;
        ctx.type = 'html';
        ctx.body = messagePage(c, c.t('error.title'), 'There is no such session.');
        return;
      }
      await act(ctx, session, form);
    };
  const oauthSession = (id: string) => storage.oauthSessions.findById(id);

  router.post(
    '/account/sessions/:id/end',
    sessionForm(oauthSession, async (ctx, session) => {
      if (!session.finishedAt) await sessions.end(session);
      ctx.redirect(`${accountPath}?ended=1`);
    }),
  );

  /** Renames a device: 1 to 100 characters, here and on the homeserver. */
  const renameWith =
    <S>(rename: (session: S, name: string) => Promise<void>) =>
    async (ctx: Context, session: S, form: Record<string, string>) => {
      const name = (form.name ?? '').trim();
      if (name === '' || name.length > 100) {
        const c = chrome(ctx);
        ctx.status = 400;
        ctx.type = 'html';
        ctx.body = messagePage(c, c.t('error.title'), 'A device name has 1 to 100 characters.');
        return;
      }
      await rename(session, name);
      ctx.redirect(`${accountPath}?renamed=1`);
    };
  const compatSession = (id: string) => storage.compat.findSession(id);

  router.post(
    '/account/sessions/:id/rename',
    sessionForm(
      oauthSession,
      renameWith((session, name) => sessions.rename(session, name)),
    ),
  );
  router.post(
    '/account/compat-sessions/:id/rename',
    sessionForm(
      compatSession,
      renameWith((session, name) => compat.rename(session, name)),
    ),
  );

  router.post(
    '/account/compat-sessions/:id/end',
    sessionForm(compatSession, async (ctx, session) => {
      if (!session.finishedAt) await compat.end(session);
      ctx.redirect(`${accountPath}?ended=1`);
    }),
  );

  router.post('/account/cross-signing-reset', async (ctx) => {
    const form = await readForm(ctx);
    const c = chrome(ctx);
    ctx.type = 'html';
    if (!csrf.verify(ctx, form.csrf)) {
      ctx.status = 403;
      ctx.body = messagePage(c, c.t('error.title'), c.t('error.csrf'));
      return;
    }
    const user = await signedInUser(ctx);
    if (!user) return signIn(ctx);
    const allowed = await users.allowCrossSigningReset(user.id);
    if (!allowed.ok) ctx.status = 503;
    ctx.body = messagePage(
      c,
      c.t('account.cross_signing.title'),
      c.t(allowed.ok ? 'account.cross_signing.allowed' : 'account.cross_signing.unavailable'),
    );
  });

  return router;
}
