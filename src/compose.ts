import type { Config } from './config/config.js';
import { deriveKey, KEY_LABELS } from './config/derived-keys.js';
import { type Clock, systemClock } from './domain/clock.js';
import { cryptoRng, type Rng } from './domain/random.js';
import { createConnector, type HomeserverConnector } from './homeserver/index.js';
import { watchSecretRefusals } from './homeserver/refusals.js';
import { MessageOutbox } from './jobs/messages.js';
import { Outbox } from './jobs/outbox.js';
import { jobHandlers } from './jobs/registry.js';
import { JobWorker, type JobWorkerOptions } from './jobs/worker.js';
import { messageJobHandlers } from './message-handlers.js';
import type { Logger } from './observability/logger.js';
import { RepeatedLog } from './observability/repeated-log.js';
import { recordQuery } from './observability/request-context.js';
import { BrowserSessionService } from './services/browser-sessions.js';
import { ClientLocalizationService } from './services/client-localizations.js';
import { CompatSessionService } from './services/compat-sessions.js';
import { InteractionReads } from './services/interaction-reads.js';
import { LoginLimits } from './services/login-limits.js';
import { OAuthSessionService } from './services/oauth-sessions.js';
import { PasswordHasher } from './services/passwords/hasher.js';
import { RECOVERY_LINK_MINUTES, RecoveryService } from './services/recovery.js';
import { RegistrationTokenService } from './services/registration-tokens.js';
import { SecretBox } from './services/secret-box.js';
import { LocalPasswordBackend, SignInService } from './services/sign-in.js';
import { TermsService } from './services/terms.js';
import { UserinfoService } from './services/userinfo.js';
import { UserService } from './services/users.js';
import { VerificationService } from './services/verification.js';
import { type Database, openDatabase } from './storage/database.js';
import { migrateToLatest, pendingMigrations } from './storage/migrate.js';
import { createStorage, type Storage } from './storage/storage.js';
import { type TokenChanges, watchTokenChanges } from './storage/token-changes.js';

/** A failure to start that an operator can fix; its message is the whole explanation. */
export class StartupError extends Error {}

export interface Services {
  database: Database;
  storage: Storage;
  users: UserService;
  homeserver: HomeserverConnector;
  /** Delivers the outbox; started by the server, not by CLI commands (they only write jobs). */
  worker: JobWorker;
  outbox: Outbox;
  compat: CompatSessionService;
  /** Devices signed in through OAuth: their start, renaming and end. */
  sessions: OAuthSessionService;
  hasher: PasswordHasher;
  /** Mail and texts, through the outbox. */
  messages: MessageOutbox;
  verification: VerificationService;
  /** The sign-in limits: wrong passwords, per client address and per account. */
  loginLimits: LoginLimits;
  /** Password sign-in, for the login page, the compatibility login API and re-authentication alike. */
  signIn: SignInService;
  terms: TermsService;
  registrationTokens: RegistrationTokenService;
  recovery: RecoveryService;
  /** The repository reads of the authorization pages. */
  interactionReads: InteractionReads;
  /** The browser signed in to mxauth's own pages: its account and its activity. */
  browserSessions: BrowserSessionService;
  /** The OpenID userinfo claims of an access token. */
  userinfo: UserinfoService;
  /** Localized metadata of registered clients, which the engine does not keep. */
  clientLocalizations: ClientLocalizationService;
  /** Changes to tokens and their owners, for the introspection cache; when asked for (the server). */
  tokenChanges?: TokenChanges;
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** Run pending migrations (true), or refuse to start while any are pending (false). */
  migrate: boolean;
  clock?: Clock;
  rng?: Rng;
  onMigrated?: (applied: string[]) => void;
  logger: Logger;
  /** For embedding and tests: how mxauth reaches the homeserver and the SMS gateway. */
  fetch?: typeof fetch;
  worker?: JobWorkerOptions;
  /** Listen for token state changes (the server does when its introspection cache is on). */
  watchTokenChanges?: boolean;
}

