import { MAX_PASSWORD_LENGTH } from '../../domain/password-policy.js';
import { html } from '../html.js';
import type { PageChrome } from '../layout.js';
import { type AccountFrame, accountLayout, csrfField } from './account.js';

export interface PasswordView {
  /** The form's action; absent when the account has no password to change. */
  action?: string;
  /** The field a refusal is about, marked invalid. */
  invalid?: 'current' | 'new';
  signOutOthers?: boolean;
}

export function passwordPage(chrome: PageChrome, frame: AccountFrame, view: PasswordView): string {
  const { t } = chrome;
  const invalid = (field: PasswordView['invalid']) =>
    view.invalid === field ? html` aria-invalid="true" autofocus` : '';
  return accountLayout(
    chrome,
    frame,
    t('account.nav.password'),
    html`<h2>${t('account.nav.password')}</h2>
${
  view.action
    ? html`<form method="post" action="${view.action}">
${csrfField(frame.csrf)}
<label>${t('account.password.current')}
<input type="password" name="current_password" required maxlength="${MAX_PASSWORD_LENGTH}" autocomplete="current-password"${invalid('current')}></label>
<label>${t('account.password.new')}
<span class="hint" id="new-password-hint">${t('account.password.new_hint')}</span>
<input type="password" name="new_password" required maxlength="${MAX_PASSWORD_LENGTH}" autocomplete="new-password" aria-describedby="new-password-hint"${invalid('new')}></label>
<label>${t('account.password.confirm')}
<input type="password" name="new_password_confirm" required maxlength="${MAX_PASSWORD_LENGTH}" autocomplete="new-password"></label>
<label class="check"><input type="checkbox" name="sign_out_others" value="yes"${view.signOutOthers ? html` checked` : ''}>
<span>${t('account.password.sign_out_others')}</span></label>
<button type="submit">${t('account.password.submit')}</button>
</form>`
    : html`<p>${t('account.password.none')}</p>`
}`,
  );
}
