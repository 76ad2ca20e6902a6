import { html } from '../html.js';
import { layout, type PageChrome } from '../layout.js';

export interface UpstreamRegisterView {
  action: string;
  csrf: string;
  provider: string;
  /** A fixed localpart (force/require) is shown, not asked. */
  localpart: { value: string; fixed: boolean } | undefined;
  displayName: { value: string; fixed: boolean } | undefined;
  email: { value: string; fixed: boolean } | undefined;
  error?: string | undefined;
  availabilityUrl: string;
}

/**
 * The first sign-in through a provider: the account it creates. A name the provider fixed is a
 * confirmation ("Continue as @name:server"); otherwise the person picks one, with the registration
 * page's live availability check, and opts in to the suggested display name and address.
 */
export function upstreamRegisterPage(chrome: PageChrome, view: UpstreamRegisterView): string {
  const { t, serverName } = chrome;
  const params = { provider: view.provider, server: serverName };
  const fixedUser = view.localpart?.fixed ? `@${view.localpart.value}:${serverName}` : undefined;
  const title = fixedUser ? t('upstream.confirm.title', { user: fixedUser }) : t('upstream.register.title');
  const optional = (
    field: 'display_name' | 'email',
    offered: { value: string; fixed: boolean } | undefined,
  ) => {
    if (!offered || offered.fixed) return '';
    const key =
      field === 'email' ? 'upstream.register.import_email' : 'upstream.register.import_display_name';
    return html`<label class="check"><input type="checkbox" name="import_${field}" value="on" checked> ${t(key, { ...params, value: offered.value })}</label>`;
  };
  return layout(
    chrome,
    title,
    html`<h1>${title}</h1>
<p class="lead">${fixedUser ? t('upstream.confirm.lead', { ...params, user: fixedUser }) : t('upstream.register.lead', params)}</p>
${view.error ? html`<p class="error" role="alert">${view.error}</p>` : ''}
<form method="post" action="${view.action}">
<input type="hidden" name="csrf" value="${view.csrf}">
${
  fixedUser
    ? ''
    : html`<label>${t('login.username')}
<input type="text" name="username" value="${view.localpart?.value ?? ''}" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus maxlength="255" data-availability-url="${view.availabilityUrl}" data-status-id="username-status" data-user-input></label>
<p class="hint" id="username-status" aria-live="polite"></p>
<p class="hint">${t('register.username_hint', { server: serverName })}</p>`
}
${optional('display_name', view.displayName)}
${optional('email', view.email)}
<button type="submit">${fixedUser ? t('upstream.confirm.submit') : t('upstream.register.submit')}</button>
</form>`,
  );
}
