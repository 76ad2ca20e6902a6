import { html } from '../html.js';
import { layout, type PageChrome } from '../layout.js';

export interface TermsView {
  action: string;
  csrf: string;
  termsUri: string;
  error?: string;
}

/** Asked at sign-in when the account has not accepted the current terms of service (a new URL). */
export function termsPage(chrome: PageChrome, view: TermsView): string {
  const { t } = chrome;
  return layout(
    chrome,
    t('terms.title'),
    html`<h1>${t('terms.title')}</h1>
<p class="lead">${t('terms.lead', { server: chrome.serverName })}</p>
${view.error ? html`<p class="error" role="alert">${view.error}</p>` : ''}
<p><a href="${view.termsUri}" target="_blank" rel="noopener noreferrer">${t('terms.read')}</a></p>
<form method="post" action="${view.action}">
<input type="hidden" name="csrf" value="${view.csrf}">
<div class="check"><input type="checkbox" id="accept_terms" name="accept_terms" value="yes" required${view.error ? html` aria-invalid="true"` : ''}>
<label for="accept_terms">${t('terms.accept_before')}<a href="${view.termsUri}" target="_blank" rel="noopener noreferrer">${t('terms.link')}</a>${t('terms.accept_after')}</label></div>
<div class="actions">
<button type="submit" name="decision" value="accept">${t('terms.continue')}</button>
<button type="submit" name="decision" value="cancel" class="secondary" formnovalidate>${t('terms.decline')}</button>
</div>
</form>`,
  );
}
