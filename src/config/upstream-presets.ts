import type { ImportAction, PresetName, UpstreamProviderFile } from './upstream-schema.js';

/**
 * What a preset fills in for a well-known provider: the keys a provider's own documentation fixes
 * (issuer, endpoints, scope, how the client authenticates) and claim templates for the claims it sends.
 * A key given in the file wins over the preset's; tenant- or realm-specific issuers must be given.
 */
export type Preset = Partial<Omit<UpstreamProviderFile, 'claims_imports'>> & {
  claims_imports?: {
    subject?: string;
    localpart?: PresetImport;
    displayname?: PresetImport;
    email?: PresetImport;
    account_name?: string;
  };
  /** Said by `config check` when the file leaves out a key the preset cannot know. */
  needs?: (keyof UpstreamProviderFile)[];
};

/** A claim's template and what is done with it; the file's own action or template wins. */
interface PresetImport {
  template: string;
  action: ImportAction;
}

const suggest = (template: string): PresetImport => ({ template, action: 'suggest' });

/** A self-hosted OpenID Connect server (its issuer is the admin's): the standard claims, suggested. */
const selfHosted = (humanName: string, brand: string): Preset => ({
  human_name: humanName,
  brand_name: brand,
  scope: 'openid profile email',
  token_endpoint_auth_method: 'client_secret_basic',
  claims_imports: {
    localpart: suggest('{{ user.preferred_username }}'),
    displayname: suggest('{{ user.name }}'),
    email: suggest('{{ user.email }}'),
    account_name: '{{ user.preferred_username }}',
  },
  needs: ['issuer'],
});

export const PRESETS_BY_NAME: Record<PresetName, Preset> = {
  google: {
    issuer: 'https://accounts.google.com',
    human_name: 'Google',
    brand_name: 'google',
    scope: 'openid profile email',
    token_endpoint_auth_method: 'client_secret_post',
    // Google sends no preferred_username: the address's local part is the suggestion.
    claims_imports: {
      localpart: suggest("{{ user.email.split('@')[0] }}"),
      displayname: suggest('{{ user.name }}'),
      email: suggest('{{ user.email }}'),
      account_name: '{{ user.email }}',
    },
  },
  github: {
    human_name: 'GitHub',
    brand_name: 'github',
    // Plain OAuth 2.0: no discovery, no ID token; who the person is comes from the user API.
    discovery_mode: 'disabled',
    fetch_userinfo: true,
    authorization_endpoint: 'https://github.com/login/oauth/authorize',
    token_endpoint: 'https://github.com/login/oauth/access_token',
    userinfo_endpoint: 'https://api.github.com/user',
    scope: 'read:user',
    token_endpoint_auth_method: 'client_secret_post',
    claims_imports: {
      subject: '{{ userinfo_claims.id }}',
      localpart: suggest('{{ user.login }}'),
      displayname: suggest('{{ user.name }}'),
      email: suggest('{{ user.email }}'),
      account_name: '@{{ user.login }}',
    },
  },
  gitlab: {
    issuer: 'https://gitlab.com',
    human_name: 'GitLab',
    brand_name: 'gitlab',
    scope: 'openid profile email',
    token_endpoint_auth_method: 'client_secret_post',
    claims_imports: {
      localpart: suggest('{{ user.nickname }}'),
      displayname: suggest('{{ user.name }}'),
      email: suggest('{{ user.email }}'),
      account_name: '@{{ user.nickname }}',
    },
  },
  microsoft: {
    human_name: 'Microsoft',
    brand_name: 'microsoft',
    scope: 'openid profile email',
    token_endpoint_auth_method: 'client_secret_post',
    // Entra ID's preferred_username is the sign-in address (alice@contoso.com).
    claims_imports: {
      localpart: suggest("{{ (user.preferred_username or '').split('@')[0] }}"),
      displayname: suggest('{{ user.name }}'),
      email: suggest('{{ user.email }}'),
      account_name: '{{ user.preferred_username }}',
    },
    needs: ['issuer'],
  },
  keycloak: selfHosted('Keycloak', 'keycloak'),
  authentik: selfHosted('authentik', 'authentik'),
  apple: {
    issuer: 'https://appleid.apple.com',
    human_name: 'Apple',
    brand_name: 'apple',
    scope: 'openid name email',
    token_endpoint_auth_method: 'sign_in_with_apple',
    // Apple posts the response when the name or email scope is asked for.
    response_mode: 'form_post',
    claims_imports: {
      localpart: suggest("{{ (user.email or '').split('@')[0] }}"),
      email: suggest('{{ user.email }}'),
      account_name: '{{ user.email }}',
    },
    needs: ['sign_in_with_apple'],
  },
};
