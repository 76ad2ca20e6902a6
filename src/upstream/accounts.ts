import type { UpstreamProvider } from '../config/upstream.js';
import { validateDisplayName } from '../domain/display-name.js';
import { validateEmail } from '../domain/email.js';
import { err, ok, type Result } from '../domain/result.js';
import type { UpstreamAuthorization, UpstreamLink } from '../domain/upstream-link.js';
import type { User } from '../domain/user.js';
import type { Outbox } from '../jobs/outbox.js';
import type { RegisterProblem, UserService } from '../services/users.js';
import type { Storage } from '../storage/storage.js';
import { type ClaimOutcome, evaluateClaims, type ReceivedClaims } from './claims.js';

/** An imported value offered on the page: fixed (force/require) or the person's choice (suggest). */
export interface Offered {
  value: string;
  fixed: boolean;
}

/** What a first sign-in through a provider leads to. */
export type NewIdentityPlan =
  /** A requirement on the claims is not met (shown as written). */
  | { kind: 'refused'; requirement: string }
  /** A `require`d attribute is missing. */
  | { kind: 'missing'; attribute: 'localpart' | 'displayname' | 'email'; detail: string }
  /** The forced localpart is an account's, and `on_conflict: fail` (or `set` with a link already there). */
  | { kind: 'conflict'; localpart: string }
  /** The forced localpart cannot be registered (invalid, or refused by the homeserver). */
  | { kind: 'localpart_refused'; localpart: string; problem: RegisterProblem }
  /** The forced localpart is an account's, and `on_conflict` links the identity to it. */
  | { kind: 'link_existing'; user: User; replace: boolean }
  /** A new account: the page asks (or, with skip_confirmation, it is made at once). */
  | {
      kind: 'create';
      localpart: Offered | undefined;
      displayName: Offered | undefined;
      email: Offered | undefined;
      confirm: boolean;
    };

export type LinkedSignInProblem =
  | { kind: 'refused'; requirement: string }
  | { kind: 'inactive'; status: 'locked' | 'deactivated' }
  | { kind: 'used' };

export interface UpstreamAccountsDependencies {
  storage: Storage;
  users: UserService;
  outbox: Outbox;
  /** Whether passwords sign in at all (`passwords.enabled`): a password is then another way in. */
  passwordsEnabled: boolean;
  /** Whether a provider is enabled (a link to a disabled one is no way in). */
  providerEnabled(id: string): boolean;
}

/**
 * What an identity from a provider means for accounts: sign in the linked one (its claims re-imported),
 * create one from the claims (`claims_imports`, `on_conflict`), link it to a signed-in account, unlink.
 */
export class UpstreamAccounts {
  constructor(private readonly deps: UpstreamAccountsDependencies) {}

  /** The claims the authorization brought, evaluated for its provider. */
  outcome(provider: UpstreamProvider, authorization: UpstreamAuthorization): ClaimOutcome {
    const received = JSON.parse(authorization.claims ?? '{}') as ReceivedClaims;
    return evaluateClaims(provider, received);
  }

  findLink(authorization: UpstreamAuthorization): Promise<UpstreamLink | undefined> {
    return this.deps.storage.upstreamLinks.findBySubject(authorization.providerId, authorization.subject!);
  }

  /**
   * Signs the linked account in: the requirements hold, the account is active, and the claims whose
   * action says so are imported again (a changed name or address reaches the homeserver).
   */
  async signInLinked(
    provider: UpstreamProvider,
    authorization: UpstreamAuthorization,
    link: UpstreamLink,
  ): Promise<Result<User, LinkedSignInProblem>> {
    const outcome = this.outcome(provider, authorization);
    if (outcome.unmet) return err({ kind: 'refused', requirement: outcome.unmet });
    const user = await this.deps.storage.users.findById(link.userId);
    if (!user) return err({ kind: 'used' });
    if (user.deactivatedAt) return err({ kind: 'inactive', status: 'deactivated' });
    if (user.lockedAt) return err({ kind: 'inactive', status: 'locked' });
    const synced = await this.deps.storage.transaction(async (tx) => {
      if (!(await tx.upstreamAuthorizations.consume(authorization.id, user.id))) return undefined;
      await tx.upstreamLinks.signedIn(link.id, outcome.accountName ?? link.accountName);
      return this.#sync(tx, user, outcome);
    });
    if (!synced) return err({ kind: 'used' });
    this.deps.outbox.wake();
    return ok(synced);
  }

