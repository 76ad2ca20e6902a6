import type { Config } from '../config/config.js';
import type { DeploymentFinding } from './finding.js';
import { describeAnswer, field, type ProbeAnswer, probe } from './http-probe.js';
import { type AuthServerMetadata, registerTestClient, revoke, signIn } from './test-client.js';

export interface DeploymentCheck {
  config: Config;
  /** The homeserver's client API as clients reach it (`m.homeserver.base_url`). */
  homeserverUrl: string;
  timeoutMs: number;
  /** Signs in as this user to check what needs a token; without it those rows are left unchecked. */
  testUser?: { localpart: string; password: string };
}

/** How often to ask `/whoami` again after the revocation: Synapse forgets its cache only on `delete_device`. */
const REVOKED_POLL_MS = 250;

/**
 * What delegated authentication (MSC3861) needs of the whole deployment, checked live from the outside
 * as a Matrix client would see it: through the homeserver's client API first, then mxauth's own endpoints.
 */
export async function checkDeployment(check: DeploymentCheck): Promise<DeploymentFinding[]> {
  const { config, timeoutMs } = check;
  const issuer = config.http.issuer;
  const base = URL.parse(check.homeserverUrl.endsWith('/') ? check.homeserverUrl : `${check.homeserverUrl}/`);
  if (!base || !/^https?:$/.test(base.protocol))
    return [
      {
        requirement: 'homeserver URL',
        ok: false,
        detail: `${check.homeserverUrl} is not an http(s) URL`,
        fix: 'pass --homeserver-url https://matrix.example.org',
      },
    ];
  const client = (path: string) => new URL(`_matrix/client/${path}`, base);
  const findings: DeploymentFinding[] = [];

  const metadataUrl = client('v1/auth_metadata');
  const metadata = await probe(metadataUrl, timeoutMs);
  const advertised = field(metadata.ok ? metadata.json : undefined, 'issuer');
  findings.push(
    metadata.ok && metadata.status === 200 && advertised === issuer
      ? {
          requirement: 'auth_metadata names mxauth',
          ok: true,
          detail: `${metadataUrl.href}: issuer ${issuer}`,
        }
      : {
          requirement: 'auth_metadata names mxauth',
          ok: false,
          detail: `${metadataUrl.href}: ${metadata.ok && metadata.status === 200 ? `issuer ${String(advertised)}, not ${issuer}` : describeAnswer(metadata)}`,
          fix:
            metadata.ok && metadata.status === 200
              ? `the homeserver delegates to another server: matrix_authentication_service.endpoint in homeserver.yaml must reach this mxauth (or http.issuer here must be ${String(advertised)})`
              : 'enable matrix_authentication_service in homeserver.yaml (Synapse >= 1.136) and route /_matrix/client/*/auth_metadata to Synapse',
        },
  );
  findings.push(await checkWellKnown(config, base, timeoutMs));
  findings.push(await checkLegacyLogin(client('v3/login'), timeoutMs));

  // mxauth's own discovery names its endpoints, whatever the homeserver says (a wrong issuer is reported above).
  const discoveryUrl = new URL('.well-known/openid-configuration', config.http.publicBase);
  const discovery = await probe(discoveryUrl, timeoutMs);
  const own = discovery.ok && discovery.status === 200 ? discovery.json : undefined;
  const accountUri =
    field(metadata.ok ? metadata.json : undefined, 'account_management_uri') ??
    field(own, 'account_management_uri');
  findings.push(await checkAccountPage(accountUri, timeoutMs));

  const needsUser = [
    'a client can sign in and reach /whoami',
    'm.change_password is off',
    'a revoked token is refused',
  ];
  if (!check.testUser)
    return [
      ...findings,
      ...needsUser.map((requirement) => ({
        requirement,
        ok: 'unchecked' as const,
        detail: 'needs a signed-in user',
        fix: 'pass --test-user <localpart> with the password on standard input',
      })),
    ];
  const endpoints = endpointsOf(own);
  if (!endpoints)
    return [
      ...findings,
      ...needsUser.map((requirement) => ({
        requirement,
        ok: false,
        detail: `${discoveryUrl.href}: ${describeAnswer(discovery)}, no endpoints to sign in with`,
        fix: 'http.public_base must reach mxauth (see the public_base line above)',
      })),
    ];
  const whoami = client('v3/account/whoami');
  const signedIn = await signInThrough(endpoints, check.testUser, whoami, timeoutMs);
  findings.push(signedIn.finding);
  if (!signedIn.token)
    return [
      ...findings,
      ...needsUser.slice(1).map((requirement) => ({
        requirement,
        ok: 'unchecked' as const,
        detail: 'no token: the sign-in failed',
        fix: 'fix the sign-in first',
      })),
    ];
  findings.push(await checkCapabilities(client('v3/capabilities'), signedIn.token, timeoutMs));
  findings.push(await checkRevocation(endpoints, signedIn, whoami, timeoutMs));
  return findings;
}

