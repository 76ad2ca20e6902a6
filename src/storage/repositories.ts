import type {
  BrowserSession,
  RecoveryTicket,
  RegistrationToken,
  VerificationCode,
  VerificationPurpose,
} from '../domain/account.js';
import type { Job, JobState, NewJob } from '../domain/job.js';
import type { OAuthSession } from '../domain/oauth-session.js';
import type { Result } from '../domain/result.js';
import type { UpstreamAuthorization, UpstreamLink, UpstreamPurpose } from '../domain/upstream-link.js';
import type { User, UserEmail, UserPassword, UserPhone } from '../domain/user.js';
import type {
  CompatLoginTokenRepository,
  CompatSessionRepository,
  CompatTokenRepository,
} from './compat-repositories.js';

export type {
  CompatLoginTokenRepository,
  CompatRefreshToken,
  CompatSessionRepository,
  CompatTokenRepository,
  LiveCompatToken,
} from './compat-repositories.js';

/*
 * What the services may ask of storage, one interface per aggregate. There is one implementation
 * (Kysely, in ./kysely/) serving SQLite and PostgreSQL; services never see SQL.
 */

/**
 * A page by keyset over ids (ULIDs, so creation order), as an admin API pages: the `first` items after the
 * cursor `after`, or the `last` items before `before` (100 when neither is given, at most 1000).
 */
export interface PageRequest {
  first?: number;
  last?: number;
  after?: string;
  before?: string;
}

export interface Page<T> {
  items: T[];
  hasNext: boolean;
  hasPrevious: boolean;
}

/** Which users a listing or count holds; every field given must match. */
export interface UserFilter {
  status?: 'active' | 'locked' | 'deactivated';
  canRequestAdmin?: boolean;
  /** Localparts containing this text (case as stored: localparts are lower case). */
  search?: string;
}

/** Which sessions a listing or count holds; every field given must match. */
export interface SessionFilter {
  userId?: string;
  deviceId?: string;
  status?: 'active' | 'finished';
}

export interface UserRepository {
  /** `taken` when the localpart exists, whatever its state. */
  create(input: {
    localpart: string;
    displayName?: string | null;
    canRequestAdmin?: boolean;
  }): Promise<Result<User, 'taken'>>;
  findById(id: string): Promise<User | undefined>;
  findByLocalpart(localpart: string): Promise<User | undefined>;
  /** Users ordered by localpart, `limit` at a time, after the localpart `after`. */
  list(options: { after?: string; limit: number }): Promise<User[]>;
  /** Users matching `filter`, in creation order, a page at a time. */
  page(filter: UserFilter, page: PageRequest): Promise<Page<User>>;
  count(filter?: UserFilter): Promise<number>;
  setLocked(id: string, locked: boolean): Promise<User | undefined>;
  setCanRequestAdmin(id: string, canRequestAdmin: boolean): Promise<User | undefined>;
  setDisplayName(id: string, displayName: string | null): Promise<User | undefined>;
  setDeactivated(id: string, deactivated: boolean): Promise<User | undefined>;
}

export interface PasswordRepository {
  /** Records a new password; the newest one is the user's password. */
  add(input: {
    userId: string;
    hashedPassword: string;
    version: number;
    upgradedFromId?: string | null;
  }): Promise<UserPassword>;
  active(userId: string): Promise<UserPassword | undefined>;
}

export interface EmailRepository {
  /**
   * `taken` when any account already has the address (compared case-insensitively). A user's first
   * address becomes their primary one.
   */
  add(input: { userId: string; email: string; confirmed: boolean }): Promise<Result<UserEmail, 'taken'>>;
  findById(id: string): Promise<UserEmail | undefined>;
  /** Primary first, then oldest first. */
  listForUser(userId: string): Promise<UserEmail[]>;
  listForUsers(userIds: string[]): Promise<UserEmail[]>;
  findByAddress(email: string): Promise<UserEmail | undefined>;
  /** Makes one of the user's addresses the primary one (and no other). */
  setPrimary(userId: string, id: string): Promise<void>;
  /** Removes one of the user's addresses; when it was the primary, the oldest remaining one becomes it. */
  remove(userId: string, id: string): Promise<boolean>;
}

export interface PhoneRepository {
  /** `taken` when any account already has the number. */
  add(input: { userId: string; phone: string }): Promise<Result<UserPhone, 'taken'>>;
  listForUser(userId: string): Promise<UserPhone[]>;
  findByNumber(phone: string): Promise<UserPhone | undefined>;
  remove(userId: string, id: string): Promise<boolean>;
}

