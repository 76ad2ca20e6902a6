import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { formatProblem } from '../../src/config/problems.js';
import { testConfig } from '../helpers/config.js';

const problems = (result: ReturnType<typeof parseConfig>) =>
  result.ok ? [] : result.error.map(formatProblem);

// An `upstream_oauth2` section as MAS's documentation writes one (docs/setup/sso.md), unchanged.
const masSection = {
  providers: [
    {
      id: '01JAYS74TCG3BTWKADN5Q4518C',
      synapse_idp_id: 'oidc-keycloak',
      human_name: 'Keycloak',
      issuer: 'https://sso.example.com/realms/main',
      client_id: 'matrix',
      client_secret: 'kc-secret',
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid profile email',
      on_backchannel_logout: 'logout_browser_only',
      claims_imports: {
        localpart: { action: 'require', template: '{{ user.preferred_username }}', on_conflict: 'add' },
        displayname: { action: 'suggest', template: '{{ user.name }}' },
        email: { action: 'suggest', template: '{{ user.email }}' },
        account_name: { template: '{{ user.preferred_username }}' },
      },
    },
    {
      id: '01JAYS74TCG3BTWKADN5Q4518D',
      human_name: 'GitHub',
      brand_name: 'github',
      discovery_mode: 'disabled',
      fetch_userinfo: true,
      token_endpoint_auth_method: 'client_secret_post',
      client_id: 'gh-client',
      client_secret: 'gh-secret',
      authorization_endpoint: 'https://github.com/login/oauth/authorize',
      token_endpoint: 'https://github.com/login/oauth/access_token',
      userinfo_endpoint: 'https://api.github.com/user',
      scope: 'read:user',
      claims_imports: {
        subject: { template: '{{ userinfo_claims.id }}' },
        displayname: { action: 'suggest', template: '{{ userinfo_claims.name }}' },
        localpart: { action: 'ignore' },
        email: { action: 'suggest', template: '{{ userinfo_claims.email }}' },
        account_name: { template: '@{{ userinfo_claims.login }}' },
      },
    },
    {
      id: '01JAYS74TCG3BTWKADN5Q4518E',
      human_name: 'Microsoft',
      issuer: 'https://login.microsoftonline.com/contoso/v2.0',
      discovery_mode: 'insecure',
      client_id: 'entra',
      client_secret: 'entra-secret',
      token_endpoint_auth_method: 'client_secret_post',
      scope: 'openid profile email',
      forward_login_hint: true,
      additional_authorization_parameters: { prompt: '{% if logged_out %}login{% endif %}' },
      claims_imports: {
        localpart: { action: 'require', template: "{{ (user.preferred_username | split('@'))[0] }}" },
        skip_confirmation: true,
      },
    },
  ],
};

test("MAS's own upstream_oauth2 section reads unchanged, with MAS's defaults", () => {
  const loaded = parseConfig(testConfig({ upstream_oauth2: masSection }));
  assert.ok(loaded.ok, JSON.stringify(problems(loaded)));
  const [keycloak, github, entra] = loaded.value.upstream;
  assert.equal(keycloak?.synapseIdpId, 'oidc-keycloak');
  assert.equal(keycloak?.claims.subject, '{{ user.sub }}', 'MAS default subject');
  assert.equal(keycloak?.claims.localpart.onConflict, 'add');
  assert.equal(keycloak?.idTokenSignedResponseAlg, 'RS256');
  assert.equal(keycloak?.pkceMethod, 'auto');
  assert.equal(keycloak?.onBackchannelLogout, 'logout_browser_only');
  assert.equal(github?.discoveryMode, 'disabled');
  assert.equal(github?.issuer, undefined);
  assert.equal(github?.claims.accountName, '@{{ userinfo_claims.login }}');
  assert.equal(github?.claims.localpart.action, 'ignore');
  assert.equal(
    entra?.additionalAuthorizationParameters.login_hint,
    '{{ params.login_hint }}',
    'forward_login_hint is a login_hint parameter, as in MAS',
  );
  assert.equal(entra?.claims.skipConfirmation, true);
});

