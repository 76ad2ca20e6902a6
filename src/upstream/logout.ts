import type { UpstreamProvider } from '../config/upstream.js';
import type { OAuthSessionService } from '../services/oauth-sessions.js';
import type { Storage } from '../storage/storage.js';
import type { ReceivedClaims } from './claims.js';
import type { LogoutClaims } from './oidc/client.js';

/** What a back-channel logout ended. */
export interface LogoutOutcome {
  browserSessions: number;
  devices: number;
}

/**
 * The end of an upstream session, told by the provider (OpenID Connect Back-Channel Logout 1.0): the
 * sign-ins it made are found by the provider's `sid` and/or `sub`, and what `on_backchannel_logout` says
 * ends: their browser sessions (`logout_browser_only`), and also the devices signed in from those
 * browser sessions (`logout_all`), each deleted on the homeserver.
 */
export class UpstreamLogout {
  constructor(private readonly deps: { storage: Storage; sessions: Pick<OAuthSessionService, 'end'> }) {}

  async backchannel(provider: UpstreamProvider, claims: LogoutClaims): Promise<LogoutOutcome> {
    const none = { browserSessions: 0, devices: 0 };
    if (provider.onBackchannelLogout === 'do_nothing') return none;
    const { storage } = this.deps;
    const found = await storage.upstreamAuthorizations.findSignedIn(
      provider.id,
      claims.sid ? { sid: claims.sid } : {},
    );
    // `sub` is the provider's own subject (the ID token's), which the subject template may have changed.
    const matching = found.filter((a) => claims.sub === undefined || upstreamSub(a.claims) === claims.sub);
    const browserIds = [
      ...new Set(matching.flatMap((a) => (a.browserSessionId ? [a.browserSessionId] : []))),
    ];
    if (browserIds.length === 0) return none;
    let browserSessions = 0;
    await storage.transaction(async (tx) => {
      for (const uid of browserIds) {
        const record = await tx.oauthRecords.findByUid('Session', uid);
        if (record) await tx.oauthRecords.destroy('Session', record.idHash);
        if (await tx.browserSessions.finish(uid)) browserSessions++;
        else if (record) browserSessions++;
      }
    });
    let devices = 0;
    if (provider.onBackchannelLogout === 'logout_all') {
      for (const session of await storage.oauthSessions.activeForBrowserSessions(browserIds)) {
        await this.deps.sessions.end(session);
        devices++;
      }
    }
    return { browserSessions, devices };
  }
}

function upstreamSub(claims: string | null): string | undefined {
  if (!claims) return undefined;
  const received = JSON.parse(claims) as ReceivedClaims;
  const sub = received.id_token_claims?.sub ?? received.userinfo_claims?.sub;
  return typeof sub === 'string' ? sub : undefined;
}
