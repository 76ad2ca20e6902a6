import type { Context, Middleware } from 'koa';
import { ACCOUNT_CLIENT_ID } from '../../oauth/provider.js';
import {
  accountMessagePage,
  type BrowserRow,
  type DeviceRow,
  devicesPage,
  type RenameRefusal,
  signedOutPage,
} from '../pages/account.js';
import { type AccountContext, formHandler, viewHandler, type Who } from './context.js';
import { describeUserAgent } from './user-agent.js';
import { VIEW_ROUTES } from './views.js';

const ROUTE = VIEW_ROUTES.devices;
/** Where ending or renaming a device comes back to: the default view, which is the devices. */
const HOME = '/account/';
const MAX_DEVICE_NAME = 100;

export interface DevicesFocus {
  deviceId: string;
  /** MSC4191 device_delete: ask whether to sign it out. */
  confirmEnd: boolean;
}

export type RenderDevices = (
  ctx: Context,
  who: Who,
  options?: { focus?: DevicesFocus; error?: string; status?: number; renameRefused?: RenameRefusal },
) => Promise<void>;

export interface DeviceHandlers {
  view: Middleware;
  endSession: Middleware;
  renameSession: Middleware;
  endCompatSession: Middleware;
  renameCompatSession: Middleware;
  endBrowserSession: Middleware;
  /** The header's "Sign out" on every view: this browser's session ends, as its row's sign-out does. */
  signOut: Middleware;
  signOutOthers: Middleware;
}

/**
 * The devices view: Matrix devices (OAuth and compatibility sessions) with rename and sign-out, the
 * browsers signed in to these pages, and signing out everywhere else.
 */
