import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { openServices, type Services, StartupError } from './compose.js';
import type { Config } from './config/config.js';
import { parseConfig } from './config/load.js';
import { type ConfigProblem, formatProblem } from './config/problems.js';
import type { ConfigFileInput, ResourceName } from './config/schema.js';
import { RESOURCE_NAMES } from './config/schema.js';
import type { Clock } from './domain/clock.js';
import { systemClock } from './domain/clock.js';
import type { Rng } from './domain/random.js';
import { cryptoRng } from './domain/random.js';
import { type AppDependencies, alwaysOnHandlers, buildHandler } from './http/app.js';
import { writeOAuthError } from './http/errors/oauth.js';
import { HealthProblem } from './http/health.js';
import { listen, type RunningServer } from './http/listen.js';
import { scheduleRecurringJobs } from './jobs/registry.js';
import type { JobWorkerOptions } from './jobs/worker.js';
import { routeEngineNotices } from './observability/engine-notices.js';
import { createLogger, defaultLogFormat, type Logger } from './observability/logger.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { alwaysOnRoutes, type Route } from './routes.js';
import type { OAuthSessionService } from './services/oauth-sessions.js';
import type { UserService } from './services/users.js';
import { schemaMismatch } from './storage/migrate.js';
import type { Surfaces } from './surfaces.js';
import { requestProblemPages } from './web/error-pages.js';

