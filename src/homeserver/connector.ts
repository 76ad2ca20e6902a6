import type { Result } from '../domain/result.js';

/**
 * What mxauth asks of the homeserver it authenticates for. Each call is idempotent: the outbox may deliver
 * it again after a lost answer, and the result must be the same.
 */
export interface HomeserverConnector {
  /** `synapse`, `synapse_legacy` or `none`. */
  readonly kind: string;
  queryUser(localpart: string): Promise<Result<HomeserverUser, HomeserverError>>;
  /** Ok when the localpart may be registered; otherwise why not (taken, invalid, an appservice's). */
  isLocalpartAvailable(localpart: string): Promise<Result<void, HomeserverError>>;
  provisionUser(request: ProvisionUser): Promise<Result<void, HomeserverError>>;
  upsertDevice(
    localpart: string,
    deviceId: string,
    displayName?: string,
  ): Promise<Result<void, HomeserverError>>;
  updateDeviceDisplayName(
    localpart: string,
    deviceId: string,
    displayName: string,
  ): Promise<Result<void, HomeserverError>>;
  deleteDevice(localpart: string, deviceId: string): Promise<Result<void, HomeserverError>>;
  /** Makes the homeserver's device list exactly `deviceIds` (adds missing, deletes extra). */
  syncDevices(localpart: string, deviceIds: string[]): Promise<Result<void, HomeserverError>>;
  /** Deactivates the user there; `erase` also erases their data (GDPR). */
  deleteUser(localpart: string, erase: boolean): Promise<Result<void, HomeserverError>>;
  reactivateUser(localpart: string): Promise<Result<void, HomeserverError>>;
  setDisplayName(localpart: string, displayName: string | null): Promise<Result<void, HomeserverError>>;
  /** Lets the user replace their cross-signing keys without interactive auth for a short while. */
  allowCrossSigningReset(localpart: string): Promise<Result<void, HomeserverError>>;
}

export interface HomeserverUser {
  userId: string;
  displayName: string | null;
  avatarUrl: string | null;
  suspended: boolean;
  deactivated: boolean;
}

/** The user's state to mirror on the homeserver; absent fields are left as they are there. */
export interface ProvisionUser {
  localpart: string;
  displayName?: string | null;
  emails?: string[];
  locked?: boolean;
}

/**
 * Why a call failed. `transient` failures are worth retrying (the homeserver is down, slow or erring);
 * the others will fail the same way again.
 */
export type HomeserverError =
  | { kind: 'user_in_use'; message: string }
  | { kind: 'invalid_username'; message: string }
  | { kind: 'exclusive'; message: string }
  | { kind: 'not_found'; message: string }
  | { kind: 'unauthorized'; message: string }
  | { kind: 'rejected'; status: number; errcode?: string; message: string }
  | { kind: 'transient'; message: string };

export function describeHomeserverError(error: HomeserverError): string {
  switch (error.kind) {
    case 'rejected':
      return `the homeserver refused (${error.status}${error.errcode ? ` ${error.errcode}` : ''}): ${error.message}`;
    case 'transient':
      return `the homeserver could not be reached: ${error.message}`;
    default:
      return error.message;
  }
}
