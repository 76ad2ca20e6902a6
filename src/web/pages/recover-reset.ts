import { html } from '../html.js';
import { layout, type PageChrome } from '../layout.js';
import { strengthMeter } from './register.js';

export interface RecoverResetView {
  action: string;
  csrf: string;
  userId: string;
  strengthUrl: string;
  scriptUrl: string;
  error?: string;
  passwordScore?: number;
}

/** The page a recovery link opens: a new password, and whether to sign out everywhere. */
export function recoverResetPage(chrome: PageChrome, view: RecoverResetView): string {
  const { t } = chrome;
  return layout(
    chrome,
    t('recover.reset_title'),
    html`<h1>${t('recover.reset_title')}</h1>
<p class="lead">${t('recover.reset_lead', { user: view.userId })}</p>
${view.error ? html`<p class="error" role="alert">${view.error}</p>` : ''}
<form method="post" action="${view.action}">
<input type="hidden" name="csrf" value="${view.csrf}">
<input type="hidden" name="username" value="${view.userId}" autocomplete="username" data-user-input>
<div class="field"><label for="password">${t('recover.new_password')}</label>
<input type="password" id="password" name="password" autocomplete="new-password" required autofocus data-strength-url="${view.strengthUrl}" data-meter-id="password-meter" data-feedback-id="password-feedback" aria-describedby="password-hint password-feedback"${view.error ? html` aria-invalid="true"` : ''}>
<span class="hint" id="password-hint">${t('register.password_hint')}</span>
${strengthMeter(chrome, view.passwordScore)}</div>
<div class="field"><label for="password_confirm">${t('register.confirm')}</label>
<input type="password" id="password_confirm" name="password_confirm" autocomplete="new-password" required></div>
<div class="check"><input type="checkbox" id="end_sessions" name="end_sessions" value="yes" checked aria-describedby="end-sessions-hint">
<label for="end_sessions">${t('recover.end_sessions')}</label>
<span class="hint" id="end-sessions-hint">${t('recover.end_sessions_hint')}</span></div>
<button type="submit">${t('recover.reset_submit')}</button>
</form>
<script src="${view.scriptUrl}" defer></script>`,
  );
}

/** After the new password is set. */
export function recoverDonePage(
  chrome: PageChrome,
  view: { signInUrl: string; sessionsEnded: boolean },
): string {
  const { t } = chrome;
  return layout(
    chrome,
    t('recover.done_title'),
    html`<h1>${t('recover.done_title')}</h1>
<p role="status">${view.sessionsEnded ? t('recover.done_signed_out') : t('recover.done')}</p>
<p>${t('recover.done_apps')}</p>
<p><a href="${view.signInUrl}">${t('recover.sign_in')}</a></p>`,
  );
}

/** A link that is unknown, used or expired: one answer for all three. */
export function recoverExpiredPage(chrome: PageChrome, view: { requestUrl: string }): string {
  const { t } = chrome;
  return layout(
    chrome,
    t('recover.expired_title'),
    html`<h1>${t('recover.expired_title')}</h1>
<p>${t('recover.expired')}</p>
<p><a href="${view.requestUrl}">${t('recover.request_again')}</a></p>`,
  );
}
