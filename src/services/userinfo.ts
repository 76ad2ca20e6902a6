import { tokenHash } from '../domain/token-hash.js';
import type { User } from '../domain/user.js';
import type { Repositories } from '../storage/repositories.js';
import { contactClaims } from './contact-claims.js';

/** The OpenID userinfo claims of an access token's user, as its grant allows them. */
export class UserinfoService {
  constructor(private readonly storage: Pick<Repositories, 'oauthRecords' | 'emails' | 'phones'>) {}

  /** The claims, or undefined when the grant has no `openid` scope (the token may not read userinfo). */
  async claims(
    user: Pick<User, 'id' | 'localpart'>,
    grantId: string | undefined,
  ): Promise<Record<string, unknown> | undefined> {
    const scopes = await this.#grantedOpenIdScopes(grantId);
    if (!scopes.has('openid')) return undefined;
    return {
      sub: user.id,
      preferred_username: user.localpart,
      ...(await contactClaims(this.storage, user.id, scopes)),
    };
  }

  /** The OpenID scopes of the token's grant: an access token itself carries only the homeserver's scopes. */
  async #grantedOpenIdScopes(grantId: string | undefined): Promise<Set<string>> {
    if (!grantId) return new Set();
    // The engine keys its records by the hash of their id (oauth/adapter.ts).
    const grant = await this.storage.oauthRecords.find('Grant', tokenHash(grantId));
    const openid = (grant?.payload as { openid?: { scope?: string } } | undefined)?.openid?.scope ?? '';
    return new Set(openid.split(' ').filter(Boolean));
  }
}
