import { createPrivateKey } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import type { SigningKey } from '../../config/signing-keys.js';
import type { UpstreamProvider } from '../../config/upstream.js';

/** Sign in with Apple's client secret lives one minute: it is made anew for each token request. */
const APPLE_SECRET_TTL_S = 60;

/**
 * How mxauth authenticates to the provider's token endpoint, per `token_endpoint_auth_method`. The
 * signed assertions (`client_secret_jwt`, `private_key_jwt`) are openid-client's; Sign in with Apple's
 * secret is an ES256 JWT signed with the Apple key, sent as `client_secret` in the form.
 */
export function clientAuthentication(
  provider: UpstreamProvider,
  keys: readonly SigningKey[],
  now: () => number,
): oidc.ClientAuth {
  const alg = provider.tokenEndpointAuthSigningAlg;
  switch (provider.tokenEndpointAuthMethod) {
    case 'none':
      return oidc.None();
    case 'client_secret_basic':
      return oidc.ClientSecretBasic(provider.clientSecret);
    case 'client_secret_post':
      return oidc.ClientSecretPost(provider.clientSecret);
    case 'client_secret_jwt':
      return oidc.ClientSecretJwt(provider.clientSecret);
    case 'private_key_jwt': {
      // A key of secrets.keys that signs with the configured algorithm (RS256 when none is named).
      const wanted = alg ?? 'RS256';
      const key = keys.find((k) => k.alg === wanted);
      if (!key) throw new Error(`no key in secrets.keys signs with ${wanted} for private_key_jwt`);
      // openid-client signs with a WebCrypto key; made once, on the first token request.
      let auth: Promise<oidc.ClientAuth> | undefined;
      const pem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      return async (as, client, body, headers) => {
        auth ??= importPKCS8(pem, wanted).then((k) => oidc.PrivateKeyJwt({ key: k, kid: key.kid }));
        await (await auth)(as, client, body, headers);
      };
    }
    case 'sign_in_with_apple': {
      const apple = provider.signInWithApple!;
      const key = createPrivateKey(apple.privateKey);
      return async (_as, client, body) => {
        const issuedAt = Math.floor(now() / 1000);
        const secret = await new SignJWT({})
          .setProtectedHeader({ alg: 'ES256', kid: apple.keyId })
          .setIssuer(apple.teamId)
          .setSubject(client.client_id)
          .setAudience('https://appleid.apple.com')
          .setIssuedAt(issuedAt)
          .setExpirationTime(issuedAt + APPLE_SECRET_TTL_S)
          .sign(key);
        body.set('client_id', client.client_id);
        body.set('client_secret', secret);
      };
    }
  }
}