/** The configuration is invalid; `problems` names each key at fault. */
export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(`invalid mxauth configuration:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
  }
}

export { StartupError };

export interface MxauthOptions {
  /** How the outbox retries (tests shorten the waits); production uses the defaults. */
  outbox?: JobWorkerOptions;
  /** A pino logger to write to; by default one at the configured level on stdout. */
  logger?: Logger;
  clock?: Clock;
  rng?: Rng;
  /** Outgoing fetch of the OAuth engine (back-channel logout): lets tests reach a loopback receiver. */
  outboundFetch?: typeof fetch;
}

export interface StartOptions {
  /** Run pending database migrations first (default true). */
  migrate?: boolean;
  /** Bind the listeners of `http.listeners` (default false: the host serves `handler` itself). */
  listen?: boolean;
}

export interface Mxauth {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Node request handler serving every resource; mount it in a host server. Answers 503 until started. */
  readonly handler: RequestListener;
  /** Where the listeners are bound, after `start({ listen: true })`. */
  readonly listening: readonly RunningServer[];
  /** Account operations, for hosts that embed mxauth. Available after start(). */
  readonly users: UserService;
  /**
   * The service layer (storage, outbox, verification…), for hosts that embed mxauth and for tests.
   * Available after start().
   */
  readonly services: Services;
  /** Matrix device sessions signed in through OAuth. Available after start(). */
  readonly sessions: OAuthSessionService;
  /** Every route this instance serves (src/routes.ts), health and metrics first. Available after start(). */
  readonly routes: readonly Route[];
  start(options?: StartOptions): Promise<void>;
  /** Stops the listeners (finishing requests in flight) and closes the database. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Creates an mxauth instance from a configuration (validated here: a ConfigError lists every problem).
 * Nothing is opened until `start()`.
 */
export function createMxauth(config: Config | ConfigFileInput, options: MxauthOptions = {}): Mxauth {
  const resolved = isResolved(config) ? config : parsed(config);
  const logger =
    options.logger ?? createLogger(resolved.log.level, undefined, resolved.log.format ?? defaultLogFormat());
  // The engine's console warnings go to this logger while the instance runs.
  let detachEngineNotices: (() => void) | undefined;
  let services: Services | undefined;
  let surfaces: Surfaces | undefined;
  const metrics = createMetrics(
    async () => (services ? services.storage.jobs.countByState() : {}),
    () => surfaces?.tokens.counts(),
  );
  const servers: RunningServer[] = [];
  let state: 'new' | 'starting' | 'started' | 'closed' = 'new';

  const appDeps: AppDependencies = {
    logger,
    metrics,
    trustedProxies: resolved.http.trustedProxies,
    problemPages: requestProblemPages(resolved),
    ping: async () => {
      if (!services) throw new Error('not started');
      const mismatch = await schemaMismatch(services.database);
      if (mismatch) throw new HealthProblem(mismatch);
    },
    surfaces: () => surfaces && ((resources) => surfaces!.middlewareFor(resources)),
    fastPaths: () => surfaces?.fastPaths,
  };
  const appFor = (resources: ReadonlySet<ResourceName>, prefix: string) =>
    buildHandler(appDeps, { resources, prefix });

  const all = appFor(new Set(RESOURCE_NAMES), '');
  const handler: RequestListener = (req: IncomingMessage, res: ServerResponse) => {
    if (state !== 'started') {
      writeOAuthError(res, {
        kind: 'unavailable',
        description: 'mxauth is not running',
        retryAfterSeconds: 1,
      });
      return;
    }
    void all(req, res);
  };

  return {
    config: resolved,
    logger,
    metrics,
    handler,
    listening: servers,
    get services() {
      if (!services) throw new Error('mxauth is not started: call start() first');
      return services;
    },
    get users() {
      if (!services) throw new Error('mxauth is not started: call start() first');
      return services.users;
    },
    get sessions() {
      if (!surfaces) throw new Error('mxauth is not started: call start() first');
      return surfaces.sessions;
    },
    get routes() {
      if (!surfaces) throw new Error('mxauth is not started: call start() first');
      return [...alwaysOnRoutes(alwaysOnHandlers(appDeps)), ...surfaces.routes];
    },
    async start(startOptions = {}) {
      if (state !== 'new') throw new Error(`mxauth cannot start: it is ${state}`);
      state = 'starting';
      detachEngineNotices = routeEngineNotices(logger);
      try {
        services = await openServices(resolved, {
          migrate: startOptions.migrate ?? true,
          watchTokenChanges: resolved.tokens.introspectionCacheEntries > 0,
          clock: options.clock,
          rng: options.rng,
          onMigrated: (applied) => logger.info({ applied }, 'database migrated'),
          logger,
          worker: {
            ...options.outbox,
            onOutcome: (job, outcome) =>
              metrics.jobDeliveries.inc({ queue: job.queue, kind: job.kind, outcome: outcome.kind }),
          },
        });
        // Loaded on start only: the OAuth engine is large, and CLI commands that never serve skip it.
        const { buildSurfaces } = await import('./surfaces.js');
        surfaces = buildSurfaces(resolved, services, {
          clock: options.clock ?? systemClock,
          rng: options.rng ?? cryptoRng,
          logger,
          outboundFetch: options.outboundFetch,
        });
        // The expiry sweep and any other recurring work: rows the worker claims, so one instance runs each.
        await scheduleRecurringJobs(services.storage.jobs, options.clock ?? systemClock);
        services.worker.start();
        if (startOptions.listen) {
          for (const listener of resolved.http.listeners) {
            const app = appFor(listener.resources, listener.prefix);
            for (const bind of listener.binds) {
              const server = await listen(bind, app);
              servers.push(server);
              logger.info({ listener: listener.name, address: server.address }, 'listening');
            }
          }
        }
        state = 'started';
      } catch (e) {
        await Promise.all(servers.splice(0).map((s) => s.close(0)));
        await services?.close();
        services = undefined;
        surfaces = undefined;
        state = 'closed';
        detachEngineNotices?.();
        throw e instanceof StartupError ? e : new StartupError((e as Error).message);
      }
    },
    async close(graceMs = 10_000) {
      if (state === 'closed') return;
      state = 'closed';
      await Promise.all(servers.splice(0).map((s) => s.close(graceMs)));
      await services?.close();
      services = undefined;
      surfaces = undefined;
      detachEngineNotices?.();
      logger.info('mxauth stopped');
    },
  };
}

function isResolved(config: Config | ConfigFileInput): config is Config {
  return (config as Config).http?.publicBase instanceof URL;
}

function parsed(input: ConfigFileInput): Config {
  const result = parseConfig(input);
  if (!result.ok) throw new ConfigError(result.error);
  return result.value;
}