function endpointsOf(discovery: unknown): AuthServerMetadata | undefined {
  const names = [
    'authorization_endpoint',
    'token_endpoint',
    'registration_endpoint',
    'revocation_endpoint',
  ] as const;
  const values = names.map((name) => field(discovery, name));
  if (!values.every((v): v is string => typeof v === 'string')) return undefined;
  return Object.fromEntries(names.map((name, i) => [name, values[i]])) as unknown as AuthServerMetadata;
}

const sameUrl = (a: unknown, b: string) =>
  typeof a === 'string' && a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

/**
 * Clients look the document up on the user ID's server name (spec: client-server API, server discovery);
 * one served only by the homeserver itself still works for clients that are given its URL.
 */
async function checkWellKnown(
  config: Config,
  homeserver: URL,
  timeoutMs: number,
): Promise<DeploymentFinding> {
  const requirement = '/.well-known/matrix/client points here';
  const onServerName = URL.parse(`https://${config.matrix.homeserver}/.well-known/matrix/client`);
  const onHomeserver = new URL('.well-known/matrix/client', homeserver);
  let tried = '';
  for (const url of [onServerName, onHomeserver]) {
    if (!url || (tried && url.href === onServerName?.href)) continue;
    const answer = await probe(url, timeoutMs);
    if (!answer.ok || answer.status !== 200) {
      tried += `${tried ? '; ' : ''}${url.href}: ${describeAnswer(answer)}`;
      continue;
    }
    const baseUrl = field(answer.json, 'm.homeserver', 'base_url');
    const authIssuer = field(answer.json, 'org.matrix.msc2965.authentication', 'issuer');
    const where =
      url === onServerName ? url.href : `${url.href} (at the homeserver URL; on the server name ${tried})`;
    if (!sameUrl(baseUrl, homeserver.href))
      return {
        requirement,
        ok: false,
        detail: `${url.href}: m.homeserver.base_url is ${String(baseUrl)}`,
        fix: `set m.homeserver.base_url to ${homeserver.href} (Synapse: public_baseurl)`,
      };
    if (authIssuer !== undefined && authIssuer !== config.http.issuer)
      return {
        requirement,
        ok: false,
        detail: `${url.href}: org.matrix.msc2965.authentication.issuer is ${String(authIssuer)}`,
        fix: `make it ${config.http.issuer}, or drop it (clients ask auth_metadata)`,
      };
    return { requirement, ok: true, detail: `${where}: base_url ${String(baseUrl)}` };
  }
  return {
    requirement,
    ok: false,
    detail: tried,
    fix: `serve /.well-known/matrix/client on https://${config.matrix.homeserver}/ with m.homeserver.base_url ${homeserver.href}`,
  };
}

/** MSC3824: clients that know OAuth see `oauth_aware_preferred` and take the OAuth flow; the others still sign in. */
async function checkLegacyLogin(url: URL, timeoutMs: number): Promise<DeploymentFinding> {
  const requirement = 'legacy /login goes to mxauth';
  const answer = await probe(url, timeoutMs);
  const flows = field(answer.ok ? answer.json : undefined, 'flows');
  const sso = Array.isArray(flows) ? flows.find((f) => field(f, 'type') === 'm.login.sso') : undefined;
  if (answer.ok && answer.status === 200 && field(sso, 'oauth_aware_preferred') === true)
    return { requirement, ok: true, detail: `${url.href}: m.login.sso with oauth_aware_preferred` };
  return {
    requirement,
    ok: false,
    detail: `${url.href}: ${answer.ok && answer.status === 200 ? 'no m.login.sso with oauth_aware_preferred: true' : describeAnswer(answer)}`,
    fix: 'route /_matrix/client/*/login, /logout and /refresh to mxauth in the reverse proxy (see docs/homeserver.md, Reverse proxy)',
  };
}