export interface VerificationCodeRepository {
  create(input: {
    purpose: VerificationPurpose;
    userId: string | null;
    context: string | null;
    target: string;
    codeHash: string;
    expiresAt: Date;
  }): Promise<VerificationCode>;
  find(id: string): Promise<VerificationCode | undefined>;
  /** Counts a wrong guess; returns the attempts made so far. */
  recordAttempt(id: string): Promise<number>;
  /** Uses the code once: true for the one caller that did. */
  consume(id: string): Promise<boolean>;
  /** How many codes went to `target` (whatever its letter case) since `since`: sending is throttled per address. */
  countSentTo(target: string, since: Date): Promise<number>;
  /** Deletes the ones that expired more than `graceMs` ago (by the storage clock); returns how many. */
  deleteExpired(graceMs: number): Promise<number>;
}

export interface RecoveryTicketRepository {
  create(input: {
    userId: string;
    email: string;
    tokenHash: string;
    expiresAt: Date;
  }): Promise<RecoveryTicket>;
  /** Unexpired, unused. */
  findLive(tokenHash: string): Promise<RecoveryTicket | undefined>;
  /** Uses the ticket once: true for the one caller that did. */
  consume(id: string): Promise<boolean>;
  /** Uses up every live ticket of a user: once the password changed, older links must not work. */
  consumeAllForUser(userId: string): Promise<number>;
  countForUser(userId: string, since: Date): Promise<number>;
  /** Deletes the ones that expired more than `graceMs` ago (by the storage clock); returns how many. */
  deleteExpired(graceMs: number): Promise<number>;
}

export interface TermsRepository {
  accept(userId: string, uri: string): Promise<void>;
  hasAccepted(userId: string, uri: string): Promise<boolean>;
}

export interface RegistrationTokenRepository {
  /** `taken` when a token with this hash exists. */
  create(input: {
    tokenHash: string;
    usageLimit: number | null;
    expiresAt: Date | null;
  }): Promise<Result<RegistrationToken, 'taken'>>;
  /** Counts one use when the token is valid (unrevoked, unexpired, under its limit), atomically. */
  use(tokenHash: string): Promise<RegistrationToken | undefined>;
  /** Whether the token would be accepted now, without using it. */
  isValid(tokenHash: string): Promise<boolean>;
  list(): Promise<RegistrationToken[]>;
  revoke(id: string): Promise<boolean>;
}

export interface BrowserSessionRepository {
  /** Records a browser session the first time it is seen, and its activity after that. */
  touch(input: { id: string; userId: string; ip: string | null; userAgent: string | null }): Promise<void>;
  find(id: string): Promise<BrowserSession | undefined>;
  listForUser(userId: string, options: { active: boolean }): Promise<BrowserSession[]>;
  finish(id: string): Promise<BrowserSession | undefined>;
}

export interface ClaimOptions {
  queue: string;
  limit: number;
  /** How long a claimed job is ours before another worker may take it over (a crashed worker's jobs). */
  leaseMs: number;
  /** Only this key's jobs, due or not (a caller delivering them now). */
  orderingKey?: string;
}

export interface JobRepository {
  enqueue(job: NewJob): Promise<Job>;
  /**
   * Takes up to `limit` due jobs of a queue and marks them running. A job is skipped while an earlier job
   * with its ordering key is pending or running, so per-key order holds; a failed job is set aside and
   * does not hold the later ones. Concurrent workers never take the same job.
   */
  claim(options: ClaimOptions): Promise<Job[]>;
  find(id: string): Promise<Job | undefined>;
  complete(id: string): Promise<void>;
  /** Back to pending, to run again at `runAt`. */
  retryLater(id: string, runAt: Date, error: string): Promise<void>;
  /** Gives up: the job stays, failed, until an operator retries it. */
  fail(id: string, error: string): Promise<void>;
  /**
   * Deletes a job nobody is delivering (pending or failed), for work that became moot before it was done
   * (the device of a sign-in that failed); false when it is running, done or gone.
   */
  cancel(id: string): Promise<boolean>;
  /** Makes a failed job pending again, due now. */
  retry(id: string): Promise<boolean>;
  list(options: { states: JobState[]; limit: number }): Promise<Job[]>;
  /**
   * The outbox's jobs by state (metrics, doctor). The rows of recurring jobs are left out: always there,
   * one pending, they would read as a backlog that never drains.
   */
  countByState(): Promise<Record<JobState, number>>;
  /**
   * Makes sure the row of a recurring job exists, due at `runAt` when it is new: a pending or running one
   * is left as it is, so instances starting together make one row; a failed or done one is pending again.
   */
  schedule(job: { id: string; queue: string; kind: string; runAt: Date }): Promise<void>;
  /** A recurring job done for now: pending again, due at `runAt`, with its attempts and error cleared. */
  reschedule(id: string, runAt: Date): Promise<void>;
}

