import { resolve } from 'node:path';
import { openServices, type Services, StartupError } from '../compose.js';
import { deploymentProblems } from '../config/check.js';
import type { Config } from '../config/config.js';
import { loadConfigFile } from '../config/load.js';
import { formatProblem } from '../config/problems.js';
import { createLogger } from '../observability/logger.js';
import { CliError, type CliIo, EXIT_USAGE } from './io.js';

/** `--config`, else MXAUTH_CONFIG, else ./config.yaml. */
export function configPath(io: CliIo, option: string | undefined): string {
  return resolve(io.cwd, option ?? io.env.MXAUTH_CONFIG ?? 'config.yaml');
}

export function loadConfigOrExit(io: CliIo, path: string): Config {
  const loaded = loadConfigFile(path, { env: io.env });
  if (!loaded.ok) {
    throw new CliError(
      `invalid configuration (${path}):`,
      EXIT_USAGE,
      loaded.error.map((p) => `  ${formatProblem(p)}`),
    );
  }
  return loaded.value;
}

/** What `config check` and `serve` refuse beyond the schema (src/config/check.ts). */
export function refuseUnsafeConfig(path: string, config: Config): void {
  const problems = deploymentProblems(config);
  if (problems.length > 0)
    throw new CliError(
      `invalid configuration (${path}):`,
      EXIT_USAGE,
      problems.map((p) => `  ${formatProblem(p)}`),
    );
}

/** Runs `fn` with the services of the configured database, closing it afterwards whatever happens. */
export async function withServices<T>(
  io: CliIo,
  configOption: string | undefined,
  fn: (services: Services, config: Config) => Promise<T>,
  options: { migrate?: boolean } = {},
): Promise<T> {
  const config = loadConfigOrExit(io, configPath(io, configOption));
  let services: Services;
  try {
    // Commands write outbox jobs; the running server delivers them, so nothing here logs deliveries.
    services = await openServices(config, {
      migrate: options.migrate ?? false,
      logger: createLogger('silent'),
    });
  } catch (e) {
    if (e instanceof StartupError) throw new CliError(e.message);
    throw e;
  }
  try {
    return await fn(services, config);
  } finally {
    await services.close();
  }
}
