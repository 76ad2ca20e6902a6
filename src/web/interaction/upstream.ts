import type { Context, Middleware } from 'koa';
import type { Config } from '../../config/config.js';
import type { UpstreamProvider } from '../../config/upstream.js';
import type { UpstreamAuthorization } from '../../domain/upstream-link.js';
import type { LinkedSignInProblem, NewIdentityPlan, UpstreamAccounts } from '../../upstream/accounts.js';
import type { BrowserBinding } from '../../upstream/browser-binding.js';
import type { UpstreamFlow } from '../../upstream/flow.js';
import type { UpstreamMetrics } from '../../upstream/metrics.js';
import { sendUpstreamProblem } from '../../upstream/problem.js';
import { publicPath } from '../base-path.js';
import { allowOnThisPage } from '../csp.js';
import type { Csrf } from '../csrf.js';
import type { Details, InteractionKit } from '../interaction-kit.js';
import { AVAILABILITY_ROUTE } from '../live-checks.js';
import { upstreamRegisterPage } from '../pages/upstream-register.js';
import { registerProblemMessage } from '../register-problems.js';
import type { SignInCompletion } from './complete-sign-in.js';

export interface UpstreamStepDependencies {
  config: Config;
  csrf: Csrf;
  flow: UpstreamFlow;
  accounts: UpstreamAccounts;
  binding: BrowserBinding;
  metrics: UpstreamMetrics;
  completion: Pick<SignInCompletion, 'complete'>;
  termsUri: string | undefined;
}

/** `GET|POST /interaction/:uid/upstream/:authorizationId`: after the callback, in the interaction. */
export interface UpstreamStepHandlers {
  show: Middleware;
  submit: Middleware;
}

/**
 * The step after a provider's callback, inside the authorization it signs in to: a linked identity signs
 * its account in; a new one creates an account from its claims (asking, or confirming, first), or is
 * linked to an existing account as `on_conflict` says; requirements refuse with a page saying which.
 */