  /** What a first sign-in with this identity leads to (nothing is written). */
  async plan(provider: UpstreamProvider, authorization: UpstreamAuthorization): Promise<NewIdentityPlan> {
    const outcome = this.outcome(provider, authorization);
    if (outcome.unmet) return { kind: 'refused', requirement: outcome.unmet };
    for (const [attribute, imported] of [
      ['localpart', outcome.localpart],
      ['displayname', outcome.displayName],
      ['email', outcome.email],
    ] as const)
      if (imported.kind === 'missing') return { kind: 'missing', attribute, detail: imported.detail };
    const displayName = await this.#offeredDisplayName(outcome);
    const email = await this.#offeredEmail(outcome);
    const { claims } = provider;
    const localpart = outcome.localpart.kind === 'value' ? outcome.localpart : undefined;
    if (localpart && localpart.action !== 'suggest') {
      const value = localpart.value.toLowerCase();
      const existing = await this.deps.storage.users.findByLocalpart(value);
      if (existing) {
        const mode = claims.localpart.onConflict;
        if (mode === 'fail') return { kind: 'conflict', localpart: value };
        if (mode === 'set') {
          const links = await this.deps.storage.upstreamLinks.listForUser(existing.id);
          if (links.some((l) => l.providerId === provider.id)) return { kind: 'conflict', localpart: value };
        }
        return { kind: 'link_existing', user: existing, replace: mode === 'replace' };
      }
      const available = await this.deps.users.checkLocalpart(value);
      if (!available.ok) return { kind: 'localpart_refused', localpart: value, problem: available.error };
      return {
        kind: 'create',
        localpart: { value: available.value, fixed: true },
        displayName,
        email,
        confirm: !claims.skipConfirmation,
      };
    }
    // A suggested name that is invalid or taken is not offered (MAS drops it): the person picks one.
    let suggested: Offered | undefined;
    if (localpart) {
      const available = await this.deps.users.checkLocalpart(localpart.value.toLowerCase());
      if (available.ok) suggested = { value: available.value, fixed: false };
    }
    return { kind: 'create', localpart: suggested, displayName, email, confirm: true };
  }

