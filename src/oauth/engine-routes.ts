import type { ResourceName } from '../config/schema.js';

/** One route of the OAuth engine (a row of src/routes.ts): where it is, its methods, its listener. */
export interface EngineRoute {
  /** The path as the engine registers it; `:name` segments are parameters (ids). */
  path: string;
  methods: readonly string[];
  resource: ResourceName;
}

/**
 * Finds the engine route a request's path (still percent-encoded) names, among `routes` (the engine's
 * rows of src/routes.ts), only if it is spelled exactly as the engine registers it: same case, no
 * trailing or doubled slash, no percent-encoded letters. The engine's router matches paths ignoring case
 * and a trailing slash, while mxauth's hooks around it (registration rules, a device for API scopes)
 * compare paths exactly: a second spelling of a route would reach the engine without the hooks. So
 * mxauth hands the engine only these spellings, and every other one is not found. An id segment must be
 * spelled as the engine prints ids in its URLs (encodeURIComponent), so a route has one spelling for
 * each id too.
 */
export function engineRouteMatcher<R extends EngineRoute>(
  routes: readonly R[],
): (path: string) => R | undefined {
  const staticRoutes = new Map(routes.filter((r) => !r.path.includes('/:')).map((r) => [r.path, r]));
  const paramRoutes = routes
    .filter((r) => r.path.includes('/:'))
    .map((route) => ({
      route,
      segments: route.path.split('/').map((s) => (s.startsWith(':') ? null : s)),
    }));
  return (path) => {
    const exact = staticRoutes.get(path);
    if (exact) return exact;
    const parts = path.split('/');
    for (const { route, segments } of paramRoutes) {
      if (segments.length !== parts.length) continue;
      if (segments.every((segment, i) => (segment === null ? canonicalId(parts[i]!) : segment === parts[i])))
        return route;
    }
    return undefined;
  };
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
