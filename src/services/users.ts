import type { PasswordProblem } from '../domain/password-policy.js';
import type { Result } from '../domain/result.js';
import type { User, UserEmail } from '../domain/user.js';
import type { HomeserverConnector } from '../homeserver/connector.js';
import type { Outbox } from '../jobs/outbox.js';
import type { Storage } from '../storage/storage.js';
import type { PasswordHasher } from './passwords/hasher.js';
import { Credentials, type SignInProblem } from './users/credentials.js';
import type { UserServiceOptions } from './users/deps.js';
import { HomeserverRepair } from './users/homeserver.js';
import { Lifecycle } from './users/lifecycle.js';
import {
  type PreparedRegistration,
  type RegisterInput,
  type RegisterProblem,
  Registration,
  type RegistrationExtras,
} from './users/registration.js';

export type { PasswordProblem } from '../domain/password-policy.js';
export type { SignInProblem } from './users/credentials.js';
export type { UserServiceOptions } from './users/deps.js';
export type {
  PreparedRegistration,
  RegisterInput,
  RegisterProblem,
  RegistrationExtras,
} from './users/registration.js';

/**
 * Account use cases, one entry point for their callers: each part (users/*.ts) validates first, then
 * changes storage in a single transaction.
 */
export class UserService {
  readonly #registration: Registration;
  readonly #credentials: Credentials;
  readonly #lifecycle: Lifecycle;
  readonly #homeserver: HomeserverRepair;

  constructor(
    storage: Storage,
    hasher: PasswordHasher,
    homeserver: HomeserverConnector,
    outbox: Outbox,
    options: UserServiceOptions,
  ) {
    const deps = { storage, hasher, homeserver, outbox, options };
    this.#registration = new Registration(deps);
    this.#credentials = new Credentials(deps);
    this.#lifecycle = new Lifecycle(deps);
    this.#homeserver = new HomeserverRepair(deps);
  }

  // --- Registration (users/registration.ts) ---

  register(input: RegisterInput): Promise<Result<User, RegisterProblem>> {
    return this.#registration.register(input);
  }
  checkLocalpart(input: string): Promise<Result<string, RegisterProblem>> {
    return this.#registration.checkLocalpart(input);
  }
  prepareRegistration(input: RegisterInput): Promise<Result<PreparedRegistration, RegisterProblem>> {
    return this.#registration.prepareRegistration(input);
  }
  createAccount(
    prepared: PreparedRegistration,
    extras?: RegistrationExtras,
  ): Promise<Result<User, RegisterProblem>> {
    return this.#registration.createAccount(prepared, extras);
  }
  ensureAppserviceUser(localpart: string): Promise<User> {
    return this.#registration.ensureAppserviceUser(localpart);
  }

  // --- Passwords (users/credentials.ts) ---

  setPassword(
    localpart: string,
    password: string,
    options?: { ignoreComplexity?: boolean },
  ): Promise<Result<User, PasswordProblem | { kind: 'unknown_user' }>> {
    return this.#credentials.setPassword(localpart, password, options);
  }
  hashNewPassword(
    user: User,
    password: string,
    options?: { ignoreComplexity?: boolean },
  ): Promise<Result<{ version: number; hash: string }, PasswordProblem>> {
    return this.#credentials.hashNewPassword(user, password, options);
  }
  checkPassword(localpart: string, password: string): Promise<Result<User, SignInProblem>> {
    return this.#credentials.checkPassword(localpart, password);
  }

  // --- Admin lifecycle (users/lifecycle.ts) ---

  list(options: { after?: string; limit: number }): Promise<{ user: User; emails: UserEmail[] }[]> {
    return this.#lifecycle.list(options);
  }
  activeUser(
    localpart: string,
  ): Promise<Result<User, { kind: 'unknown_user' } | { kind: 'locked' | 'deactivated' }>> {
    return this.#lifecycle.activeUser(localpart);
  }
  setLocked(localpart: string, locked: boolean): Promise<Result<User, { kind: 'unknown_user' }>> {
    return this.#lifecycle.setLocked(localpart, locked);
  }
  deactivate(
    localpart: string,
    options: { erase: boolean },
  ): Promise<Result<{ user: User; sessionsEnded: number }, { kind: 'unknown_user' }>> {
    return this.#lifecycle.deactivate(localpart, options);
  }
  reactivate(localpart: string): Promise<Result<User, { kind: 'unknown_user' }>> {
    return this.#lifecycle.reactivate(localpart);
  }
  setCanRequestAdmin(localpart: string, allowed: boolean): Promise<Result<User, { kind: 'unknown_user' }>> {
    return this.#lifecycle.setCanRequestAdmin(localpart, allowed);
  }

  // --- The homeserver's copy (users/homeserver.ts) ---

  provisionAll(): Promise<number> {
    return this.#homeserver.provisionAll();
  }
  syncDevices(localpart?: string): Promise<Result<number, { kind: 'unknown_user' }>> {
    return this.#homeserver.syncDevices(localpart);
  }
  allowCrossSigningReset(
    userId: string,
  ): Promise<Result<void, { kind: 'homeserver_unavailable'; error: string }>> {
    return this.#homeserver.allowCrossSigningReset(userId);
  }
}
