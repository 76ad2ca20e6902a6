import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { generateOptionsFor, readSynapseConfig } from '../../src/config/from-synapse.js';
import { configToYaml, generateConfig } from '../../src/config/generate.js';
import { loadConfigFile } from '../../src/config/load.js';
import { isUlid } from '../../src/domain/ulid.js';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mxauth-syn-oidc-'));
writeFileSync(join(dir, 'github-secret'), 'gh-secret\n');

// As Synapse's documentation writes providers: a Keycloak realm and GitHub (plain OAuth 2.0).
const homeserver = `
server_name: example.com
public_baseurl: https://matrix.example.com/
listeners:
  - port: 8008
    type: http
    bind_addresses: ['127.0.0.1']
    resources: [{ names: [client, federation] }]
oidc_providers:
  - idp_id: keycloak
    idp_name: "My KeyCloak server"
    idp_icon: "mxc://example.com/mediaid"
    issuer: "https://127.0.0.1:8443/realms/{realm_name}"
    client_id: "synapse"
    client_secret: "copy secret generated from above"
    scopes: ["openid", "profile"]
    id_token_signing_alg_values_supported: ["RS256", "ES256"]
    backchannel_logout_enabled: true
    allow_existing_users: true
    additional_authorization_parameters:
      prompt: login
      response_mode: form_post
    attribute_requirements:
      - attribute: groups
        value: matrix-users
      - attribute: realm
        one_of: [main, staff]
    user_mapping_provider:
      config:
        localpart_template: "{{ user.email | localpart_from_email }}"
        display_name_template: "{{ user.name }}"
        email_template: "{{ user.email }}"
        picture_template: "{{ user.picture }}"
  - idp_id: github
    idp_name: Github
    idp_brand: github
    discover: false
    issuer: "https://github.com/"
    client_id: "your-client-id"
    client_secret_path: ${join(dir, 'github-secret')}
    client_auth_method: client_secret_post
    authorization_endpoint: "https://github.com/login/oauth/authorize"
    token_endpoint: "https://github.com/login/oauth/access_token"
    userinfo_endpoint: "https://api.github.com/user"
    scopes: ["read:user"]
    user_profile_method: userinfo_endpoint
    enable_registration: false
    user_mapping_provider:
      config:
        subject_claim: "id"
        localpart_template: "{{ user.login }}"
        display_name_template: "{{ user.name }}"
  - idp_id: github
    issuer: https://github.com/
    client_id: twice
  - idp_id: broken
    client_id: x
`;

function read(text: string) {
  const facts = readSynapseConfig(text);
  assert.ok(facts.ok);
  return facts.value;
}

test("Synapse's oidc_providers become upstream providers with stable ULIDs and the mapping rules", () => {
  const facts = read(homeserver);
  assert.deepEqual(
    facts.upstreamProviders.map((p) => p.synapse_idp_id),
    ['oidc-keycloak', 'oidc-github'],
  );
  assert.deepEqual(
    read(homeserver).upstreamProviders.map((p) => p.id),
    facts.upstreamProviders.map((p) => p.id),
    'the same input gives the same ids',
  );
  for (const p of facts.upstreamProviders) assert.ok(isUlid(p.id), p.id);
  const [keycloak, github] = facts.upstreamProviders;
  assert.deepEqual(keycloak, {
    id: keycloak?.id,
    synapse_idp_id: 'oidc-keycloak',
    issuer: 'https://127.0.0.1:8443/realms/{realm_name}',
    human_name: 'My KeyCloak server',
    icon: 'mxc://example.com/mediaid',
    client_id: 'synapse',
    client_secret: 'copy secret generated from above',
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
    scope: 'openid profile',
    discovery_mode: 'oidc',
    fetch_userinfo: false,
    response_mode: 'form_post',
    additional_authorization_parameters: { prompt: 'login' },
    on_backchannel_logout: 'logout_all',
    attribute_requirements: [
      { attribute: 'groups', value: 'matrix-users' },
      { attribute: 'realm', one_of: ['main', 'staff'] },
    ],
    claims_imports: {
      localpart: { action: 'require', template: "{{ user.email | split('@') | first }}", on_conflict: 'add' },
      displayname: { action: 'force', template: '{{ user.name }}' },
      email: { action: 'force', template: '{{ user.email }}' },
    },
  });
  assert.deepEqual(github, {
    id: github?.id,
    synapse_idp_id: 'oidc-github',
    issuer: 'https://github.com/',
    human_name: 'Github',
    brand_name: 'github',
    client_id: 'your-client-id',
    client_secret_file: join(dir, 'github-secret'),
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'RS256',
    scope: 'read:user',
    discovery_mode: 'disabled',
    authorization_endpoint: 'https://github.com/login/oauth/authorize',
    token_endpoint: 'https://github.com/login/oauth/access_token',
    userinfo_endpoint: 'https://api.github.com/user',
    fetch_userinfo: true,
    on_backchannel_logout: 'do_nothing',
    claims_imports: {
      subject: { template: '{{ user.id }}' },
      localpart: { action: 'require', template: '{{ user.login }}' },
      displayname: { action: 'force', template: '{{ user.name }}' },
    },
  });
  assert.deepEqual(facts.notes, [
    'oidc_providers[0] (idp_id keycloak): id_token_signing_alg_values_supported: mxauth expects one algorithm; RS256 is used',
    "oidc_providers[0] (idp_id keycloak): user_mapping_provider.config.localpart_template: localpart_from_email is written as split('@') | first",
    'oidc_providers[0] (idp_id keycloak): user_mapping_provider.config.picture_template: has no mxauth equivalent; ignored',
    'oidc_providers[1] (idp_id github): enable_registration: false has no per-provider switch in mxauth; new accounts through this provider are possible (attribute_requirements can restrict who signs in)',
    'oidc_providers[2] (idp_id github): idp_id: oidc-github is already used by another provider; this one is skipped',
    'oidc_providers[3] (idp_id broken): issuer: is missing; provider skipped',
  ]);
});