test('a preset fills a provider in a few lines, and the file wins over it', () => {
  const loaded = parseConfig(
    testConfig({
      upstream_oauth2: {
        providers: [
          { id: '01JAYS74TCG3BTWKADN5Q4518F', preset: 'github', client_id: 'x', client_secret: 'y' },
          {
            id: '01JAYS74TCG3BTWKADN5Q4518G',
            preset: 'google',
            client_id: 'x',
            client_secret: 'y',
            human_name: 'Company Google',
            claims_imports: { email: { action: 'force' } },
          },
          {
            id: '01JAYS74TCG3BTWKADN5Q4518P',
            preset: 'github',
            client_id: 'x',
            client_secret: 'y',
            issuer: 'https://github.example.com',
            discovery_mode: 'oidc',
            fetch_userinfo: false,
          },
        ],
      },
    }),
  );
  assert.ok(loaded.ok, JSON.stringify(problems(loaded)));
  const [github, google, ghes] = loaded.value.upstream;
  assert.equal(github?.endpoints.userinfo, 'https://api.github.com/user');
  assert.equal(github?.fetchUserinfo, true);
  assert.equal(github?.claims.subject, '{{ userinfo_claims.id }}');
  assert.equal(github?.tokenEndpointAuthMethod, 'client_secret_post');
  assert.equal(google?.issuer, 'https://accounts.google.com');
  assert.equal(google?.humanName, 'Company Google');
  assert.equal(google?.claims.email.action, 'force', "the file's action");
  assert.equal(google?.claims.email.template, '{{ user.email }}', "the preset's template");
  assert.equal(google?.claims.displayname.action, 'suggest', "the preset's action");
  assert.equal(ghes?.discoveryMode, 'oidc', 'written in the file, even as the usual default, it wins');
  assert.equal(ghes?.fetchUserinfo, false);
});

test('a provider that cannot work is refused with the key that is wrong', () => {
  const base = { client_id: 'c', client_secret: 's', token_endpoint_auth_method: 'client_secret_basic' };
  const loaded = parseConfig(
    testConfig({
      upstream_oauth2: {
        providers: [
          { ...base, id: '01JAYS74TCG3BTWKADN5Q4518H' },
          { ...base, id: '01JAYS74TCG3BTWKADN5Q4518J', discovery_mode: 'disabled' },
          {
            ...base,
            id: '01JAYS74TCG3BTWKADN5Q4518K',
            issuer: 'https://a.test',
            token_endpoint_auth_method: 'none',
          },
          {
            ...base,
            id: '01JAYS74TCG3BTWKADN5Q4518M',
            issuer: 'https://a.test',
            claims_imports: { localpart: { template: '{{ user.', action: 'require', on_conflict: 'add' } },
          },
          {
            ...base,
            id: '01JAYS74TCG3BTWKADN5Q4518N',
            issuer: 'https://a.test',
            claims_imports: { skip_confirmation: true, localpart: { action: 'suggest', on_conflict: 'set' } },
          },
          { ...base, id: '01JAYS74TCG3BTWKADN5Q4518H', issuer: 'https://b.test', preset: 'keycloak' },
        ],
      },
    }),
  );
  const found = problems(loaded).join('\n');
  assert.match(found, /providers\[0\]\.issuer: is required unless discovery_mode is disabled/);
  assert.match(found, /providers\[1\]\.authorization_endpoint: is required with discovery_mode: disabled/);
  assert.match(found, /providers\[1\]\.token_endpoint: is required/);
  assert.match(found, /providers\[2\]\.client_secret: is not used with token_endpoint_auth_method: none/);
  assert.match(found, /providers\[3\]\.claims_imports\.localpart\.template: not a valid template/);
  assert.match(
    found,
    /providers\[4\]\.claims_imports\.localpart\.on_conflict: set needs localpart\.action force or require/,
  );
  assert.match(
    found,
    /providers\[4\]\.claims_imports\.skip_confirmation: needs claims_imports\.localpart\.action: require/,
  );
  assert.match(found, /providers\[5\]\.id: 01JAYS74TCG3BTWKADN5Q4518H is used by another provider/);
  const notUlid = parseConfig(
    testConfig({ upstream_oauth2: { providers: [{ ...base, id: 'not-a-ulid', issuer: 'https://a.test' }] } }),
  );
  assert.match(problems(notUlid).join('\n'), /providers\.0\.id: must be a ULID/);
});
