import type { Config } from '../config/config.js';
import type { HomeserverConnector } from './connector.js';
import { NoHomeserver } from './none.js';
import { SynapseConnector } from './synapse.js';

export type { HomeserverConnector, HomeserverError } from './connector.js';
export { describeHomeserverError } from './connector.js';

/** The connector `matrix.kind` names. */
export function createConnector(config: Config, fetchImpl?: typeof fetch): HomeserverConnector {
  const { matrix } = config;
  if (matrix.kind === 'none') return new NoHomeserver(matrix.homeserver);
  // The admin-API connector for Synapse < 1.136 is not built yet; loading the config refuses it.
  if (matrix.kind === 'synapse_legacy') throw new Error('matrix.kind synapse_legacy is not supported yet');
  return new SynapseConnector({ endpoint: matrix.endpoint, secret: matrix.secret ?? '', fetch: fetchImpl });
}
