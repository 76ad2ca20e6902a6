import type { Job, JobState, NewJob } from '../domain/job.js';
import type { Result } from '../domain/result.js';
import type { User, UserEmail, UserPassword } from '../domain/user.js';

/*
 * What the services may ask of storage, one interface per aggregate. There is one implementation
 * (Kysely, in ./kysely/) serving SQLite and PostgreSQL; services never see SQL.
 */

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
  count(): Promise<number>;
  setLocked(id: string, locked: boolean): Promise<User | undefined>;
  setCanRequestAdmin(id: string, canRequestAdmin: boolean): Promise<User | undefined>;
  setDisplayName(id: string, displayName: string | null): Promise<User | undefined>;
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
  /** `taken` when any account already has the address (compared case-insensitively). */
  add(input: { userId: string; email: string; confirmed: boolean }): Promise<Result<UserEmail, 'taken'>>;
  listForUser(userId: string): Promise<UserEmail[]>;
  listForUsers(userIds: string[]): Promise<UserEmail[]>;
  findByAddress(email: string): Promise<UserEmail | undefined>;
}

export interface ClaimOptions {
  queue: string;
  limit: number;
  /** How long a claimed job is ours before another worker may take it over (a crashed worker's jobs). */
  leaseMs: number;
}

export interface JobRepository {
  enqueue(job: NewJob): Promise<Job>;
  /**
   * Takes up to `limit` due jobs of a queue and marks them running. A job is skipped while an earlier job
   * with its ordering key is unfinished, so per-key order holds; concurrent workers never take the same job.
   */
  claim(options: ClaimOptions): Promise<Job[]>;
  complete(id: string): Promise<void>;
  /** Back to pending, to run again at `runAt`. */
  retryLater(id: string, runAt: Date, error: string): Promise<void>;
  /** Gives up: the job stays, failed, until an operator retries it. */
  fail(id: string, error: string): Promise<void>;
  /** Makes a failed job pending again, due now. */
  retry(id: string): Promise<boolean>;
  list(options: { states: JobState[]; limit: number }): Promise<Job[]>;
  countByState(): Promise<Record<JobState, number>>;
}

export interface Repositories {
  users: UserRepository;
  passwords: PasswordRepository;
  emails: EmailRepository;
  jobs: JobRepository;
}