/** A record of the OAuth engine, keyed by the SHA-256 of its id (the token or code value). */
export interface OAuthRecord {
  model: string;
  idHash: string;
  payload: Record<string, unknown>;
  grantId: string | null;
  uid: string | null;
  userCodeHash: string | null;
  accountId: string | null;
  expiresAt: number | null;
  consumedAt: number | null;
  /** For a rotated refresh token: the hash of the token that replaced it. */
  nextIdHash?: string | null;
}

/** What the introspection hot path reads of a token: no more, since each column costs on every request. */
export interface LiveToken {
  payload: unknown;
  consumedAt: number | null;
  owner: TokenOwner | undefined;
}

export type LiveTokensCallback = (error: unknown, found: Map<string, LiveToken> | undefined) => void;

export type TokenOwner = Pick<User, 'id' | 'localpart' | 'canRequestAdmin' | 'lockedAt' | 'deactivatedAt'>;

export interface OAuthRecordRepository {
  upsert(record: OAuthRecord): Promise<void>;
  /** Unexpired records only. */
  find(model: string, idHash: string): Promise<OAuthRecord | undefined>;
  /**
   * Unexpired tokens with the users they belong to, by hash, in one query: the introspection hot path
   * asks for the tokens of many concurrent requests at once. It calls back instead of returning a promise
   * (promises cost async hooks there); on SQLite it calls back before returning.
   */
  findLiveTokens(model: string, idHashes: readonly string[], done: LiveTokensCallback): void;
  findByUid(model: string, uid: string): Promise<OAuthRecord | undefined>;
  findByUserCodeHash(model: string, userCodeHash: string): Promise<OAuthRecord | undefined>;
  /** Marks a record used; the first use's time is kept. */
  consume(model: string, idHash: string): Promise<void>;
  /**
   * Marks a record used and points it at its successor, in one step that concurrent callers (other
   * instances too) take in turn; returns the successor it pointed at before, if any.
   */
  link(model: string, idHash: string, nextIdHash: string): Promise<string | null>;
  destroy(model: string, idHash: string): Promise<void>;
  /** Deletes every record of a grant (its tokens and codes and the grant itself). */
  revokeByGrantId(grantId: string): Promise<number>;
  /** Deletes the grant's access tokens issued together with this refresh token (`_issuedWith`). */
  revokeAccessTokensIssuedWith(grantId: string, refreshIdHash: string): Promise<number>;
  /** Deletes every record of a user: tokens, codes, grants and browser sessions. */
  revokeByAccountId(accountId: string): Promise<number>;
  /**
   * Deletes a user's browser sessions (the engine's `Session` records) except the one with uid
   * `keepUid`: every other browser must sign in again. Returns how many.
   */
  revokeSessionsOfAccount(accountId: string, keepUid: string | undefined): Promise<number>;
  /** Deletes up to `limit` records but clients that expired before now; returns how many. */
  deleteExpired(limit: number): Promise<number>;
  /** Removes a record's expiry: it is kept until deleted (a registered client that got a session). */
  keep(model: string, idHash: string): Promise<void>;
  /** The client ids of up to `limit` expired `Client` records (registered clients never used). */
  expiredClientIds(limit: number): Promise<string[]>;
  /** Deletes those of these clients that are still expired (one used meanwhile stays); returns how many. */
  deleteExpiredClients(clientIds: string[]): Promise<number>;
}

