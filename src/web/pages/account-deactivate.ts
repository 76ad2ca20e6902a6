import { MAX_PASSWORD_LENGTH } from '../../domain/password-policy.js';
import { html } from '../html.js';
import type { PageChrome } from '../layout.js';
import { type AccountFrame, accountLayout, csrfField } from './account.js';

export interface DeactivateView {
  action: string;
  /** Proof asked for: the password, or (an account without one) the username typed out. */
  proof: { kind: 'password' } | { kind: 'username'; localpart: string };
  erase?: boolean;
}

export function deactivatePage(chrome: PageChrome, frame: AccountFrame, view: DeactivateView): string {
  const { t } = chrome;
  // A refusal is about the proof: the reason at its field, and the focus there for another try.
  const invalid = frame.error ? html` aria-invalid="true" aria-describedby="proof-error" autofocus` : '';
  const fieldError = frame.error
    ? html`<span class="field-error" id="proof-error">${frame.error}</span>`
    : '';
  return accountLayout(
    chrome,
    frame,
    t('account.nav.deactivate'),
    html`<h2>${t('account.nav.deactivate')}</h2>
<div class="warning" role="note">
<p><strong>${t('account.deactivate.warning')}</strong></p>
<p>${t('account.deactivate.explain')}</p>
</div>
<form method="post" action="${view.action}">
${csrfField(frame.csrf)}
${
  view.proof.kind === 'password'
    ? html`<label>${t('account.deactivate.password')}
<input type="password" name="password" required maxlength="${MAX_PASSWORD_LENGTH}" autocomplete="current-password"${invalid}>
${fieldError}</label>`
    : html`<label>${t('account.deactivate.type_username', { localpart: view.proof.localpart })}
<input type="text" name="confirmation" required autocomplete="off" autocapitalize="none" spellcheck="false"${invalid}>
${fieldError}</label>`
}
<label class="check"><input type="checkbox" name="erase" value="yes" aria-describedby="erase-hint"${view.erase ? html` checked` : ''}>
<span>${t('account.deactivate.erase')}</span></label>
<p class="hint" id="erase-hint">${t('account.deactivate.erase_hint')}</p>
<button type="submit" class="danger">${t('account.deactivate.submit')}</button>
</form>`,
  );
}
