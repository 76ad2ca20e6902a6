import type { Context, Middleware } from 'koa';
import type { Config } from '../config/config.js';
import type { Clock } from '../domain/clock.js';
import type { CaptchaVerifier } from '../services/captcha.js';
import { addressBucket, type RateLimiter } from '../services/rate-limit.js';
import type { RegistrationTokenService } from '../services/registration-tokens.js';
import type { PreparedRegistration, RegisterProblem, UserService } from '../services/users.js';
import type { VerificationService } from '../services/verification.js';
import { publicPath } from './base-path.js';
import { pageChrome } from './chrome.js';
import { allowOnThisPage } from './csp.js';
import type { Csrf } from './csrf.js';
import type { Translate } from './i18n.js';
import type { SignInCompletion } from './interaction/complete-sign-in.js';
import { type Details, type InteractionKit, interactionExpiry } from './interaction-kit.js';
import { InteractionCookie } from './interaction-state.js';
import { AVAILABILITY_ROUTE, STRENGTH_ROUTE } from './live-checks.js';
import { type FieldErrors, registerNoMailPage, registerPage } from './pages/register.js';
import { registerVerifyPage } from './pages/register-verify.js';
import { passwordAdvice } from './password-advice.js';
import { captchaProblemMessage, registerProblemField, registerProblemMessage } from './register-problems.js';

export interface RegistrationDependencies {
  config: Config;
  users: UserService;
  csrf: Csrf;
  verification: VerificationService;
  clock: Clock;
  tokens: RegistrationTokenService;
  /** Present when `captcha.service` is configured. */
  captcha: CaptchaVerifier | undefined;
  /** The current terms of service, to accept with the account. */
  termsUri: string | undefined;
  limits: RegistrationLimits;
  /** Signs the new account in, as every sign-in is. */
  completion: Pick<SignInCompletion, 'complete'>;
}

/** Per client address (surfaces.ts sets them). */
export interface RegistrationLimits {
  /** Submissions of the details. */
  submit: RateLimiter;
  /** Guesses of the emailed code. */
  code: RateLimiter;
}

/**
 * A registration waiting for its emailed code: everything checked, the password already hashed (the
 * password itself is never kept), sealed in a cookie of this interaction.
 */
interface PendingRegistration {
  prepared: PreparedRegistration;
  termsUri?: string;
  registrationTokenHash?: string;
  verificationId: string;
}

interface FormValues {
  username?: string;
  email?: string;
  displayName?: string;
}

/** The registration pages' handlers, and the page the interaction's start shows for `prompt=create`. */
export interface RegistrationHandlers {
  /** The registration page of this interaction: the code step while one is waiting, else the form. */
  show(ctx: Context, d: Details): void;
  /** `GET /register` (`?restart=1` starts over). */
  form: Middleware;
  /** `POST /register`: the details. */
  submit: Middleware;
  /** `GET /register/verify`. */
  verifyForm: Middleware;
  /** `POST /register/verify`: the emailed code. */
  verify: Middleware;
  /** `POST /register/resend`: a new code. */
  resend: Middleware;
}

/**
 * Registration inside an authorization (`prompt=create`, or the login page's link): the details, then,
 * when an address is given, the code mailed to it (never under `email.transport: blackhole`, see below). The account is created only once the code is right,
 * in one transaction with its address, accepted terms and registration token, and the person is signed
 * in with it.
 */
