/**
 * The name a cookie is set under. With an https public_base the name carries the prefix browsers enforce
 * (RFC 6265bis §4.1.3): `__Host-` for cookies of the whole host (Secure, `Path=/`, no Domain), so no
 * subdomain, and no plain-http page on the host, can set or shadow them; `__Secure-` when the cookie has
 * a narrower path (mxauth published under `/auth/`, or a cookie scoped to one interaction), which
 * `__Host-` does not allow. Over plain http (local set-ups) browsers refuse both, so the bare name is used.
 *
 * Every cookie mxauth and its engine set goes through here, for setting and for reading alike.
 */
export function cookieName(name: string, secure: boolean, path: string): string {
  if (!secure) return name;
  return path === '/' ? `__Host-${name}` : `__Secure-${name}`;
}
