import { ok } from '../domain/result.js';
import type { HomeserverConnector } from './connector.js';

/** No homeserver (standalone use, or tests of mxauth alone): every localpart is free, every call succeeds. */
export class NoHomeserver implements HomeserverConnector {
  readonly kind = 'none';

  constructor(private readonly serverName: string) {}

  async queryUser(localpart: string) {
    return ok({
      userId: `@${localpart}:${this.serverName}`,
      displayName: null,
      avatarUrl: null,
      suspended: false,
      deactivated: false,
    });
  }
  async isLocalpartAvailable() {
    return ok(undefined);
  }
  async provisionUser() {
    return ok(undefined);
  }
  async upsertDevice() {
    return ok(undefined);
  }
  async updateDeviceDisplayName() {
    return ok(undefined);
  }
  async deleteDevice() {
    return ok(undefined);
  }
  async syncDevices() {
    return ok(undefined);
  }
  async deleteUser() {
    return ok(undefined);
  }
  async reactivateUser() {
    return ok(undefined);
  }
  async setDisplayName() {
    return ok(undefined);
  }
  async allowCrossSigningReset() {
    return ok(undefined);
  }
}
