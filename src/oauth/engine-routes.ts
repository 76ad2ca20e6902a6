import type { ResourceName } from '../config/schema.js';
import { ROUTES } from './provider.js';

/** One route of the OAuth engine: where it is, which methods it answers, and which listener serves it. */
export interface EngineRoute {
  /** The path as the engine registers it; `:name` segments are parameters (ids). */
  template: string;
  methods: readonly string[];
  resource: ResourceName;
}

const GET = ['GET', 'HEAD'];

/**
 * Every route the engine serves with mxauth's configuration, as oidc-provider registers them
 * (node_modules/oidc-provider/lib/helpers/initialize_app.js, for the features provider.ts enables;
 * userinfo and introspection are mxauth's own). The engine's router matches paths ignoring case and a
 * trailing slash, while mxauth's hooks around it (registration rules, a device for API scopes) compare
 * paths exactly: a second spelling of a route would reach the engine without the hooks. So mxauth hands
 * the engine only these spellings (see `matchEngineRoute`), and every other one is not found.
 */
export const ENGINE_ROUTES: readonly EngineRoute[] = [
  { template: '/.well-known/openid-configuration', methods: [...GET, 'OPTIONS'], resource: 'discovery' },
  {
    template: '/.well-known/oauth-authorization-server',
    methods: [...GET, 'OPTIONS'],
    resource: 'discovery',
  },
  { template: ROUTES.jwks, methods: [...GET, 'OPTIONS'], resource: 'discovery' },
  { template: ROUTES.authorization, methods: GET, resource: 'human' },
  { template: `${ROUTES.authorization}/:uid`, methods: GET, resource: 'human' },
  { template: ROUTES.code_verification, methods: [...GET, 'POST'], resource: 'human' },
  { template: `${ROUTES.code_verification}/:uid`, methods: GET, resource: 'human' },
  { template: ROUTES.end_session, methods: GET, resource: 'human' },
  { template: `${ROUTES.end_session}/confirm`, methods: ['POST'], resource: 'human' },
  { template: `${ROUTES.end_session}/success`, methods: GET, resource: 'human' },
  { template: ROUTES.token, methods: ['POST', 'OPTIONS'], resource: 'oauth' },
  // OPTIONS is answered by mxauth's registration hook (browser clients register cross-origin).
  { template: ROUTES.registration, methods: ['POST', 'OPTIONS'], resource: 'oauth' },
  { template: `${ROUTES.registration}/:clientId`, methods: GET, resource: 'oauth' },
  { template: ROUTES.revocation, methods: ['POST', 'OPTIONS'], resource: 'oauth' },
  { template: ROUTES.device_authorization, methods: ['POST', 'OPTIONS'], resource: 'oauth' },
  { template: ROUTES.pushed_authorization_request, methods: ['POST', 'OPTIONS'], resource: 'oauth' },
];

const staticRoutes = new Map(
  ENGINE_ROUTES.filter((r) => !r.template.includes('/:')).map((r) => [r.template, r]),
);
const paramRoutes = ENGINE_ROUTES.filter((r) => r.template.includes('/:')).map((route) => ({
  route,
  segments: route.template.split('/').map((s) => (s.startsWith(':') ? null : s)),
}));

/**
 * The engine route `path` (a request's path, still percent-encoded) names, only if it is spelled exactly
 * as the engine registers it: same case, no trailing or doubled slash, no percent-encoded letters. An id
 * segment must be spelled as the engine prints ids in its URLs (encodeURIComponent), so a route has one
 * spelling for each id too.
 */
export function matchEngineRoute(path: string): EngineRoute | undefined {
  const exact = staticRoutes.get(path);
  if (exact) return exact;
  const parts = path.split('/');
  for (const { route, segments } of paramRoutes) {
    if (segments.length !== parts.length) continue;
    if (segments.every((segment, i) => (segment === null ? canonicalId(parts[i]!) : segment === parts[i])))
      return route;
  }
  return undefined;
}

function canonicalId(segment: string): boolean {
  // Dot segments name another path (a client or proxy that normalises URLs resolves them).
  if (segment === '' || segment === '.' || segment === '..') return false;
  try {
    return encodeURIComponent(decodeURIComponent(segment)) === segment;
  } catch {
    return false;
  }
}
