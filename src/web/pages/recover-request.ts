import { html } from '../html.js';
import { layout, type PageChrome } from '../layout.js';

export interface RecoverRequestView {
  action: string;
  csrf: string;
  email?: string;
  error?: string;
}

/** Asks for the address to mail a recovery link to. */
export function recoverRequestPage(chrome: PageChrome, view: RecoverRequestView): string {
  const { t } = chrome;
  return layout(
    chrome,
    t('recover.title'),
    html`<h1>${t('recover.title')}</h1>
<p class="lead">${t('recover.lead')}</p>
${view.error ? html`<p class="error" role="alert">${view.error}</p>` : ''}
<form method="post" action="${view.action}">
<input type="hidden" name="csrf" value="${view.csrf}">
<label>${t('register.email')}
<input type="email" name="email" value="${view.email ?? ''}" autocomplete="email" autocapitalize="none" spellcheck="false" maxlength="254" required autofocus${view.error ? html` aria-invalid="true"` : ''}></label>
<button type="submit">${t('recover.submit')}</button>
</form>`,
  );
}

/**
 * What everyone who asks is told, whether or not the address belongs to an account: only the owner of a
 * known address gets a mail.
 */
export function recoverSentPage(chrome: PageChrome, view: { email: string; minutes: number }): string {
  const { t } = chrome;
  return layout(
    chrome,
    t('recover.sent_title'),
    html`<h1>${t('recover.sent_title')}</h1>
<p role="status">${t('recover.sent', { email: view.email, minutes: String(view.minutes) })}</p>
<p class="hint">${t('recover.sent_hint')}</p>`,
  );
}