export interface OAuthSessionRepository {
  create(input: {
    userId: string;
    clientId: string;
    grantId: string;
    deviceId: string | null;
    scope: string;
    userAgent?: string | null;
    ip?: string | null;
    /** The engine's browser session the device was signed in from. */
    browserSessionId?: string | null;
  }): Promise<OAuthSession>;
  /** Unfinished sessions signed in from any of these browser sessions. */
  activeForBrowserSessions(ids: readonly string[]): Promise<OAuthSession[]>;
  findByGrantId(grantId: string): Promise<OAuthSession | undefined>;
  findById(id: string): Promise<OAuthSession | undefined>;
  /** Unfinished sessions of a user bound to this device id. */
  activeForDevice(userId: string, deviceId: string): Promise<OAuthSession[]>;
  listForUser(userId: string, options: { active: boolean }): Promise<OAuthSession[]>;
  /** Sessions matching `filter` (and of this client, when given), in creation order, a page at a time. */
  page(filter: SessionFilter & { clientId?: string }, page: PageRequest): Promise<Page<OAuthSession>>;
  count(filter: SessionFilter & { clientId?: string }): Promise<number>;
  /** Unfinished sessions whose grant has no unused access or refresh token left (all expired or used). */
  withoutLiveTokens(limit: number): Promise<OAuthSession[]>;
  finish(id: string): Promise<OAuthSession | undefined>;
  touch(id: string, ip: string | null): Promise<void>;
  rename(id: string, displayName: string): Promise<void>;
}

export interface ClientLocalizationRepository {
  save(clientId: string, values: { field: string; language: string; value: string }[]): Promise<void>;
  list(clientId: string): Promise<{ field: string; language: string; value: string }[]>;
  /** Deletes the values of these clients (clients being swept); returns how many rows. */
  deleteForClients(clientIds: readonly string[]): Promise<number>;
}

export interface Repositories {
  users: UserRepository;
  passwords: PasswordRepository;
  emails: EmailRepository;
  jobs: JobRepository;
  oauthRecords: OAuthRecordRepository;
  oauthSessions: OAuthSessionRepository;
  clientLocalizations: ClientLocalizationRepository;
  compatSessions: CompatSessionRepository;
  compatTokens: CompatTokenRepository;
  compatLoginTokens: CompatLoginTokenRepository;
  phones: PhoneRepository;
  verificationCodes: VerificationCodeRepository;
  recoveryTickets: RecoveryTicketRepository;
  terms: TermsRepository;
  registrationTokens: RegistrationTokenRepository;
  browserSessions: BrowserSessionRepository;
  upstreamLinks: UpstreamLinkRepository;
  upstreamAuthorizations: UpstreamAuthorizationRepository;
}

export interface UpstreamLinkRepository {
  /** `taken` when the provider's subject is linked already (to anyone). */
  create(input: {
    providerId: string;
    subject: string;
    userId: string;
    accountName: string | null;
  }): Promise<Result<UpstreamLink, 'taken'>>;
  findBySubject(providerId: string, subject: string): Promise<UpstreamLink | undefined>;
  findById(id: string): Promise<UpstreamLink | undefined>;
  listForUser(userId: string): Promise<UpstreamLink[]>;
  /** Records a sign-in through the link, and the name the provider gives the identity now. */
  signedIn(id: string, accountName: string | null): Promise<void>;
  /** Removes one of the user's links; false when it is not theirs. */
  remove(userId: string, id: string): Promise<boolean>;
  /** Removes the user's links to one provider; returns how many. */
  removeForProvider(userId: string, providerId: string): Promise<number>;
}

export interface UpstreamAuthorizationRepository {
  create(input: {
    providerId: string;
    purpose: UpstreamPurpose;
    interactionUid: string | null;
    userId: string | null;
    stateHash: string;
    browserHash: string;
    secretsSealed: string;
    expiresAt: Date;
  }): Promise<UpstreamAuthorization>;
  find(id: string): Promise<UpstreamAuthorization | undefined>;
  findByStateHash(stateHash: string): Promise<UpstreamAuthorization | undefined>;
  /** Records the callback's outcome, once: false when it was completed already (a replayed callback). */
  complete(
    id: string,
    input: { subject: string; claims: string; upstreamSid: string | null; idTokenSealed: string | null },
  ): Promise<boolean>;
  /** Uses a completed authorization up, once, for `userId`: false when it was used already. */
  consume(id: string, userId: string): Promise<boolean>;
  /** The engine browser session the authorization signed in. */
  attachBrowserSession(id: string, browserSessionId: string): Promise<void>;
  /** Used authorizations of a provider whose upstream session matches (each criterion given must match). */
  findSignedIn(
    providerId: string,
    match: { subject?: string; sid?: string },
  ): Promise<UpstreamAuthorization[]>;
  /** Deletes the unused ones expired and the used ones older than `keepUsedMs`; returns how many. */
  deleteStale(keepUsedMs: number): Promise<number>;
}
