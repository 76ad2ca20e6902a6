import type { Context } from 'koa';
import type { CompatSessionService } from '../services/compat-sessions.js';
import { MatrixError, readJson, tokenFields, unknownToken } from './matrix-api.js';

/** `POST /refresh`: a refresh token for a new access token (and a new refresh token). */
export function refresh(compat: CompatSessionService) {
  return async (ctx: Context): Promise<void> => {
    const body = await readJson(ctx);
    const token = body.refresh_token;
    if (typeof token !== 'string')
      throw new MatrixError({ errcode: 'M_MISSING_PARAM', message: 'Missing refresh_token' });
    const refreshed = await compat.refresh(token, ctx.state.clientAddress ?? null);
    if (!refreshed.ok) throw unknownToken();
    ctx.body = tokenFields(refreshed.value);
  };
}