  async #offeredDisplayName(outcome: ClaimOutcome): Promise<Offered | undefined> {
    if (outcome.displayName.kind !== 'value') return undefined;
    const valid = validateDisplayName(outcome.displayName.value.slice(0, 256));
    if (!valid.ok) return undefined;
    return { value: valid.value, fixed: outcome.displayName.action !== 'suggest' };
  }

  /** The imported address, unless it is not one or another account has it (then it is not offered). */
  async #offeredEmail(outcome: ClaimOutcome): Promise<Offered | undefined> {
    if (outcome.email.kind !== 'value') return undefined;
    const valid = validateEmail(outcome.email.value);
    if (!valid.ok) return undefined;
    if (await this.deps.storage.emails.findByAddress(valid.value)) return undefined;
    return { value: valid.value, fixed: outcome.email.action !== 'suggest' };
  }

  /**
   * Creates the account the identity signs in, with the identity linked and the authorization used up in
   * the same transaction, and provisions it on the homeserver as every account is.
   */
  async register(
    provider: UpstreamProvider,
    authorization: UpstreamAuthorization,
    input: {
      localpart: string;
      displayName: string | undefined;
      email: string | undefined;
      termsUri?: string | undefined;
      registrationTokenHash?: string | undefined;
    },
  ): Promise<Result<User, RegisterProblem>> {
    const outcome = this.outcome(provider, authorization);
    const prepared = await this.deps.users.prepareRegistration({
      localpart: input.localpart,
      ...(input.displayName ? { displayName: input.displayName } : {}),
      ...(input.email ? { email: input.email } : {}),
      canRequestAdmin: outcome.admin ?? false,
    });
    if (!prepared.ok) return prepared;
    return this.deps.users.createAccount(prepared.value, {
      ...(input.termsUri ? { termsUri: input.termsUri } : {}),
      ...(input.registrationTokenHash ? { registrationTokenHash: input.registrationTokenHash } : {}),
      upstream: {
        providerId: provider.id,
        subject: authorization.subject!,
        accountName: outcome.accountName,
        authorizationId: authorization.id,
      },
    });
  }

  /**
   * Links the identity to an account that exists already (`on_conflict: add`, `replace`, `set`) and
   * signs it in; `replace` removes the account's other links to this provider first.
   */
  async linkExisting(
    provider: UpstreamProvider,
    authorization: UpstreamAuthorization,
    user: User,
    replace: boolean,
  ): Promise<Result<User, LinkedSignInProblem>> {
    if (user.deactivatedAt) return err({ kind: 'inactive', status: 'deactivated' });
    if (user.lockedAt) return err({ kind: 'inactive', status: 'locked' });
    const outcome = this.outcome(provider, authorization);
    const done = await this.deps.storage.transaction(async (tx) => {
      if (replace) await tx.upstreamLinks.removeForProvider(user.id, provider.id);
      const linked = await tx.upstreamLinks.create({
        providerId: provider.id,
        subject: authorization.subject!,
        userId: user.id,
        accountName: outcome.accountName,
      });
      if (!linked.ok || !(await tx.upstreamAuthorizations.consume(authorization.id, user.id)))
        return undefined;
      return this.#sync(tx, user, outcome);
    });
    if (!done) return err({ kind: 'used' });
    this.deps.outbox.wake();
    return ok(done);
  }

  /** Adds the identity to the signed-in account (the account page's link). */
  async linkToAccount(
    provider: UpstreamProvider,
    authorization: UpstreamAuthorization,
    user: User,
  ): Promise<Result<UpstreamLink, { kind: 'linked_elsewhere' } | { kind: 'used' }>> {
    const existing = await this.findLink(authorization);
    if (existing && existing.userId !== user.id) return err({ kind: 'linked_elsewhere' });
    const outcome = this.outcome(provider, authorization);
    const linked = await this.deps.storage.transaction(async (tx) => {
      if (!(await tx.upstreamAuthorizations.consume(authorization.id, user.id))) return undefined;
      if (existing) return existing;
      const made = await tx.upstreamLinks.create({
        providerId: provider.id,
        subject: authorization.subject!,
        userId: user.id,
        accountName: outcome.accountName,
      });
      return made.ok ? made.value : undefined;
    });
    return linked ? ok(linked) : err({ kind: 'used' });
  }

  /** Removes a link while another way in remains: a password, or a link to another enabled provider. */
  async unlink(
    user: User,
    linkId: string,
  ): Promise<Result<void, { kind: 'not_found' } | { kind: 'last_way_in' }>> {
    const { storage } = this.deps;
    const links = await storage.upstreamLinks.listForUser(user.id);
    const link = links.find((l) => l.id === linkId);
    if (!link) return err({ kind: 'not_found' });
    const password = this.deps.passwordsEnabled && (await storage.passwords.active(user.id)) !== undefined;
    const others = links.some((l) => l.id !== linkId && this.deps.providerEnabled(l.providerId));
    if (!password && !others) return err({ kind: 'last_way_in' });
    await storage.upstreamLinks.remove(user.id, linkId);
    return ok(undefined);
  }

  listLinks(userId: string): Promise<UpstreamLink[]> {
    return this.deps.storage.upstreamLinks.listForUser(userId);
  }

  /**
   * The claims imported again at a sign-in: a forced or required display name or address that changed
   * is taken (an address added verified and made primary) and the homeserver told; the admin right
   * follows the provider's admin requirements when it has them.
   */
  async #sync(
    tx: Parameters<Parameters<Storage['transaction']>[0]>[0],
    user: User,
    outcome: ClaimOutcome,
  ): Promise<User> {
    let current = user;
    let changed = false;
    const name = outcome.displayName;
    if (name.kind === 'value' && name.action !== 'suggest') {
      const valid = validateDisplayName(name.value.slice(0, 256));
      if (valid.ok && valid.value !== current.displayName) {
        current = (await tx.users.setDisplayName(user.id, valid.value)) ?? current;
        changed = true;
      }
    }
    const email = outcome.email;
    if (email.kind === 'value' && email.action !== 'suggest') {
      const valid = validateEmail(email.value);
      if (valid.ok) {
        const owner = await tx.emails.findByAddress(valid.value);
        if (!owner) {
          const added = await tx.emails.add({ userId: user.id, email: valid.value, confirmed: true });
          if (added.ok) {
            await tx.emails.setPrimary(user.id, added.value.id);
            changed = true;
          }
        }
      }
    }
    if (outcome.admin !== undefined && outcome.admin !== current.canRequestAdmin)
      current = (await tx.users.setCanRequestAdmin(user.id, outcome.admin)) ?? current;
    if (changed) await this.deps.outbox.enqueue(tx, user.id, { kind: 'provision_user', userId: user.id });
    return current;
  }
}