export function registrationHandlers(
  kit: InteractionKit,
  deps: RegistrationDependencies,
): RegistrationHandlers {
  const { config, users, csrf, verification } = deps;
  const account = config.account;
  // `email.transport: blackhole` drops every mail: no code can reach anyone, so none is ever sent and
  // no page says one was. Without a required address, registration goes on without asking for one;
  // with one required, it cannot be done here, and the page says so (and whom to ask) before the form.
  const mailArrives = config.email.transport !== 'blackhole';
  const noRegistration = !mailArrives && account.password_registration_email_required;
  const root = config.http.publicBase.pathname;
  const chrome = pageChrome(config);
  const pending = new InteractionCookie<PendingRegistration>(
    config,
    'mxauth-registration',
    config.http.publicBase.protocol === 'https:',
  );

  const renderForm = (
    ctx: Context,
    d: Details,
    extra: { values?: FormValues; errors?: FieldErrors; status?: number; passwordScore?: number } = {},
  ) => {
    const c = chrome(ctx);
    if (noRegistration)
      return kit.page(ctx, registerNoMailPage(c, { loginUrl: kit.step(d, 'login') }), extra.status ?? 503);
    // The script's JSON checks, and the CAPTCHA widget's own origins when there is one.
    const widget = deps.captcha?.provider.csp ?? {};
    allowOnThisPage(ctx, { ...widget, 'connect-src': ["'self'", ...(widget['connect-src'] ?? [])] });
    kit.page(
      ctx,
      registerPage(c, {
        action: kit.step(d, 'register'),
        csrf: csrf.token(ctx),
        loginUrl: kit.step(d, 'login'),
        values: extra.values ?? {},
        errors: extra.errors ?? {},
        emailRequired: account.password_registration_email_required,
        emailField: mailArrives,
        tokenRequired: account.registration_token_required,
        termsUri: deps.termsUri,
        policyUri: config.branding.policy_uri,
        captcha: deps.captcha && {
          scriptUrl: deps.captcha.provider.scriptUrl.replace('{lang}', c.t.language),
          widgetClass: deps.captcha.provider.widgetClass,
          siteKey: deps.captcha.siteKey,
          language: c.t.language,
        },
        availabilityUrl: publicPath(root, AVAILABILITY_ROUTE),
        strengthUrl: publicPath(root, STRENGTH_ROUTE),
        passwordScore: extra.passwordScore,
        scriptUrl: `${c.assetsBase}mxauth.js`,
      }),
      extra.status,
    );
  };

  const renderVerify = (
    ctx: Context,
    d: Details,
    state: PendingRegistration,
    extra: { error?: string; notice?: string; status?: number } = {},
  ) =>
    kit.page(
      ctx,
      registerVerifyPage(chrome(ctx), {
        action: kit.step(d, 'register/verify'),
        resendAction: kit.step(d, 'register/resend'),
        csrf: csrf.token(ctx),
        email: state.prepared.email ?? '',
        restartUrl: `${kit.step(d, 'register')}?restart=1`,
        error: extra.error,
        notice: extra.notice,
      }),
      extra.status,
    );

  /**
   * The pending registration of this interaction, while a code can arrive. One left from before a
   * restart into `blackhole` is dropped: its code page would speak of a mail nobody gets now.
   */
  const pendingOf = (ctx: Context, d: Details): PendingRegistration | undefined => {
    const state = pending.get(ctx, d.uid, deps.clock.now());
    if (state && !mailArrives) {
      pending.clear(ctx, d.uid);
      return undefined;
    }
    return state;
  };

  /** The registration page of this interaction: the code step while one is waiting, else the form. */
  const show = (ctx: Context, d: Details) => {
    const state = pendingOf(ctx, d);
    if (state) return renderVerify(ctx, d, state);
    renderForm(ctx, d);
  };

  const disabled = (ctx: Context, d: Details) => kit.login(ctx, d, { status: 404 });

  const form: Middleware = async (ctx) => {
    const d = await kit.details(ctx);
    if (!d) return;
    if (!account.password_registration_enabled) return disabled(ctx, d);
    if (ctx.query.restart !== undefined) {
      pending.clear(ctx, d.uid);
      return renderForm(ctx, d);
    }
    show(ctx, d);
  };

  const verifyForm: Middleware = async (ctx) => {
    const d = await kit.details(ctx);
    if (!d) return;
    if (!account.password_registration_enabled) return disabled(ctx, d);
    show(ctx, d);
  };

  const submit: Middleware = async (ctx) => {
    const body = await kit.form(ctx);
    if (!body) return;
    const d = await kit.details(ctx);
    if (!d) return;
    if (!account.password_registration_enabled) return disabled(ctx, d);
    if (noRegistration) return renderForm(ctx, d);
    const t = chrome(ctx).t;
    const values: FormValues = {
      username: (body.username ?? '').trim(),
      // No address is asked for when no mail arrives (the form has no such field).
      email: mailArrives ? (body.email ?? '').trim() : '',
      displayName: (body.display_name ?? '').trim(),
    };
    const password = body.password ?? '';
    const token = (body.registration_token ?? '').trim();
    const refuse = (errors: FieldErrors, status = 400, passwordScore?: number) =>
      renderForm(ctx, d, { values, errors, status, passwordScore });

    // What the form alone shows is reported all at once, before anything costly.
    const errors: FieldErrors = {};
    if (!values.username) errors.username = t('register.username_empty');
    if (!password) errors.password = t('password.empty');
    else if (password !== (body.password_confirm ?? '')) errors.password_confirm = t('register.mismatch');
    if (account.password_registration_email_required && !values.email)
      errors.email = t('register.email_required');
    if (account.registration_token_required && !token)
      errors.registration_token = t('register.token_required');
    if (deps.termsUri && !body.accept_terms) errors.accept_terms = t('terms.required');
    if (Object.keys(errors).length > 0) return refuse(errors);

    const limited = deps.limits.submit.take(addressBucket(ctx.state.clientAddress));
    if (!limited.ok) return refuse({ form: t('login.rate_limited') }, 429);

    let registrationTokenHash: string | undefined;
    if (account.registration_token_required) {
      registrationTokenHash = await deps.tokens.check(token);
      if (!registrationTokenHash) return refuse({ registration_token: t('register.token_invalid') });
    }
    if (deps.captcha) {
      const solved = await deps.captcha.verify(
        deps.captcha.responseIn(body),
        ctx.state.clientAddress as string | undefined,
      );
      if (!solved.ok) return refuse({ captcha: captchaProblemMessage(t, solved.error) });
    }
    const prepared = await users.prepareRegistration({
      localpart: values.username ?? '',
      password,
      ...(values.email ? { email: values.email } : {}),
      ...(values.displayName ? { displayName: values.displayName } : {}),
      // Nobody learns from this form whether an address has an account: its owner does, after the code.
      emailProvenLater: true,
    });
    if (!prepared.ok) {
      const advice =
        prepared.error.kind === 'weak_password'
          ? passwordAdvice(t, password, config.passwords.minimumComplexity, [
              values.username ?? '',
              values.email ?? '',
              values.displayName ?? '',
            ])
          : undefined;
      return refuse(problemErrors(t, prepared.error, advice?.message), 400, advice?.score);
    }
    const extras = {
      ...(deps.termsUri ? { termsUri: deps.termsUri } : {}),
      ...(registrationTokenHash ? { registrationTokenHash } : {}),
    };
    if (!prepared.value.email) return create(ctx, d, prepared.value, extras, values);

    const sent = await verification.send({
      purpose: 'registration_email',
      channel: 'email',
      target: prepared.value.email,
      userId: null,
      context: d.uid,
      language: t.language,
    });
    if (!sent.ok) return refuse({ email: t('verify.throttled') }, 429);
    pending.set(ctx, d.uid, interactionExpiry(d), {
      prepared: prepared.value,
      ...extras,
      verificationId: sent.value.id,
    });
    // Post/redirect/get: reloading the code page does not send the details (and a new code) again.
    ctx.status = 303;
    ctx.redirect(kit.step(d, 'register/verify'));
  };

  const verify: Middleware = async (ctx) => {
    const body = await kit.form(ctx);
    if (!body) return;
    const d = await kit.details(ctx);
    if (!d) return;
    if (!account.password_registration_enabled) return disabled(ctx, d);
    const t = chrome(ctx).t;
    const state = pendingOf(ctx, d);
    if (!state) return renderForm(ctx, d, { errors: { form: t('verify.gone') }, status: 400 });
    if (!deps.limits.code.take(addressBucket(ctx.state.clientAddress)).ok)
      return renderVerify(ctx, d, state, { error: t('login.rate_limited'), status: 429 });
    const checked = await verification.check({
      id: state.verificationId,
      code: (body.code ?? '').slice(0, 32),
      purpose: 'registration_email',
      userId: null,
      context: d.uid,
    });
    if (!checked.ok) {
      const problem = checked.error;
      if (problem.kind === 'wrong_code')
        return renderVerify(ctx, d, state, {
          error: t('verify.wrong', { attempts: String(problem.attemptsLeft) }),
          status: 400,
        });
      if (problem.kind === 'expired')
        return renderVerify(ctx, d, state, { error: t('verify.expired'), status: 400 });
      // Too many wrong guesses: this registration is over; the details must be sent again.
      pending.clear(ctx, d.uid);
      return renderForm(ctx, d, {
        values: valuesOf(state),
        errors: { form: t('verify.too_many') },
        status: 400,
      });
    }
    pending.clear(ctx, d.uid);
    await create(ctx, d, state.prepared, state, valuesOf(state));
  };

  const resend: Middleware = async (ctx) => {
    const body = await kit.form(ctx);
    if (!body) return;
    const d = await kit.details(ctx);
    if (!d) return;
    if (!account.password_registration_enabled) return disabled(ctx, d);
    const t = chrome(ctx).t;
    const state = pendingOf(ctx, d);
    if (!state?.prepared.email)
      return renderForm(ctx, d, { errors: { form: t('verify.gone') }, status: 400 });
    const sent = await verification.send({
      purpose: 'registration_email',
      channel: 'email',
      target: state.prepared.email,
      userId: null,
      context: d.uid,
      language: t.language,
    });
    if (!sent.ok) return renderVerify(ctx, d, state, { error: t('verify.throttled'), status: 429 });
    const next = { ...state, verificationId: sent.value.id };
    pending.set(ctx, d.uid, interactionExpiry(d), next);
    renderVerify(ctx, d, next, { notice: t('verify.resent', { email: state.prepared.email }) });
  };

  /** Creates the account and signs the person in with it; a late refusal gets the form back. */
  async function create(
    ctx: Context,
    d: Details,
    prepared: PreparedRegistration,
    extras: { termsUri?: string; registrationTokenHash?: string },
    values: FormValues,
  ): Promise<void> {
    const created = await users.createAccount(prepared, {
      ...(extras.termsUri ? { termsUri: extras.termsUri } : {}),
      ...(extras.registrationTokenHash ? { registrationTokenHash: extras.registrationTokenHash } : {}),
    });
    if (!created.ok)
      return renderForm(ctx, d, { values, errors: problemErrors(chrome(ctx).t, created.error), status: 400 });
    await deps.completion.complete(ctx, d, { userId: created.value.id, method: 'registration' });
  }

  return { show, form, submit, verifyForm, verify, resend };
}

function problemErrors(t: Translate, problem: RegisterProblem, weakPasswordMessage?: string): FieldErrors {
  const message =
    problem.kind === 'weak_password' && weakPasswordMessage
      ? weakPasswordMessage
      : registerProblemMessage(t, problem);
  return { [registerProblemField(problem)]: message };
}

function valuesOf(state: PendingRegistration): FormValues {
  return {
    username: state.prepared.localpart,
    email: state.prepared.email ?? '',
    displayName: state.prepared.displayName ?? '',
  };
}
