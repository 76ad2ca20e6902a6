import type { Context } from 'koa';
import type { CompatSessionService } from '../services/compat-sessions.js';
import { accessToken, unknownToken } from './matrix-api.js';

/** `POST /logout/all`: ends every compatibility device of the access token's user. */
export function logoutAll(compat: CompatSessionService) {
  return async (ctx: Context): Promise<void> => {
    const session = await compat.sessionOf(accessToken(ctx));
    if (!session) throw unknownToken();
    await compat.endAll(session.userId);
    ctx.body = {};
  };
}
