import type { Context, Middleware } from 'koa';
import type { VerificationCode } from '../../domain/account.js';
import type { Result } from '../../domain/result.js';
import type {
  FinishVerificationProblem,
  PhoneProblem,
  StartVerificationProblem,
} from '../../services/account-settings.js';
import type { MessageKey, Translate } from '../i18n.js';
import {
  type ContactRow,
  type ContactsView,
  contactsPage,
  type PendingRow,
} from '../pages/account-contacts.js';
import {
  type AccountContext,
  type Done,
  formHandler,
  viewHandler,
  type Who,
  waitSentence,
} from './context.js';
import { VIEW_ROUTES } from './views.js';

const PHONE_PROBLEMS: Record<PhoneProblem['kind'], MessageKey> = {
  empty: 'account.phones.error.empty',
  no_country_code: 'account.phones.error.no_country_code',
  bad_characters: 'account.phones.error.bad_characters',
  wrong_length: 'account.phones.error.wrong_length',
};

/** A refused form: the message, its status, and what to show again. */
interface Refusal {
  error: string;
  status: number;
  typed?: string;
  invalidPendingId?: string;
}

/** What differs between the email addresses and the phone numbers. */
interface ContactKind {
  view: 'emails' | 'phones';
  purpose: 'add_email' | 'add_phone';
  field: 'email' | 'phone';
  allowed: boolean;
  added: Done;
  taken: MessageKey;
  rows(ctx: Context, who: Who): Promise<ContactRow[]>;
  explanation(t: Translate): string;
  start(
    who: Who,
    input: string,
    language: string,
  ): Promise<Result<VerificationCode, StartVerificationProblem>>;
  finish(who: Who, id: string, code: string): Promise<Result<unknown, FinishVerificationProblem>>;
  remove(who: Who, id: string): Promise<Result<unknown, { kind: string }>>;
  /** Addresses only: which one is the primary. */
  setPrimary?(who: Who, id: string): Promise<Result<unknown, unknown>>;
}

/** The forms of one view; `codes/:id…` are a code's, sent to an address or number being added. */
export interface ContactHandlers {
  view: Middleware;
  add: Middleware;
  verify: Middleware;
  resend: Middleware;
  cancel: Middleware;
  remove: Middleware;
  /** Addresses only. */
  makePrimary?: Middleware;
}

type RenderView = (ctx: Context, who: Who) => Promise<void>;

export interface ContactView {
  render: RenderView;
  handlers: ContactHandlers;
}

/**
 * The email addresses and phone numbers views: the list, adding one (a code is sent; it is added once
 * the code is typed in), and removing one; for addresses, choosing the primary one.
 */
export function contactHandlers(ac: AccountContext): { emails: ContactView; phones?: ContactView } {
  const { settings, config } = ac;
  const emailsRoute = VIEW_ROUTES.emails;

  const emails: ContactKind = {
    view: 'emails',
    purpose: 'add_email',
    field: 'email',
    allowed: config.account.email_change_allowed,
    added: 'email_added',
    taken: 'account.emails.error.taken',
    async rows(ctx, who) {
      const t = ac.chrome(ctx).t;
      const list = await settings.listEmails(who.user);
      return list.map((e) => {
        const required = settings.isRequiredEmail(list, e);
        return {
          value: e.email,
          primary: e.primary,
          verified: e.confirmedAt !== null,
          ...(this.allowed && e.confirmedAt && !e.primary
            ? { primaryUrl: ac.path(`${emailsRoute}/${e.id}/primary`) }
            : {}),
          ...(this.allowed && !required ? { removeUrl: ac.path(`${emailsRoute}/${e.id}/remove`) } : {}),
          ...(this.allowed && required ? { keepReason: t('account.emails.keep_reason') } : {}),
        };
      });
    },
    // Says the addresses sign in only where they do (`account.login_with_email_allowed`).
    explanation: (t) =>
      [
        t('account.emails.explain'),
        ...(config.account.login_with_email_allowed ? [t('account.emails.explain_sign_in')] : []),
        ...(config.account.password_recovery_enabled || config.account.password_registration_email_required
          ? [t('account.emails.explain_required')]
          : []),
      ].join(' '),
    start: (who, input, language) => settings.startAddingEmail(who.user, input, language),
    finish: (who, id, code) => settings.finishAddingEmail(who.user, id, code),
    remove: (who, id) => settings.removeEmail(who.user, id),
    setPrimary: (who, id) => settings.setPrimaryEmail(who.user, id),
  };

  const phones: ContactKind = {
    view: 'phones',
    purpose: 'add_phone',
    field: 'phone',
    allowed: config.account.phone_change_allowed,
    added: 'phone_added',
    taken: 'account.phones.error.taken',
    async rows(_ctx, who) {
      return (await settings.listPhones(who.user)).map((p) => ({
        value: p.phone,
        primary: false,
        verified: p.confirmedAt !== null,
        ...(this.allowed ? { removeUrl: ac.path(`${VIEW_ROUTES.phones}/${p.id}/remove`) } : {}),
      }));
    },
    explanation: (t) => t('account.phones.explain'),
    start: (who, input, language) => settings.startAddingPhone(who.user, input, language),
    finish: (who, id, code) => settings.finishAddingPhone(who.user, id, code),
    remove: (who, id) => settings.removePhone(who.user, id),
  };

  return {
    emails: contactKindHandlers(ac, emails),
    ...(ac.views.includes('phones') ? { phones: contactKindHandlers(ac, phones) } : {}),
  };
}

