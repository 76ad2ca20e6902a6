import type { Config } from '../config/config.js';
import type { HomeserverConnector } from './connector.js';
import { NoHomeserver } from './none.js';
import { SynapseConnector } from './synapse.js';
import { SynapseLegacyConnector } from './synapse-legacy.js';

export type { HomeserverConnector, HomeserverError } from './connector.js';
export { describeHomeserverError } from './connector.js';

/** The connector `matrix.kind` names. */
export function createConnector(config: Config, fetchImpl?: typeof fetch): HomeserverConnector {
  const { matrix } = config;
  if (matrix.kind === 'none') return new NoHomeserver(matrix.homeserver);
  if (matrix.kind === 'synapse_legacy')
    return new SynapseLegacyConnector({
      endpoint: matrix.endpoint,
      serverName: matrix.homeserver,
      secret: matrix.secret ?? '',
      fetch: fetchImpl,
    });
  return new SynapseConnector({ endpoint: matrix.endpoint, secret: matrix.secret ?? '', fetch: fetchImpl });
}
