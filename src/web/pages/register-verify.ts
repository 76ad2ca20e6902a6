import { html } from '../html.js';
import { layout, type PageChrome } from '../layout.js';

export interface RegisterVerifyView {
  action: string;
  resendAction: string;
  csrf: string;
  email: string;
  /** Where to start over with other details (another address). */
  restartUrl: string;
  error?: string;
  notice?: string;
}

/** The second step of a registration: the code mailed to the address given in the first. */
export function registerVerifyPage(chrome: PageChrome, view: RegisterVerifyView): string {
  const { t } = chrome;
  return layout(
    chrome,
    t('verify.title'),
    html`<h1>${t('verify.title')}</h1>
<p class="lead">${t('verify.lead', { email: view.email })}</p>
${view.error ? html`<p class="error" role="alert">${view.error}</p>` : ''}
${view.notice ? html`<p class="notice" role="status">${view.notice}</p>` : ''}
<form method="post" action="${view.action}">
<input type="hidden" name="csrf" value="${view.csrf}">
<div class="field"><label for="code">${t('verify.code')}</label>
<input type="text" id="code" name="code" inputmode="numeric" pattern="[0-9 ]*" maxlength="12" autocomplete="one-time-code" required autofocus aria-describedby="code-hint"${view.error ? html` aria-invalid="true"` : ''}>
<span class="hint" id="code-hint">${t('verify.code_hint')}</span></div>
<button type="submit">${t('verify.submit')}</button>
</form>
<form method="post" action="${view.resendAction}" class="inline">
<input type="hidden" name="csrf" value="${view.csrf}">
<button type="submit" class="secondary">${t('verify.resend')}</button>
</form>
<p><a href="${view.restartUrl}">${t('verify.restart')}</a></p>`,
  );
}
