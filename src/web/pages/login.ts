import { html } from '../html.js';
import { layout, type PageChrome } from '../layout.js';

export interface LoginView {
  action: string;
  csrf: string;
  clientName: string;
  username?: string;
  error?: string;
  allowEmail: boolean;
  registerUrl?: string;
  /** The password recovery page, when `account.password_recovery_enabled`. */
  forgotUrl?: string;
  /** Whether passwords sign in here; without them the page is the providers' buttons. */
  passwords: boolean;
  /** The upstream providers to continue with, each a button. */
  providers: { name: string; brand: string | undefined; url: string }[];
}

export function loginPage(chrome: PageChrome, view: LoginView): string {
  const { t } = chrome;
  return layout(
    chrome,
    t('login.title'),
    html`<h1>${t('login.title')}</h1>
<p class="lead">${t('login.lead', { client: view.clientName })}</p>
${view.error ? html`<p class="error" role="alert">${view.error}</p>` : ''}
${
  view.providers.length > 0
    ? html`<ul class="providers">${view.providers.map(
        (p) =>
          html`<li><a class="button secondary provider"${p.brand ? html` data-brand="${p.brand}"` : ''} href="${p.url}">${t('upstream.continue_with', { provider: p.name })}</a></li>`,
      )}</ul>${view.passwords ? html`<p class="separator">${t('upstream.or')}</p>` : ''}`
    : ''
}
${view.passwords ? passwordForm(chrome, view) : ''}`,
  );
}

function passwordForm(chrome: PageChrome, view: LoginView) {
  const { t } = chrome;
  return html`<form method="post" action="${view.action}">
<input type="hidden" name="csrf" value="${view.csrf}">
<label>${view.allowEmail ? t('login.username_or_email') : t('login.username')}
<input type="text" name="username" value="${view.username ?? ''}" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus></label>
<label>${t('login.password')}
<input type="password" name="password" autocomplete="current-password" required></label>
${view.forgotUrl ? html`<p class="hint"><a href="${view.forgotUrl}">${t('login.forgot')}</a></p>` : ''}
<button type="submit">${t('login.submit')}</button>
</form>
${view.registerUrl ? html`<p><a href="${view.registerUrl}">${t('login.create_account')}</a></p>` : ''}`;
}
