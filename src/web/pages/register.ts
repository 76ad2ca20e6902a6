import { html } from '../html.js';
import { layout, type PageChrome } from '../layout.js';

export interface RegisterView {
  action: string;
  csrf: string;
  username?: string;
  error?: string;
  loginUrl: string;
}

export function registerPage(chrome: PageChrome, view: RegisterView): string {
  const { t } = chrome;
  return layout(
    chrome,
    t('register.title'),
    html`<h1>${t('register.title')}</h1>
<p class="lead">${t('register.lead', { server: chrome.serverName })}</p>
${view.error ? html`<p class="error" role="alert">${view.error}</p>` : ''}
<form method="post" action="${view.action}">
<input type="hidden" name="csrf" value="${view.csrf}">
<label>${t('login.username')}
<input type="text" name="username" value="${view.username ?? ''}" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus aria-describedby="username-hint">
<span class="hint" id="username-hint">${t('register.username_hint', { server: chrome.serverName })}</span></label>
<label>${t('login.password')}
<input type="password" name="password" autocomplete="new-password" required aria-describedby="password-hint">
<span class="hint" id="password-hint">${t('register.password_hint')}</span></label>
<label>${t('register.confirm')}
<input type="password" name="password_confirm" autocomplete="new-password" required></label>
<button type="submit">${t('register.submit')}</button>
</form>
<p><a href="${view.loginUrl}">${t('register.have_account')}</a></p>`,
  );
}
