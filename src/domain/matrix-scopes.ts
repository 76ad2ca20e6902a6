import { type Rng, randomString, UPPER_ALPHANUMERIC } from './random.js';
import { err, ok, type Result } from './result.js';

/*
 * Matrix OAuth scopes (MSC2967, Matrix spec "OAuth 2.0 API"): full client-server API access, one device,
 * Synapse admin; each in a stable and an unstable (MSC2967) spelling that one request must not mix.
 */
export const SCOPE_API = {
  stable: 'urn:matrix:client:api:*',
  unstable: 'urn:matrix:org.matrix.msc2967.client:api:*',
} as const;
export const DEVICE_PREFIX = {
  stable: 'urn:matrix:client:device:',
  unstable: 'urn:matrix:org.matrix.msc2967.client:device:',
} as const;
export const SCOPE_SYNAPSE_ADMIN = 'urn:synapse:admin:*';

export type ScopeFlavour = 'stable' | 'unstable';

export interface MatrixScope {
  /** Access to the client-server API. */
  api: boolean;
  admin: boolean;
  /** The device the session is bound to, when one is requested. */
  deviceId: string | undefined;
  /** Which spelling the request used, when it used any Matrix scope. */
  flavour: ScopeFlavour | undefined;
  /** Every other scope, as given (`openid`, `email`, …). */
  others: string[];
}

export type ScopeProblem =
  | { kind: 'several_devices' }
  | { kind: 'mixed_flavours' }
  | { kind: 'invalid_device_id'; deviceId: string };

// RFC 6749 §3.3 scope-token characters: %x21 / %x23-5B / %x5D-7E (printable ASCII but space, " and \).
const DEVICE_ID = /^[\x21\x23-\x5b\x5d-\x7e]{1,255}$/;

// Runs on every introspection: one pass, no intermediate collections.
export function parseMatrixScope(scope: string): Result<MatrixScope, ScopeProblem> {
  const result: MatrixScope = {
    api: false,
    admin: false,
    deviceId: undefined,
    flavour: undefined,
    others: [],
  };
  let stable = false;
  let unstable = false;
  let devices = 0;
  for (const token of scope.split(' ')) {
    if (token === '') continue;
    if (token === SCOPE_API.stable || token === SCOPE_API.unstable) {
      result.api = true;
      if (token === SCOPE_API.stable) stable = true;
      else unstable = true;
    } else if (token.startsWith(DEVICE_PREFIX.stable) || token.startsWith(DEVICE_PREFIX.unstable)) {
      const flavour: ScopeFlavour = token.startsWith(DEVICE_PREFIX.stable) ? 'stable' : 'unstable';
      const deviceId = token.slice(DEVICE_PREFIX[flavour].length);
      if (!DEVICE_ID.test(deviceId)) return err({ kind: 'invalid_device_id', deviceId });
      if (flavour === 'stable') stable = true;
      else unstable = true;
      // The same device scope twice is one device.
      if (devices === 0 || result.deviceId !== deviceId) devices++;
      result.deviceId = deviceId;
    } else if (token === SCOPE_SYNAPSE_ADMIN) {
      result.admin = true;
    } else if (!result.others.includes(token)) {
      result.others.push(token);
    }
  }
  if (devices > 1) return err({ kind: 'several_devices' });
  if (stable && unstable) return err({ kind: 'mixed_flavours' });
  result.flavour = stable ? 'stable' : unstable ? 'unstable' : undefined;
  return ok(result);
}

export function describeScopeProblem(problem: ScopeProblem): string {
  switch (problem.kind) {
    case 'several_devices':
      return 'the scope names more than one device; request exactly one urn:matrix:client:device:<id>';
    case 'mixed_flavours':
      return 'the scope mixes stable (urn:matrix:client:…) and unstable (urn:matrix:org.matrix.msc2967.client:…) Matrix scopes';
    case 'invalid_device_id':
      return 'the device id must be 1–255 characters, printable ASCII without spaces, quotes or backslashes';
  }
}

/** A new device id for sessions that did not ask for one: 10 characters of [A-Z0-9]. */
export function generateDeviceId(rng: Rng): string {
  return randomString(rng, 10, UPPER_ALPHANUMERIC);
}

/** The device scope token in the request's spelling (stable unless the request used unstable ones). */
export function deviceScope(deviceId: string, flavour: ScopeFlavour = 'stable'): string {
  return `${DEVICE_PREFIX[flavour]}${deviceId}`;
}