export function deviceHandlers(ac: AccountContext): { render: RenderDevices; handlers: DeviceHandlers } {
  const { interactions, sessions, compat } = ac.deps;
  const oauthRenameUrl = (id: string) => ac.path(`/account/sessions/${id}/rename`);
  const compatRenameUrl = (id: string) => ac.path(`/account/compat-sessions/${id}/rename`);

  const deviceRows = async (ctx: Context, who: Who): Promise<DeviceRow[]> => {
    const t = ac.chrome(ctx).t;
    const join = (browser: string, system: string) => t('account.user_agent', { browser, system });
    const oauth = await Promise.all(
      (await sessions.listForUser(who.user.id)).map(async (s): Promise<DeviceRow> => {
        const client =
          s.clientId === ACCOUNT_CLIENT_ID
            ? undefined
            : await interactions.client(s.clientId).catch(() => undefined);
        const app = client?.clientName ?? s.clientId;
        return {
          name: s.displayName ?? app,
          ...(s.displayName ? { detail: app } : {}),
          deviceId: s.deviceId,
          createdAt: s.createdAt,
          lastActiveAt: s.lastActiveAt,
          ip: s.lastActiveIp,
          userAgent: describeUserAgent(s.userAgent, join),
          endUrl: ac.path(`/account/sessions/${s.id}/end`),
          renameUrl: oauthRenameUrl(s.id),
        };
      }),
    );
    const legacy = t('account.legacy_client');
    const compatRows = (await compat.listForUser(who.user.id)).map(
      (s): DeviceRow => ({
        name: s.displayName ?? legacy,
        ...(s.displayName ? { detail: legacy } : {}),
        deviceId: s.deviceId,
        createdAt: s.createdAt,
        lastActiveAt: s.lastActiveAt,
        ip: s.lastActiveIp,
        userAgent: describeUserAgent(s.userAgent, join),
        endUrl: ac.path(`/account/compat-sessions/${s.id}/end`),
        renameUrl: compatRenameUrl(s.id),
      }),
    );
    return [...oauth, ...compatRows];
  };

  const browserRows = async (ctx: Context, who: Who): Promise<BrowserRow[]> => {
    const t = ac.chrome(ctx).t;
    const join = (browser: string, system: string) => t('account.user_agent', { browser, system });
    const rows = (await ac.settings.listBrowserSessions(who.user)).map((b) => ({
      name: describeUserAgent(b.userAgent, join) ?? t('account.browsers.unknown'),
      current: b.id === who.sessionUid,
      createdAt: b.createdAt,
      lastActiveAt: b.lastActiveAt,
      ip: b.lastActiveIp,
      endUrl: ac.path(`/account/browser-sessions/${b.id}/end`),
    }));
    // This browser first: it is the one people look for.
    return rows.sort((a, b) => Number(b.current) - Number(a.current));
  };

  const render: RenderDevices = async (ctx, who, options = {}) => {
    const c = ac.chrome(ctx);
    const devices = await deviceRows(ctx, who);
    const focus = options.focus;
    const focused = focus && devices.find((d) => d.deviceId === focus.deviceId);
    if (focus && !focused) {
      const frame = ac.frame(ctx, who, 'devices');
      return ac.send(
        ctx,
        accountMessagePage(
          c,
          frame,
          c.t('account.no_device.title'),
          c.t('account.no_device', { device: focus.deviceId }),
        ),
        404,
      );
    }
    ac.send(
      ctx,
      devicesPage(c, ac.frame(ctx, who, 'devices', options.error), {
        devices,
        browsers: await browserRows(ctx, who),
        ...(focus ? { focusDeviceId: focus.deviceId } : {}),
        ...(focus?.confirmEnd && focused
          ? {
              confirmEnd: {
                name: focused.name,
                deviceId: focus.deviceId,
                endUrl: focused.endUrl,
                cancelUrl: ac.path(ROUTE),
              },
            }
          : {}),
        signOutOthersUrl: ac.path('/account/devices/sign-out-others'),
        ...(options.renameRefused ? { renameRefused: options.renameRefused } : {}),
      }),
      options.status ?? 200,
    );
  };

  const view = viewHandler(ac, (ctx, who) => render(ctx, who));

  /** A form about one of the person's sessions: found and theirs, else 404 (someone else's looks unknown). */
  const sessionForm = <S extends { userId: string }>(
    find: (id: string) => Promise<S | undefined>,
    act: (ctx: Context, who: Who, session: S, form: Record<string, string>) => Promise<void>,
  ) =>
    formHandler(ac, ROUTE, async (ctx, who, form) => {
      const session = await find(ctx.params.id!);
      if (!session || session.userId !== who.user.id)
        return render(ctx, who, { error: ac.chrome(ctx).t('account.no_session'), status: 404 });
      await act(ctx, who, session, form);
    });

  /** Renames a device: 1 to 100 characters, here and on the homeserver. */
  const renameWith =
    <S>(renameUrl: (id: string) => string, rename: (session: S, name: string) => Promise<void>) =>
    async (ctx: Context, who: Who, session: S, form: Record<string, string>) => {
      const name = (form.name ?? '').trim();
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
      if (name === '' || [...name].length > MAX_DEVICE_NAME || /[\u0000-\u001f\u007f]/.test(name)) {
        const error = ac.chrome(ctx).t('account.device_name_invalid', { max: String(MAX_DEVICE_NAME) });
        // The form the person used, open again with the reason at its field.
        return render(ctx, who, {
          error,
          status: 400,
          renameRefused: {
            renameUrl: renameUrl(ctx.params.id!),
            typed: (form.name ?? '').slice(0, MAX_DEVICE_NAME * 2),
            error,
          },
        });
      }
      await rename(session, name);
      ctx.redirect(`${ac.path(HOME)}?renamed=1`);
    };

  const oauthSession = (id: string) => sessions.find(id);
  const compatSession = (id: string) => compat.find(id);

  const endSession = sessionForm(oauthSession, async (ctx, _who, session) => {
    if (!session.finishedAt) await sessions.end(session);
    ctx.redirect(`${ac.path(HOME)}?ended=1`);
  });
  const renameSession = sessionForm(
    oauthSession,
    renameWith(oauthRenameUrl, (session, name) => sessions.rename(session, name)),
  );
  const endCompatSession = sessionForm(compatSession, async (ctx, _who, session) => {
    if (!session.finishedAt) await compat.end(session);
    ctx.redirect(`${ac.path(HOME)}?ended=1`);
  });
  const renameCompatSession = sessionForm(
    compatSession,
    renameWith(compatRenameUrl, (session, name) => compat.rename(session, name)),
  );

  /** Ends one of the person's browser sessions; this browser's own ends on the signed-out page. */
  const endBrowser = async (ctx: Context, who: Who, uid: string) => {
    const ended = await ac.settings.endBrowserSession(who.user, uid);
    const c = ac.chrome(ctx);
    if (!ended.ok) return render(ctx, who, { error: c.t('account.no_session'), status: 404 });
    // This browser signed itself out: there is no account page to go back to.
    if (uid === who.sessionUid) return ac.send(ctx, signedOutPage(c, { signInUrl: ac.path(HOME) }));
    ac.redirectDone(ctx, ROUTE, 'browser_ended');
  };

  const endBrowserSession = formHandler(ac, ROUTE, (ctx, who) => endBrowser(ctx, who, ctx.params.id!));
  const signOut = formHandler(ac, HOME, (ctx, who) => endBrowser(ctx, who, who.sessionUid));

  const signOutOthers = formHandler(ac, ROUTE, async (ctx, who) => {
    await ac.settings.signOutEverywhereElse(who.user, who.sessionUid);
    ac.redirectDone(ctx, ROUTE, 'signed_out_others');
  });

  return {
    render,
    handlers: {
      view,
      endSession,
      renameSession,
      endCompatSession,
      renameCompatSession,
      endBrowserSession,
      signOut,
      signOutOthers,
    },
  };
}
