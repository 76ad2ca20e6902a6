import { z } from 'zod';

/*
 * `upstream_oauth2`: the identity providers people sign in through. The keys, values and defaults are
 * MAS's (its configuration reference), so a MAS file's section reads the same here. The few keys MAS
 * has not got are marked "mxauth" in their description; a MAS file never needs them.
 */

const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

export const IMPORT_ACTIONS = ['ignore', 'suggest', 'force', 'require'] as const;
export type ImportAction = (typeof IMPORT_ACTIONS)[number];

export const TOKEN_AUTH_METHODS = [
  'none',
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'sign_in_with_apple',
] as const;

export const PRESETS = ['google', 'github', 'gitlab', 'microsoft', 'keycloak', 'authentik', 'apple'] as const;
export type PresetName = (typeof PRESETS)[number];

const template = z.string().min(1).optional();

const action = (what: string) =>
  z
    .enum(IMPORT_ACTIONS)
    .optional()
    .describe(
      `What the provider's ${what} does: \`ignore\` it, \`suggest\` it (the person may change it), \`force\` it when the claim is there, \`require\` it (no sign-in without it)`,
    );

const claimsImports = z.strictObject({
  subject: z
    .strictObject({
      template: template.describe(
        'Template of the subject that identifies the person at the provider (default `{{ user.sub }}`)',
      ),
    })
    .prefault({}),
  skip_confirmation: z
    .boolean()
    .default(false)
    .describe('Create the account without the "Continue as" page when every imported value is forced'),
  localpart: z
    .strictObject({
      action: action('username'),
      template: template.describe('Template of the localpart (default `{{ user.preferred_username }}`)'),
      on_conflict: z
        .enum(['fail', 'add', 'replace', 'set'])
        .default('fail')
        .describe(
          "When the imported localpart is taken by an account here: `fail` refuses; `add` links this identity to that account as another one; `replace` links it in place of that account's link to this provider; `set` links it only when that account has no link to this provider yet",
        ),
    })
    .prefault({}),
  displayname: z
    .strictObject({
      action: action('display name'),
      template: template.describe('Template of the display name (default `{{ user.name }}`)'),
    })
    .prefault({}),
  email: z
    .strictObject({
      action: action('email address'),
      template: template.describe('Template of the email address (default `{{ user.email }}`)'),
      set_email_verification: z
        .enum(['always', 'never', 'import'])
        .optional()
        .describe('Accepted from older MAS files; addresses a provider gives are taken as verified'),
    })
    .prefault({}),
  account_name: z
    .strictObject({
      template: template.describe(
        'Template of the name the account page shows for this link (e.g. `@{{ user.login }}`)',
      ),
    })
    .prefault({}),
});

const requirement = z
  .strictObject({
    attribute: z
      .string()
      .min(1)
      .describe('Claim name (a dotted path reaches into objects, e.g. `realm_access.roles`)'),
    value: z.string().optional().describe('The claim equals this, or (a list claim) contains it'),
    one_of: z.array(z.string()).min(1).optional().describe('The claim equals, or contains, one of these'),
    matches: z
      .string()
      .min(1)
      .optional()
      .describe('The claim, or one of its items, matches this regular expression (whole value)'),
  })
  .refine((r) => [r.value, r.one_of, r.matches].filter((x) => x !== undefined).length <= 1, {
    message: 'give at most one of value, one_of and matches',
  });

