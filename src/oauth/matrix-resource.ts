import { DEVICE_PREFIX, type MatrixScope, SCOPE_API, SCOPE_SYNAPSE_ADMIN } from '../domain/matrix-scopes.js';

/**
 * The Matrix scopes a grant may carry, computed from the scopes seen in the request or the stored code /
 * refresh token: the API scope in both spellings, the device scope that was asked for, and admin.
 * The device scope is dynamic (any client-chosen id), which is why Matrix scopes are resource-server
 * scopes in the engine rather than a fixed list.
 */
export function matrixResourceScope(seen: string): string {
  const tokens = new Set(seen.split(' ').filter(Boolean));
  const granted = [SCOPE_API.stable, SCOPE_API.unstable, SCOPE_SYNAPSE_ADMIN];
  for (const token of tokens) {
    if (token.startsWith(DEVICE_PREFIX.stable) || token.startsWith(DEVICE_PREFIX.unstable))
      granted.push(token);
  }
  return granted.join(' ');
}

/** The scope Synapse reads at introspection: both spellings, so it works whichever the client used. */
export function introspectionScope(scope: MatrixScope, adminAllowed: boolean): string {
  const { api, admin, deviceId, others } = scope;
  const out = [...others];
  if (api) out.push(SCOPE_API.stable, SCOPE_API.unstable);
  if (deviceId) out.push(`${DEVICE_PREFIX.stable}${deviceId}`, `${DEVICE_PREFIX.unstable}${deviceId}`);
  if (admin && adminAllowed) out.push(SCOPE_SYNAPSE_ADMIN);
  return out.join(' ');
}
