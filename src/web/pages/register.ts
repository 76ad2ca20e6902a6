import { html, type SafeHtml } from '../html.js';
import { layout, type PageChrome } from '../layout.js';

/** The fields a refusal can point at; `form` is about the whole form. */
export type RegisterField =
  | 'username'
  | 'display_name'
  | 'email'
  | 'password'
  | 'password_confirm'
  | 'registration_token'
  | 'accept_terms'
  | 'captcha'
  | 'form';

export type FieldErrors = Partial<Record<RegisterField, string>>;

export interface CaptchaWidget {
  scriptUrl: string;
  widgetClass: string;
  siteKey: string;
  language: string;
}

export interface RegisterView {
  action: string;
  csrf: string;
  loginUrl: string;
  values: { username?: string; email?: string; displayName?: string };
  errors: FieldErrors;
  emailRequired: boolean;
  /** False when no mail can reach anyone (`email.transport: blackhole`): no address is asked for. */
  emailField?: boolean;
  tokenRequired: boolean;
  termsUri?: string;
  policyUri?: string;
  captcha?: CaptchaWidget;
  /** The JSON checks the page's script makes as the person types. */
  availabilityUrl: string;
  strengthUrl: string;
  /** How the refused password rated, for the meter (the password itself is never sent back). */
  passwordScore?: number;
  scriptUrl: string;
}

export function registerPage(chrome: PageChrome, view: RegisterView): string {
  const { t } = chrome;
  const { errors, values } = view;
  const messages = Object.values(errors).filter((m): m is string => Boolean(m));
  /** aria attributes of a field: described by its hint and, when refused, by its error. */
  const described = (field: RegisterField, hint?: string) => {
    const ids = [hint, errors[field] ? `${field}-error` : undefined].filter(Boolean).join(' ');
    return html`${ids ? html` aria-describedby="${ids}"` : ''}${errors[field] ? html` aria-invalid="true"` : ''}`;
  };
  const fieldError = (field: RegisterField): SafeHtml | string =>
    errors[field] ? html`<span class="field-error" id="${field}-error">${errors[field]}</span>` : '';
  return layout(
    chrome,
    t('register.title'),
    html`<h1>${t('register.title')}</h1>
<p class="lead">${t('register.lead', { server: chrome.serverName })}</p>
${
  messages.length > 0
    ? html`<div class="error" role="alert">${
        messages.length === 1
          ? html`<p>${messages[0]}</p>`
          : html`<p>${t('register.check_fields')}</p><ul>${messages.map((m) => html`<li>${m}</li>`)}</ul>`
      }</div>`
    : ''
}
<form method="post" action="${view.action}">
<input type="hidden" name="csrf" value="${view.csrf}">
<div class="field"><label for="username">${t('login.username')}</label>
<input type="text" id="username" name="username" value="${values.username ?? ''}" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus maxlength="255" data-availability-url="${view.availabilityUrl}" data-status-id="username-status" data-user-input${described('username', 'username-hint username-status')}>
<span class="hint" id="username-hint">${t('register.username_hint', { server: chrome.serverName })}</span>
<span class="status" id="username-status" aria-live="polite"></span>
${fieldError('username')}</div>
<div class="field"><label for="display_name">${t('register.display_name')}</label>
<input type="text" id="display_name" name="display_name" value="${values.displayName ?? ''}" autocomplete="name" maxlength="256" data-user-input${described('display_name')}>
${fieldError('display_name')}</div>
${
  view.emailField === false
    ? ''
    : html`<div class="field"><label for="email">${view.emailRequired ? t('register.email') : t('register.email_optional')}</label>
<input type="email" id="email" name="email" value="${values.email ?? ''}" autocomplete="email" autocapitalize="none" spellcheck="false" maxlength="254"${view.emailRequired ? html` required` : ''} data-user-input${described('email', 'email-hint')}>
<span class="hint" id="email-hint">${t('register.email_hint')}</span>
${fieldError('email')}</div>`
}
<div class="field"><label for="password">${t('login.password')}</label>
<input type="password" id="password" name="password" autocomplete="new-password" required data-strength-url="${view.strengthUrl}" data-meter-id="password-meter" data-feedback-id="password-feedback"${described('password', 'password-hint password-feedback')}>
<span class="hint" id="password-hint">${t('register.password_hint')}</span>
${fieldError('password')}
${strengthMeter(chrome, view.passwordScore)}</div>
<div class="field"><label for="password_confirm">${t('register.confirm')}</label>
<input type="password" id="password_confirm" name="password_confirm" autocomplete="new-password" required${described('password_confirm')}>
${fieldError('password_confirm')}</div>
${
  view.tokenRequired
    ? html`<div class="field"><label for="registration_token">${t('register.token')}</label>
<input type="text" id="registration_token" name="registration_token" autocomplete="off" autocapitalize="none" spellcheck="false" required maxlength="64"${described('registration_token', 'token-hint')}>
<span class="hint" id="token-hint">${t('register.token_hint')}</span>
${fieldError('registration_token')}</div>`
    : ''
}
${
  view.termsUri
    ? html`<div class="check"><input type="checkbox" id="accept_terms" name="accept_terms" value="yes" required${described('accept_terms')}>
<label for="accept_terms">${t('terms.accept_before')}<a href="${view.termsUri}" target="_blank" rel="noopener noreferrer">${t('terms.link')}</a>${t('terms.accept_after')}</label>
${fieldError('accept_terms')}</div>`
    : ''
}
${
  view.captcha
    ? html`<div class="captcha">
<div class="${view.captcha.widgetClass}" data-sitekey="${view.captcha.siteKey}" data-language="${view.captcha.language}"></div>
<noscript><p class="hint">${t('captcha.needs_javascript')}</p></noscript>
${fieldError('captcha')}
<script src="${view.captcha.scriptUrl}" async defer></script></div>`
    : ''
}
<button type="submit">${t('register.submit')}</button>
</form>
${view.policyUri ? html`<p class="hint"><a href="${view.policyUri}" target="_blank" rel="noopener noreferrer">${t('register.privacy')}</a></p>` : ''}
<p><a href="${view.loginUrl}">${t('register.have_account')}</a></p>
<script src="${view.scriptUrl}" defer></script>`,
  );
}

/**
 * A visible strength meter (0–4). The page's script fills it as the person types; without JavaScript it
 * shows how a refused password rated, and the refusal says why.
 */
export function strengthMeter(chrome: PageChrome, score: number | undefined): SafeHtml {
  const { t } = chrome;
  return html`<div class="strength">
<label for="password-meter" class="hint">${t('password.strength')}</label>
<meter id="password-meter" min="0" max="4" low="2" high="3" optimum="4" value="${score ?? 0}">${score ?? 0}/4</meter>
<span class="hint" id="password-feedback" aria-live="polite"></span>
</div>`;
}

/**
 * Registration where it cannot be completed: an address must be confirmed by mail, and this server sends
 * none (`email.transport: blackhole`). Said before anyone fills in a form, with whom to ask instead.
 */
export function registerNoMailPage(chrome: PageChrome, view: { loginUrl: string }): string {
  const { t } = chrome;
  const server = chrome.frame?.serviceName ?? chrome.serverName;
  return layout(
    chrome,
    t('register.no_mail_title'),
    html`<h1>${t('register.no_mail_title')}</h1>
<p class="notice" role="status">${t('register.no_mail', { server })}</p>
<p><a href="${view.loginUrl}">${t('register.have_account')}</a></p>`,
  );
}