async function checkAccountPage(uri: unknown, timeoutMs: number): Promise<DeploymentFinding> {
  const requirement = 'account management URL opens';
  if (typeof uri !== 'string' || !URL.canParse(uri))
    return {
      requirement,
      ok: false,
      detail: 'auth_metadata names no account_management_uri',
      fix: "the homeserver must pass on mxauth's metadata document unchanged",
    };
  const answer = await probe(uri, timeoutMs, { headers: { accept: 'text/html' } });
  if (answer.ok && answer.status >= 200 && answer.status < 400)
    return { requirement, ok: true, detail: `${uri}: ${answer.status}` };
  return {
    requirement,
    ok: false,
    detail: `${uri}: ${describeAnswer(answer)}`,
    fix: 'route /account/ on http.public_base to mxauth',
  };
}

interface SignedIn {
  finding: DeploymentFinding;
  token?: string;
  clientId?: string;
}

async function signInThrough(
  endpoints: AuthServerMetadata,
  user: { localpart: string; password: string },
  whoami: URL,
  timeoutMs: number,
): Promise<SignedIn> {
  const requirement = 'a client can sign in and reach /whoami';
  const registered = await registerTestClient(endpoints, timeoutMs);
  if (!registered.ok)
    return { finding: { requirement, ok: false, detail: registered.detail, fix: registered.fix } };
  const token = await signIn(endpoints, registered.value, user, timeoutMs);
  if (!token.ok) return { finding: { requirement, ok: false, detail: token.detail, fix: token.fix } };
  const answer = await probe(whoami, timeoutMs, { headers: { authorization: `Bearer ${token.value}` } });
  const userId = field(answer.ok ? answer.json : undefined, 'user_id');
  if (answer.ok && answer.status === 200 && typeof userId === 'string')
    return {
      finding: {
        requirement,
        ok: true,
        detail: `signed in with the code flow, ${whoami.pathname}: ${userId}`,
      },
      token: token.value,
      clientId: registered.value,
    };
  return {
    finding: {
      requirement,
      ok: false,
      detail: `mxauth issued a token, ${whoami.href} answered ${describeAnswer(answer)}`,
      fix: 'the homeserver cannot introspect: matrix_authentication_service.endpoint must reach mxauth and .secret equal matrix.secret',
    },
    token: token.value,
    clientId: registered.value,
  };
}

async function checkCapabilities(url: URL, token: string, timeoutMs: number): Promise<DeploymentFinding> {
  const requirement = 'm.change_password is off';
  const answer = await probe(url, timeoutMs, { headers: { authorization: `Bearer ${token}` } });
  const enabled = field(answer.ok ? answer.json : undefined, 'capabilities', 'm.change_password', 'enabled');
  if (answer.ok && answer.status === 200 && enabled === false)
    return { requirement, ok: true, detail: `${url.pathname}: m.change_password.enabled false` };
  return {
    requirement,
    ok: false,
    detail: `${url.href}: ${answer.ok && answer.status === 200 ? `m.change_password.enabled is ${String(enabled)}` : describeAnswer(answer)}`,
    fix: "the homeserver must delegate authentication to mxauth (matrix_authentication_service.enabled: true): passwords change on mxauth's account page",
  };
}

async function checkRevocation(
  endpoints: AuthServerMetadata,
  signedIn: SignedIn,
  whoami: URL,
  timeoutMs: number,
): Promise<DeploymentFinding> {
  const requirement = 'a revoked token is refused';
  const revoked = await revoke(endpoints, signedIn.clientId!, signedIn.token!, timeoutMs);
  if (!revoked.ok) return { requirement, ok: false, detail: revoked.detail, fix: revoked.fix };
  // Synapse keeps introspection answers up to 2 minutes, dropped when mxauth deletes the device: give that
  // call the same time as any other.
  let last: ProbeAnswer | undefined;
  for (let waited = 0; waited <= timeoutMs; waited += REVOKED_POLL_MS) {
    last = await probe(whoami, timeoutMs, { headers: { authorization: `Bearer ${signedIn.token}` } });
    if (last.ok && last.status === 401 && field(last.json, 'errcode') === 'M_UNKNOWN_TOKEN')
      return { requirement, ok: true, detail: `${whoami.pathname} after revocation: 401 M_UNKNOWN_TOKEN` };
    if (!last.ok || last.status !== 200) break;
    await new Promise((resolve) => setTimeout(resolve, REVOKED_POLL_MS));
  }
  return {
    requirement,
    ok: false,
    detail: `${whoami.href} after revocation: ${last ? describeAnswer(last) : 'not asked'} (expected 401 M_UNKNOWN_TOKEN)`,
    fix: 'the homeserver accepts tokens mxauth has ended: it must introspect every token at mxauth (matrix_authentication_service, not a static token list) and receive delete_device (matrix.kind synapse, matrix.endpoint reaching it)',
  };
}