const provider = z.strictObject({
  id: z
    .string()
    .regex(ULID, 'must be a ULID (26 characters, Crockford base 32)')
    .describe("The provider's id, a ULID; in the callback URL"),
  preset: z
    .enum(PRESETS)
    .optional()
    .describe(
      'mxauth: fill issuer, endpoints, scope, brand and claim templates for a well-known provider; every key given here wins',
    ),
  enabled: z.boolean().default(true).describe('Offer this provider; a disabled one keeps its links'),
  synapse_idp_id: z
    .string()
    .min(1)
    .optional()
    .describe(
      "The id Synapse knew this provider by (`oidc-<idp_id>`): legacy clients' buttons and the Synapse import use it",
    ),
  issuer: z
    .string()
    .min(1)
    .optional()
    .describe('Issuer; its discovery document is read unless discovery_mode is disabled'),
  human_name: z.string().min(1).optional().describe('Name on the sign-in button'),
  brand_name: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Brand whose icon the button shows: google, github, gitlab, apple, facebook, twitter, microsoft, discord, keycloak, authentik',
    ),
  icon: z
    .string()
    .min(1)
    .optional()
    .describe("mxauth: the `mxc://` icon legacy clients show for this provider (Synapse's idp_icon)"),
  client_id: z.string().min(1).describe("This service's client id at the provider"),
  client_secret: z
    .string()
    .min(1)
    .optional()
    .describe('Client secret (client_secret_basic, client_secret_post, client_secret_jwt)'),
  client_secret_file: z.string().min(1).optional().describe('Path of a file holding client_secret instead'),
  token_endpoint_auth_method: z
    .enum(TOKEN_AUTH_METHODS)
    .optional()
    .describe(
      'How this service authenticates at the token endpoint (default client_secret_basic with a secret, else none)',
    ),
  token_endpoint_auth_signing_alg: z
    .string()
    .min(1)
    .optional()
    .describe('JWS algorithm of client_secret_jwt / private_key_jwt assertions'),
  sign_in_with_apple: z
    .strictObject({
      private_key: z.string().min(1).optional().describe('The .p8 key, PEM'),
      private_key_file: z.string().min(1).optional().describe('Path of the .p8 key'),
      team_id: z.string().min(1).describe('Apple team id'),
      key_id: z.string().min(1).describe('Key id'),
    })
    .optional()
    .describe('Keys for token_endpoint_auth_method: sign_in_with_apple'),
  id_token_signed_response_alg: z
    .string()
    .min(1)
    .default('RS256')
    .describe('Expected JWS algorithm of ID tokens'),
  scope: z
    .string()
    .min(1)
    .optional()
    .describe("Scopes asked for, space-separated (default `openid`, or the preset's)"),
  discovery_mode: z
    .enum(['oidc', 'insecure', 'disabled'])
    .optional()
    .describe(
      '`oidc` (the default, unless the preset says otherwise) reads and checks the discovery document; `insecure` reads it without the strict checks; `disabled` uses only the endpoints given here',
    ),
  pkce_method: z
    .enum(['auto', 'always', 'never'])
    .default('auto')
    .describe(
      'PKCE: `auto` when the discovery document lists S256 (none without discovery), `always`, or `never`',
    ),
  fetch_userinfo: z
    .boolean()
    .optional()
    .describe("Read the userinfo endpoint after the token exchange (default false, or the preset's)"),
  userinfo_signed_response_alg: z
    .string()
    .min(1)
    .optional()
    .describe('Userinfo answers are JWTs signed with this algorithm'),
  authorization_endpoint: z
    .url()
    .optional()
    .describe('Overrides (or, without discovery, gives) the authorization endpoint'),
  token_endpoint: z.url().optional().describe('Overrides (or gives) the token endpoint'),
  jwks_uri: z.url().optional().describe('Overrides (or gives) the JWKS URI'),
  userinfo_endpoint: z.url().optional().describe('Overrides (or gives) the userinfo endpoint'),
  end_session_endpoint: z.url().optional().describe('mxauth: overrides (or gives) the end-session endpoint'),
  response_mode: z
    .enum(['query', 'form_post'])
    .optional()
    .describe('How the provider returns to the callback (default query)'),
  additional_authorization_parameters: z
    .record(z.string(), z.string())
    .default({})
    .describe(
      "Extra query parameters of the authorization request; each value is a template over `params` (the client's authorization request) and `logged_out` (signed out here in the last 5 minutes); an empty result leaves the parameter out",
    ),
  forward_login_hint: z
    .boolean()
    .default(false)
    .describe(
      'Pass the client\'s login_hint on to the provider (as MAS, the same as a `login_hint: "{{ params.login_hint }}"` parameter)',
    ),
  on_backchannel_logout: z
    .enum(['do_nothing', 'logout_browser_only', 'logout_all'])
    .default('do_nothing')
    .describe(
      'What a back-channel logout token from the provider ends: nothing, the browser sessions it started, or those and every device signed in from them',
    ),
  registration_token_required: z
    .boolean()
    .default(false)
    .describe('A new account made through this provider needs a registration token'),
  claims_imports: claimsImports.prefault({}).describe("What is taken from the provider's claims, and how"),
  attribute_requirements: z
    .array(requirement)
    .default([])
    .describe("mxauth: every one must hold, or the person is refused (as Synapse's attribute_requirements)"),
  admin_requirements: z
    .array(requirement)
    .optional()
    .describe(
      'mxauth: when given, the person may request admin exactly while every one holds, checked at each sign-in',
    ),
  sign_out_upstream: z
    .boolean()
    .default(false)
    .describe(
      'mxauth: signing out of this service also signs the browser out of the provider (RP-initiated logout)',
    ),
});

export const upstreamOAuth2 = z.strictObject({
  providers: z.array(provider).default([]).describe('The providers, in the order their buttons appear'),
});

export type UpstreamProviderFile = z.output<typeof provider>;
export type RequirementFile = z.output<typeof requirement>;