function contactKindHandlers(ac: AccountContext, kind: ContactKind): ContactView {
  const route = VIEW_ROUTES[kind.view];
  const code = (id: string, action = '') => ac.path(`${route}/codes/${id}${action}`);

  /** The codes this browser waits for that can still be typed in; dead ones are forgotten. */
  const pendingRows = async (ctx: Context, who: Who): Promise<PendingRow[]> => {
    const rows: PendingRow[] = [];
    const dead: string[] = [];
    for (const id of ac.pending.list(ctx)) {
      const found = await ac.settings.pendingCode(who.user, id);
      // The other view's codes stay for it.
      if (found && found.code.purpose !== kind.purpose) continue;
      if (!found?.live) {
        dead.push(id);
        continue;
      }
      rows.push({
        id,
        target: found.code.target,
        expiresAt: found.code.expiresAt,
        verifyUrl: code(id),
        resendUrl: code(id, '/resend'),
        cancelUrl: code(id, '/cancel'),
      });
    }
    if (dead.length > 0) ac.pending.remove(ctx, ...dead);
    return rows;
  };

  const render = async (ctx: Context, who: Who, refused?: Refusal) => {
    const t = ac.chrome(ctx).t;
    const view: ContactsView = {
      rows: await kind.rows(ctx, who),
      pending: await pendingRows(ctx, who),
      explanation: kind.explanation(t),
      ...(kind.allowed ? { addUrl: ac.path(route) } : {}),
      ...(refused?.typed !== undefined ? { typed: refused.typed } : {}),
      ...(refused?.invalidPendingId ? { invalidPendingId: refused.invalidPendingId } : {}),
    };
    ac.send(
      ctx,
      contactsPage(ac.chrome(ctx), ac.frame(ctx, who, kind.view, refused?.error), kind.view, view),
      refused?.status ?? 200,
    );
  };

  /** A form that changes the list: refused with 403 where changes are not allowed here. */
  const change = (handle: (ctx: Context, who: Who, form: Record<string, string>) => Promise<void>) =>
    formHandler(ac, route, async (ctx, who, form) => {
      if (!kind.allowed)
        return render(ctx, who, { error: ac.chrome(ctx).t(`account.${kind.view}.locked`), status: 403 });
      await handle(ctx, who, form);
    });

  /** Too many codes sent: how long to wait when the limit knows, else the hour the per-target limit spans. */
  const throttled = (ctx: Context, t: Translate, retryAfterMs: number | undefined): string =>
    retryAfterMs === undefined
      ? t('account.contacts.error.throttled')
      : waitSentence(ctx, t, retryAfterMs, {
          one: 'account.contacts.error.throttled_one',
          other: 'account.contacts.error.throttled_minutes',
        });

  const startProblem = (
    ctx: Context,
    t: Translate,
    problem: StartVerificationProblem,
  ): { error: string; status: number } => {
    switch (problem.kind) {
      case 'invalid_email':
        return { error: t('account.emails.error.invalid'), status: 400 };
      case 'invalid_phone':
        return { error: t(PHONE_PROBLEMS[problem.problem.kind]), status: 400 };
      case 'taken':
        return { error: t(kind.taken), status: 400 };
      case 'throttled':
        return { error: throttled(ctx, t, problem.retryAfterMs), status: 429 };
    }
  };

  const view = viewHandler(ac, async (ctx, who) => render(ctx, who));

  const add = change(async (ctx, who, form) => {
    const t = ac.chrome(ctx).t;
    const typed = form[kind.field] ?? '';
    const sent = await kind.start(who, typed, t.language);
    if (!sent.ok) return render(ctx, who, { ...startProblem(ctx, t, sent.error), typed });
    ac.pending.add(ctx, sent.value.id);
    ac.redirectDone(ctx, route, 'code_sent');
  });

  const verify = change(async (ctx, who, form) => {
    const t = ac.chrome(ctx).t;
    const id = ctx.params.id!;
    const finished = await kind.finish(who, id, (form.code ?? '').slice(0, 32));
    if (finished.ok) {
      ac.pending.remove(ctx, id);
      return ac.redirectDone(ctx, route, kind.added);
    }
    const problem = finished.error;
    // A dead code's field goes away; a wrong one stays, marked, for another try.
    if (problem.kind !== 'wrong_code' && problem.kind !== 'rate_limited') ac.pending.remove(ctx, id);
    const error = (() => {
      switch (problem.kind) {
        case 'wrong_code':
          return t('account.contacts.error.wrong_code', { left: String(problem.attemptsLeft) });
        case 'rate_limited':
          return waitSentence(ctx, t, problem.retryAfterMs, {
            one: 'account.contacts.error.rate_limited_one',
            other: 'account.contacts.error.rate_limited',
          });
        case 'too_many_attempts':
          return t('account.contacts.error.too_many_attempts');
        case 'expired':
          return t('account.contacts.error.expired');
        case 'taken':
          return t(kind.taken);
      }
    })();
    return render(ctx, who, {
      error,
      status: problem.kind === 'rate_limited' ? 429 : 400,
      ...(problem.kind === 'wrong_code' ? { invalidPendingId: id } : {}),
    });
  });

  const resend = change(async (ctx, who) => {
    const t = ac.chrome(ctx).t;
    const id = ctx.params.id!;
    const sent = await ac.settings.resend(who.user, kind.purpose, id, t.language);
    if (!sent.ok) {
      if (sent.error.kind === 'not_found') ac.pending.remove(ctx, id);
      return render(ctx, who, {
        error:
          sent.error.kind === 'throttled'
            ? throttled(ctx, t, sent.error.retryAfterMs)
            : t('account.contacts.error.expired'),
        status: sent.error.kind === 'throttled' ? 429 : 400,
      });
    }
    ac.pending.remove(ctx, id);
    ac.pending.add(ctx, sent.value.id);
    ac.redirectDone(ctx, route, 'code_sent');
  });

  const cancel = formHandler(ac, route, async (ctx) => {
    ac.pending.remove(ctx, ctx.params.id!);
    ac.redirectDone(ctx, route, 'cancelled');
  });

  const setPrimary = kind.setPrimary;
  const makePrimary =
    setPrimary &&
    change(async (ctx, who) => {
      const made = await setPrimary(who, ctx.params.id!);
      if (!made.ok)
        return render(ctx, who, {
          error: ac.chrome(ctx).t('account.contacts.error.not_found'),
          status: 404,
        });
      ac.redirectDone(ctx, route, 'primary');
    });

  const remove = change(async (ctx, who) => {
    const t = ac.chrome(ctx).t;
    const removed = await kind.remove(who, ctx.params.id!);
    if (!removed.ok) {
      const last = removed.error.kind === 'last_verified';
      return render(ctx, who, {
        error: t(last ? 'account.emails.keep_reason' : 'account.contacts.error.not_found'),
        status: last ? 400 : 404,
      });
    }
    ac.redirectDone(ctx, route, 'removed');
  });

  return {
    render: (ctx, who) => render(ctx, who),
    handlers: { view, add, verify, resend, cancel, remove, ...(makePrimary ? { makePrimary } : {}) },
  };
}
