import type { RepeatedLog } from '../observability/repeated-log.js';
import type { HomeserverConnector } from './connector.js';

const KEY = 'homeserver-secret-refused';

/**
 * The connector, watched for a refused shared secret (Synapse answers 401/403 to `/_synapse/mas/…`). That
 * refusal repeats on every call until an operator fixes the configuration, and the outbox retries the
 * calls for as long as it takes, so it is logged at warn once (then once per interval, with a count)
 * saying what to check, and at info when the homeserver accepts the secret again.
 */
export function watchSecretRefusals(
  connector: HomeserverConnector,
  log: RepeatedLog,
  endpoint: string,
): HomeserverConnector {
  return new Proxy(connector, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'constructor') return value;
      return async (...args: unknown[]) => {
        const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        const outcome = result as { ok?: boolean; error?: { kind?: string; message?: string } };
        if (outcome?.ok === false && outcome.error?.kind === 'unauthorized')
          log.log(
            'warn',
            KEY,
            { endpoint, call: String(property), error: outcome.error.message },
            'the homeserver refused the shared secret: matrix.secret (or the file matrix.secret_file names) must equal matrix_authentication_service.secret (or the contents of secret_path) in homeserver.yaml; calls to the homeserver are retried until they match',
          );
        else if (outcome?.ok === true) log.resolved(KEY, 'the homeserver accepts the shared secret again');
        return result;
      };
    },
  });
}