test('the generated configuration passes the config check, with the templates resolved', async () => {
  const path = join(dir, 'generated.yaml');
  writeFileSync(path, configToYaml(await generateConfig(generateOptionsFor(read(homeserver)))));
  const loaded = loadConfigFile(path);
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.error));
  const [keycloak, github] = loaded.value.upstream;
  assert.equal(keycloak?.claims.localpart.template, "{{ user.email | split('@') | first }}");
  assert.equal(keycloak?.claims.localpart.onConflict, 'add');
  assert.equal(keycloak?.responseMode, 'form_post');
  assert.equal(keycloak?.requirements.length, 2);
  assert.equal(github?.claims.subject, '{{ user.id }}');
  assert.equal(github?.clientSecret, 'gh-secret');
  assert.equal(github?.fetchUserinfo, true);
  assert.equal(github?.discoveryMode, 'disabled');
});

test('the legacy oidc_config is the provider `oidc`, only when enabled; confirm_localpart suggests', () => {
  const legacy = (enabled: boolean) => `
server_name: example.com
oidc_config:
  enabled: ${enabled}
  issuer: https://login.example.com/
  client_id: matrix
  skip_verification: true
  scopes: [profile]
  client_secret_jwt_key: { key_file: /k.pem, jwt_header: { alg: ES256 } }
  user_mapping_provider:
    config:
      confirm_localpart: true
      localpart_template: "{{ user.preferred_username }}"
      email_template: "{{ user.email }}"
`;
  assert.deepEqual(read(legacy(false)).upstreamProviders, []);
  const skipped = read(legacy(true));
  assert.deepEqual(skipped.upstreamProviders, [], 'a JWT key and no secret: nothing mxauth can use');
  assert.match(
    skipped.notes[0] ?? '',
    /^oidc_config: client_secret_jwt_key: has no mxauth equivalent; provider skipped/,
  );
  const withSecret = read(legacy(true).replace('client_id: matrix', 'client_id: matrix\n  client_secret: s'));
  const [p] = withSecret.upstreamProviders;
  assert.equal(p?.synapse_idp_id, 'oidc');
  assert.equal(p?.discovery_mode, 'insecure');
  assert.equal(p?.fetch_userinfo, true, "Synapse's auto reads userinfo without the openid scope");
  assert.deepEqual(p?.claims_imports, {
    localpart: { action: 'suggest', template: '{{ user.preferred_username }}' },
    email: { action: 'suggest', template: '{{ user.email }}' },
  });
  const plain = read(
    'server_name: example.com\noidc_providers: [{ idp_id: oidc, issuer: https://i/, client_id: c }]',
  );
  assert.equal(plain.upstreamProviders[0]?.synapse_idp_id, 'oidc');
  assert.equal(plain.upstreamProviders[0]?.token_endpoint_auth_method, 'none');
  assert.deepEqual(plain.upstreamProviders[0]?.claims_imports, { localpart: { action: 'suggest' } });
});

test('config generate --synapse-config writes the providers and prints the notes', async () => {
  writeFileSync(join(dir, 'homeserver.yaml'), homeserver);
  const generated = await cli(
    ['config', 'generate', '--synapse-config', 'homeserver.yaml', '--output', 'out.yaml'],
    { cwd: dir },
  );
  assert.equal(generated.code, 0, generated.stderr);
  assert.match(generated.stderr, /note: oidc_providers\[1\] \(idp_id github\): enable_registration/);
  const config = parseYaml((await import('node:fs')).readFileSync(join(dir, 'out.yaml'), 'utf8'));
  assert.deepEqual(
    config.upstream_oauth2.providers.map((p: { synapse_idp_id: string }) => p.synapse_idp_id),
    ['oidc-keycloak', 'oidc-github'],
  );
  const checked = await cli(['config', 'check', '--config', 'out.yaml'], { cwd: dir });
  assert.equal(checked.code, 0, checked.stderr);
});
