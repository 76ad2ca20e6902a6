import type { Kysely } from 'kysely';
import type { Clock } from '../domain/clock.js';
import type { Rng } from '../domain/random.js';
import { ulidGenerator } from '../domain/ulid.js';
import type { Database, DialectName } from './database.js';
import { kyselyBrowserSessions } from './kysely/browser-sessions.js';
import { kyselyCompatLoginTokens } from './kysely/compat-login-tokens.js';
import { kyselyCompatSessions } from './kysely/compat-sessions.js';
import { kyselyCompatTokens } from './kysely/compat-tokens.js';
import type { RepositoryContext } from './kysely/context.js';
import { kyselyEmails } from './kysely/emails.js';
import { kyselyJobs } from './kysely/jobs.js';
import { kyselyOAuthRecords } from './kysely/oauth-records.js';
import { kyselyClientLocalizations, kyselyOAuthSessions } from './kysely/oauth-sessions.js';
import { kyselyPasswords } from './kysely/passwords.js';
import { kyselyPhones } from './kysely/phones.js';
import { kyselyRecoveryTickets } from './kysely/recovery-tickets.js';
import { kyselyRegistrationTokens } from './kysely/registration-tokens.js';
import { kyselyTerms } from './kysely/terms.js';
import { kyselyUpstreamAuthorizations, kyselyUpstreamLinks } from './kysely/upstream.js';
import { kyselyUsers } from './kysely/users.js';
import { kyselyVerificationCodes } from './kysely/verification-codes.js';
import type { Repositories } from './repositories.js';
import type { Tables } from './tables.js';

/** The repositories, plus transactions: `transaction(fn)` gives `fn` repositories bound to one transaction. */
export interface Storage extends Repositories {
  readonly dialect: DialectName;
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  /** Cheap round trip for health checks. */
  ping(): Promise<void>;
}

export function createStorage(database: Database, clock: Clock, rng: Rng): Storage {
  const newId = ulidGenerator(clock, rng);
  const bind = (db: Kysely<Tables>, outside?: Pick<Database, 'sqliteReader' | 'pgPool'>): Repositories => {
    const ctx: RepositoryContext = { db, dialect: database.dialect, clock, rng, newId, ...outside };
    return {
      users: kyselyUsers(ctx),
      passwords: kyselyPasswords(ctx),
      emails: kyselyEmails(ctx),
      jobs: kyselyJobs(ctx),
      oauthRecords: kyselyOAuthRecords(ctx),
      oauthSessions: kyselyOAuthSessions(ctx),
      clientLocalizations: kyselyClientLocalizations(ctx),
      compatSessions: kyselyCompatSessions(ctx),
      compatTokens: kyselyCompatTokens(ctx),
      compatLoginTokens: kyselyCompatLoginTokens(ctx),
      phones: kyselyPhones(ctx),
      verificationCodes: kyselyVerificationCodes(ctx),
      recoveryTickets: kyselyRecoveryTickets(ctx),
      terms: kyselyTerms(ctx),
      registrationTokens: kyselyRegistrationTokens(ctx),
      browserSessions: kyselyBrowserSessions(ctx),
      upstreamLinks: kyselyUpstreamLinks(ctx),
      upstreamAuthorizations: kyselyUpstreamAuthorizations(ctx),
    };
  };
  return {
    ...bind(database.db, { sqliteReader: database.sqliteReader, pgPool: database.pgPool }),
    dialect: database.dialect,
    transaction: (fn) => database.db.transaction().execute((trx) => fn(bind(trx))),
    ping: async () => {
      await database.db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
    },
  };
}