/** Opens the database and wires the services: everything a CLI command or the HTTP server needs below HTTP. */
export async function openServices(config: Config, options: ServiceOptions): Promise<Services> {
  const opened = await openDatabase(config.database.uri, {
    maxConnections: config.database.maxConnections,
    connectTimeoutMs: config.database.connectTimeoutMs,
    idleTimeoutMs: config.database.idleTimeoutMs,
    onQuery: recordQuery,
  });
  if (!opened.ok) throw new StartupError(opened.error);
  const database = opened.value;
  try {
    if (options.migrate) {
      const migrated = await migrateToLatest(database);
      if (!migrated.ok) throw new StartupError(migrated.error);
      if (migrated.value.applied.length > 0) options.onMigrated?.(migrated.value.applied);
    } else {
      const pending = await pendingMigrations(database);
      if (pending.length > 0)
        throw new StartupError(
          `the database schema is out of date (${pending.length} migration(s) pending): run \`mxauth database migrate\``,
        );
    }
  } catch (e) {
    await database.close();
    if (e instanceof StartupError) throw e;
    throw new StartupError(`cannot prepare the database ${database.description}: ${(e as Error).message}`);
  }
  let tokenChanges: TokenChanges | undefined;
  if (options.watchTokenChanges) {
    try {
      tokenChanges = await watchTokenChanges(database, config.database.uri, (error) =>
        options.logger.warn({ err: error }, 'token change notifications interrupted; reconnecting'),
      );
    } catch (e) {
      await database.close();
      throw new StartupError(
        `cannot listen for token changes on ${database.description}: ${(e as Error).message}`,
      );
    }
  }
  const storage = createStorage(database, options.clock ?? systemClock, options.rng ?? cryptoRng);
  const hasher = new PasswordHasher(config.passwords.schemes);
  const clock = options.clock ?? systemClock;
  // A refused shared secret repeats on every call: logged once a minute with a count, saying what to check.
  const homeserver = watchSecretRefusals(
    createConnector(config, options.fetch),
    new RepeatedLog(options.logger),
    config.matrix.endpoint.href,
  );
  const rng = options.rng ?? cryptoRng;
  const messageBox = new SecretBox(deriveKey(config, KEY_LABELS.messages));
  const handlers = jobHandlers({
    homeserver,
    storage,
    logger: options.logger,
    clock,
    // Called only once the worker runs, so `sessions` (which needs the outbox, which needs the
    // worker) exists by then.
    afterSweep: () => sessions.endExpired(),
    messages: messageJobHandlers(config, {
      box: messageBox,
      clock,
      logger: options.logger,
      fetch: options.fetch,
    }),
  });
  const worker = new JobWorker(storage, handlers, { logger: options.logger, clock, rng }, options.worker);
  const messages = new MessageOutbox(worker, messageBox);
  const verification = new VerificationService(storage, messages, {
    clock,
    rng,
    key: deriveKey(config, KEY_LABELS.codes),
  });
  const outbox = new Outbox(worker, homeserver.kind !== 'none');
  // One for the sweep, which ends expired sessions, and for the pages and the engine's hooks (surfaces.ts).
  const sessions = new OAuthSessionService(storage, outbox);
  const compat = new CompatSessionService(storage, outbox, {
    rng: options.rng ?? cryptoRng,
    clock,
    accessTokenTtlSeconds: config.tokens.accessTokenTtl,
  });
  const users = new UserService(storage, hasher, homeserver, outbox, {
    serverName: config.matrix.homeserver,
    passwordsEnabled: config.passwords.enabled,
    minimumComplexity: config.passwords.minimumComplexity,
  });
  // Wrong passwords only; per address as MAS (3, then one per 20 s), per account far fewer than MAS.
  const loginLimits = new LoginLimits(config.rateLimiting.login, clock);
  const signIn = new SignInService({
    storage,
    limits: loginLimits,
    passwords: new LocalPasswordBackend(users),
    serverName: config.matrix.homeserver,
    loginWithEmail: config.account.login_with_email_allowed,
  });
  const recovery = new RecoveryService(storage, users, messages, outbox, {
    clock,
    rng,
    publicBase: config.http.publicBase,
    ticketTtlMs: RECOVERY_LINK_MINUTES * 60_000,
  });
  return {
    database,
    storage,
    users,
    homeserver,
    worker,
    outbox,
    compat,
    sessions,
    hasher,
    messages,
    verification,
    loginLimits,
    signIn,
    terms: new TermsService(storage, config.branding.tos_uri),
    registrationTokens: new RegistrationTokenService(storage, { clock, rng }),
    recovery,
    interactionReads: new InteractionReads(storage),
    browserSessions: new BrowserSessionService(storage),
    userinfo: new UserinfoService(storage),
    clientLocalizations: new ClientLocalizationService(storage),
    tokenChanges,
    close: async () => {
      await worker.stop();
      await tokenChanges?.close();
      await database.close();
    },
  };
}
