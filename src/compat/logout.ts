import type { Context } from 'koa';
import type { CompatSessionService } from '../services/compat-sessions.js';
import { accessToken, unknownToken } from './matrix-api.js';

/** `POST /logout`: ends the device of the access token. */
export function logout(compat: CompatSessionService) {
  return async (ctx: Context): Promise<void> => {
    const session = await compat.sessionOf(accessToken(ctx));
    if (!session) throw unknownToken();
    await compat.end(session);
    ctx.body = {};
  };
}
