import { html } from '../html.js';
import { layout, type PageChrome } from '../layout.js';

export interface SsoConfirmView {
  /** Where the form posts (the redirect endpoint itself, with its query). */
  action: string;
  csrf: string;
  /** The host of the client's redirect URL: who gets the login token. */
  host: string;
  userId: string;
}

/** The SSO redirect's confirmation: a login token for full access goes to `host` only after this. */
export function ssoConfirmPage(chrome: PageChrome, view: SsoConfirmView): string {
  const { t } = chrome;
  return layout(
    chrome,
    t('sso.confirm.title', { host: view.host }),
    html`<h1>${t('sso.confirm.title', { host: view.host })}</h1>
<p>${t('sso.confirm.lead', { host: view.host, user: view.userId })}</p>
<p class="muted">${t('sso.confirm.warning', { host: view.host })}</p>
<form method="post" action="${view.action}">
<input type="hidden" name="csrf" value="${view.csrf}">
<div class="actions">
<button type="submit">${t('sso.confirm.continue', { host: view.host })}</button>
</div>
</form>`,
  );
}
