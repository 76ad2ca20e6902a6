import type { Context } from 'koa';
import type { UpstreamProvider } from '../config/upstream.js';
import { problemPage } from '../web/error-pages.js';
import type { MessageKey } from '../web/i18n.js';
import type { PageChrome } from '../web/layout.js';
import type { CallbackProblem } from './flow.js';

/** A page saying why a sign-in through `provider` stopped, with the other ways in when there are. */
export function sendUpstreamProblem(
  ctx: Context,
  chrome: PageChrome,
  view: {
    provider: UpstreamProvider;
    title?: MessageKey;
    message: MessageKey;
    params?: Record<string, string>;
    status: number;
    code?: string;
    /** Where the other ways in are (the interaction's login page), when known. */
    otherWays?: string | undefined;
  },
): void {
  const { t } = chrome;
  const params = { provider: view.provider.humanName, server: chrome.serverName, ...view.params };
  ctx.status = view.status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = problemPage(chrome, {
    title: t(view.title ?? 'upstream.problem.title', params),
    message: t(view.message, params),
    ...(view.code ? { code: view.code } : {}),
    ...(view.otherWays ? { action: { href: view.otherWays, text: t('upstream.try_other') } } : {}),
  });
}

/** The message and status of a callback that cannot go on. */
export function callbackProblemView(problem: CallbackProblem): {
  message: MessageKey;
  status: number;
  params?: Record<string, string>;
  code?: string;
} {
  switch (problem.kind) {
    case 'no_state':
      return { message: 'upstream.problem.no_state', status: 400 };
    case 'unknown_state':
      return { message: 'upstream.problem.unknown_state', status: 400 };
    case 'other_browser':
      return { message: 'upstream.problem.other_browser', status: 400 };
    case 'expired':
      return { message: 'upstream.problem.expired', status: 400 };
    case 'replayed':
      return { message: 'upstream.problem.replayed', status: 400 };
    case 'denied':
      return {
        message: 'upstream.problem.denied',
        status: 403,
        params: { error: problem.error },
        code: problem.error,
      };
    case 'no_subject':
      return { message: 'upstream.problem.no_subject', status: 502 };
    case 'failed': {
      const { failure } = problem;
      if (failure.kind === 'unreachable') return { message: 'upstream.problem.unreachable', status: 502 };
      if (failure.kind === 'bad_response') return { message: 'upstream.problem.bad_response', status: 502 };
      if (failure.kind === 'refused')
        return {
          message: 'upstream.problem.denied',
          status: 403,
          params: { error: failure.error },
          code: failure.error,
        };
      return { message: 'upstream.problem.untrusted', status: 400 };
    }
  }
}