export function upstreamStep(kit: InteractionKit, deps: UpstreamStepDependencies): UpstreamStepHandlers {
  const { config, flow, accounts, binding, metrics, completion } = deps;
  const root = config.http.publicBase.pathname;
  const providers = new Map(config.upstream.filter((p) => p.enabled).map((p) => [p.id, p]));

  /** The interaction and its completed upstream authorization, or a page already answered. */
  const load = async (
    ctx: Context,
  ): Promise<
    { d: Details; authorization: UpstreamAuthorization; provider: UpstreamProvider } | undefined
  > => {
    const d = await kit.details(ctx);
    if (!d) return undefined;
    const authorization = await flow.completed(ctx.params.authorizationId ?? '', binding.read(ctx));
    const provider = authorization && providers.get(authorization.providerId);
    if (
      !authorization ||
      !provider ||
      authorization.purpose !== 'sign_in' ||
      authorization.interactionUid !== d.uid
    ) {
      // Not this browser's, or its provider is gone from the configuration: the other ways in.
      if (!provider) return void (await kit.login(ctx, d, { status: 400 }));
      sendUpstreamProblem(ctx, kit.chrome(ctx), {
        provider,
        message: 'upstream.problem.gone',
        status: 400,
        otherWays: kit.step(d, 'login'),
      });
      return undefined;
    }
    return { d, authorization, provider };
  };

  const refuse = (
    ctx: Context,
    d: Details,
    provider: UpstreamProvider,
    view: Omit<Parameters<typeof sendUpstreamProblem>[2], 'provider' | 'otherWays'>,
    outcome: string,
  ) => {
    metrics.signIn(provider.id, outcome);
    sendUpstreamProblem(ctx, kit.chrome(ctx), { provider, ...view, otherWays: kit.step(d, 'login') });
  };

  const refusedView = (requirement: string) => ({
    title: 'upstream.refused.title' as const,
    message: 'upstream.refused' as const,
    params: { requirement },
    status: 403,
  });

  /** The page for an identity whose account cannot be signed in to. */
  const linkedRefusal = (
    ctx: Context,
    d: Details,
    provider: UpstreamProvider,
    problem: LinkedSignInProblem,
  ) => {
    if (problem.kind === 'refused')
      return refuse(ctx, d, provider, refusedView(problem.requirement), 'refused');
    if (problem.kind === 'inactive')
      return refuse(
        ctx,
        d,
        provider,
        {
          title: 'upstream.refused.title',
          message: problem.status === 'locked' ? 'upstream.inactive_locked' : 'upstream.inactive_deactivated',
          status: 403,
        },
        problem.status,
      );
    return refuse(ctx, d, provider, { message: 'upstream.problem.gone', status: 400 }, 'replayed');
  };

  const signedIn = async (
    ctx: Context,
    d: Details,
    provider: UpstreamProvider,
    userId: string,
    authorizationId: string,
    created: boolean,
  ) => {
    metrics.signIn(provider.id, created ? 'registered' : 'signed_in');
    await completion.complete(ctx, d, {
      userId,
      method: created ? 'registration' : 'upstream',
      upstreamAuthorizationId: authorizationId,
    });
  };

  const showForm = (
    ctx: Context,
    provider: UpstreamProvider,
    plan: Extract<NewIdentityPlan, { kind: 'create' }>,
    error?: string,
    status = 200,
  ) => {
    allowOnThisPage(ctx, { 'connect-src': ["'self'"] });
    kit.page(
      ctx,
      upstreamRegisterPage(kit.chrome(ctx), {
        action: publicPath(root, ctx.path),
        csrf: deps.csrf.token(ctx),
        provider: provider.humanName,
        localpart: plan.localpart,
        displayName: plan.displayName,
        email: plan.email,
        error,
        availabilityUrl: publicPath(root, AVAILABILITY_ROUTE),
      }),
      status,
    );
  };

  const register = async (
    ctx: Context,
    d: Details,
    loaded: { authorization: UpstreamAuthorization; provider: UpstreamProvider },
    plan: Extract<NewIdentityPlan, { kind: 'create' }>,
    choice: { localpart: string; displayName: boolean; email: boolean },
  ) => {
    const { authorization, provider } = loaded;
    const created = await accounts.register(provider, authorization, {
      localpart: choice.localpart,
      displayName:
        plan.displayName && (plan.displayName.fixed || choice.displayName)
          ? plan.displayName.value
          : undefined,
      email: plan.email && (plan.email.fixed || choice.email) ? plan.email.value : undefined,
      termsUri: deps.termsUri,
    });
    if (!created.ok) {
      const message = registerProblemMessage(kit.chrome(ctx).t, created.error);
      // A name the provider fixed cannot be changed here: the refusal is the page.
      if (plan.localpart?.fixed || created.error.kind === 'upstream_identity_used')
        return refuse(
          ctx,
          d,
          provider,
          {
            message: 'upstream.localpart_refused',
            title: 'upstream.localpart_refused.title',
            params: { localpart: choice.localpart, reason: message },
            status: 409,
          },
          'localpart_refused',
        );
      return showForm(
        ctx,
        provider,
        { ...plan, localpart: { value: choice.localpart, fixed: false } },
        message,
        400,
      );
    }
    await signedIn(ctx, d, provider, created.value.id, authorization.id, true);
  };

  /** Everything but the form: sign in, refuse, link, or create at once (skip_confirmation). */
  const decide = async (ctx: Context, loaded: NonNullable<Awaited<ReturnType<typeof load>>>) => {
    const { d, authorization, provider } = loaded;
    const t = kit.chrome(ctx).t;
    const user = (localpart: string) => `@${localpart}:${config.matrix.homeserver}`;
    const link = await accounts.findLink(authorization);
    if (link) {
      const result = await accounts.signInLinked(provider, authorization, link);
      if (result.ok) return signedIn(ctx, d, provider, result.value.id, authorization.id, false);
      return linkedRefusal(ctx, d, provider, result.error);
    }
    const plan = await accounts.plan(provider, authorization);
    switch (plan.kind) {
      case 'refused':
        return refuse(ctx, d, provider, refusedView(plan.requirement), 'refused');
      case 'missing':
        return refuse(
          ctx,
          d,
          provider,
          {
            title: 'upstream.missing.title',
            message: 'upstream.missing',
            params: { attribute: t(`upstream.attribute.${plan.attribute}`) },
            status: 422,
          },
          'missing_claim',
        );
      case 'conflict':
        return refuse(
          ctx,
          d,
          provider,
          {
            title: 'upstream.conflict.title',
            message: 'upstream.conflict',
            params: { user: user(plan.localpart) },
            status: 409,
          },
          'conflict',
        );
      case 'localpart_refused':
        return refuse(
          ctx,
          d,
          provider,
          {
            title: 'upstream.localpart_refused.title',
            message: 'upstream.localpart_refused',
            params: { localpart: plan.localpart, reason: registerProblemMessage(t, plan.problem) },
            status: 409,
          },
          'localpart_refused',
        );
      case 'link_existing': {
        const linked = await accounts.linkExisting(provider, authorization, plan.user, plan.replace);
        if (linked.ok) return signedIn(ctx, d, provider, linked.value.id, authorization.id, false);
        return linkedRefusal(ctx, d, provider, linked.error);
      }
      case 'create':
        if (!plan.confirm && plan.localpart?.fixed)
          return register(ctx, d, loaded, plan, {
            localpart: plan.localpart.value,
            displayName: true,
            email: true,
          });
        return showForm(ctx, provider, plan);
    }
  };

  const show: Middleware = async (ctx) => {
    const loaded = await load(ctx);
    if (loaded) await decide(ctx, loaded);
  };

  const submit: Middleware = async (ctx) => {
    const body = await kit.form(ctx);
    if (!body) return;
    const loaded = await load(ctx);
    if (!loaded) return;
    // Linked meanwhile (another tab), or nothing to ask after all: decided as the page would be.
    if (await accounts.findLink(loaded.authorization)) return decide(ctx, loaded);
    const plan = await accounts.plan(loaded.provider, loaded.authorization);
    if (plan.kind !== 'create') return decide(ctx, loaded);
    const localpart = plan.localpart?.fixed
      ? plan.localpart.value
      : (body.username ?? '').trim().toLowerCase();
    await register(ctx, loaded.d, loaded, plan, {
      localpart,
      displayName: body.import_display_name === 'on',
      email: body.import_email === 'on',
    });
  };

  return { show, submit };
}
