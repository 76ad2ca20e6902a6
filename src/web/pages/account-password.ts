import { MAX_PASSWORD_LENGTH } from '../../domain/password-policy.js';
import { html, type SafeHtml } from '../html.js';
import type { PageChrome } from '../layout.js';
import { type AccountFrame, accountLayout, csrfField } from './account.js';
import { strengthMeter } from './register.js';

/** The fields of the form a refusal can be about. */
export type PasswordField = 'current' | 'new' | 'confirm';

export interface PasswordView {
  /** The form's action; absent when the account has no password to change. */
  action?: string;
  /** The account's localpart: a hidden username for password managers, and a guessable word for the meter. */
  username: string;
  /** The JSON strength check the page's script asks as the new password is typed, and the script. */
  strengthUrl: string;
  scriptUrl: string;
  /** Why the form was refused, at the field it is about (marked invalid and focused). */
  errors?: Partial<Record<PasswordField, string>>;
  /** How a refused new password rated, for the meter (the password itself is never sent back). */
  passwordScore?: number;
  signOutOthers?: boolean;
}

const IDS: Record<PasswordField, string> = {
  current: 'current_password',
  new: 'new_password',
  confirm: 'new_password_confirm',
};

/**
 * The password view, with registration's strength meter and stated policy. A refused form shows the
 * reason at its field as registration does (`aria-describedby`, `aria-invalid`, focus there); no password
 * is ever written back into a field.
 */
export function passwordPage(chrome: PageChrome, frame: AccountFrame, view: PasswordView): string {
  const { t } = chrome;
  const errors = view.errors ?? {};
  /** A field's aria attributes: described by its hint and, when refused, by its error. */
  const described = (field: PasswordField, hint?: string): SafeHtml => {
    const ids = [hint, errors[field] ? `${IDS[field]}-error` : undefined].filter(Boolean).join(' ');
    return html`${ids ? html` aria-describedby="${ids}"` : ''}${errors[field] ? html` aria-invalid="true" autofocus` : ''}`;
  };
  const fieldError = (field: PasswordField): SafeHtml | string =>
    errors[field] ? html`<span class="field-error" id="${IDS[field]}-error">${errors[field]}</span>` : '';
  return accountLayout(
    chrome,
    frame,
    t('account.nav.password'),
    html`<h2>${t('account.nav.password')}</h2>
${
  view.action
    ? html`<form method="post" action="${view.action}">
${csrfField(frame.csrf)}
<input type="hidden" name="username" value="${view.username}" autocomplete="username" data-user-input>
<div class="field"><label for="current_password">${t('account.password.current')}</label>
<input type="password" id="current_password" name="current_password" required maxlength="${MAX_PASSWORD_LENGTH}" autocomplete="current-password"${described('current')}>
${fieldError('current')}</div>
<div class="field"><label for="new_password">${t('account.password.new')}</label>
<input type="password" id="new_password" name="new_password" required maxlength="${MAX_PASSWORD_LENGTH}" autocomplete="new-password" data-strength-url="${view.strengthUrl}" data-meter-id="password-meter" data-feedback-id="password-feedback"${described('new', 'new_password-hint password-feedback')}>
<span class="hint" id="new_password-hint">${t('register.password_hint')}</span>
${fieldError('new')}
${strengthMeter(chrome, view.passwordScore)}</div>
<div class="field"><label for="new_password_confirm">${t('account.password.confirm')}</label>
<input type="password" id="new_password_confirm" name="new_password_confirm" required maxlength="${MAX_PASSWORD_LENGTH}" autocomplete="new-password"${described('confirm')}>
${fieldError('confirm')}</div>
<label class="check"><input type="checkbox" name="sign_out_others" value="yes"${view.signOutOthers ? html` checked` : ''}>
<span>${t('account.password.sign_out_others')}</span></label>
<button type="submit">${t('account.password.submit')}</button>
</form>
<script src="${view.scriptUrl}" defer></script>`
    : html`<p>${t('account.password.none')}</p>`
}`,
  );
}
