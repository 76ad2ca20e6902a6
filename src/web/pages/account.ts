import type { AccountViewName } from '../account/views.js';
import { html, type SafeHtml } from '../html.js';
import type { Translate } from '../i18n.js';
import { layout, type PageChrome } from '../layout.js';

/** What every account view shows around its content: who is signed in, the views, an outcome. */
export interface AccountFrame {
  userId: string;
  nav: { view: AccountViewName; href: string }[];
  /** The view shown (marked in the navigation); none for pages outside the views. */
  current?: AccountViewName;
  csrf: string;
  /** The header's "Sign out": ends this browser's session. */
  signOutUrl: string;
  /** The outcome of the last action (a status message). */
  notice?: string;
  /** Why the last form was refused. */
  error?: string;
}

/**
 * The header's "Sign out" form. It comes after the view in the page, its button (tied to it by `form=`)
 * in the header: the view's own form stays the page's first, and the button is reached where it is seen.
 */
const SIGN_OUT_FORM = 'account-sign-out';

/**
 * An account view: the account heading with "Sign out", the navigation between views, the outcome, then
 * `body`. The navigation and the view are wrapped so wide screens can set them side by side.
 */
export function accountLayout(
  chrome: PageChrome,
  frame: AccountFrame,
  title: string,
  body: SafeHtml,
): string {
  const { t } = chrome;
  const items = frame.nav.map(
    (item) =>
      html`<li><a href="${item.href}"${item.view === frame.current ? html` aria-current="page"` : ''}>${t(`account.nav.${item.view}`)}</a></li>`,
  );
  return layout(
    chrome,
    title,
    html`<div class="account-header">
<div><h1>${t('account.title')}</h1>
<p class="lead">${frame.userId}</p></div>
<button type="submit" form="${SIGN_OUT_FORM}" class="secondary">${t('account.header.sign_out')}</button>
</div>
<div class="account-body">
<nav class="account-nav" aria-label="${t('account.nav.label')}"><ul>
${items}
</ul></nav>
<div class="account-view">
${frame.notice ? html`<p class="notice" role="status">${frame.notice}</p>` : ''}
${frame.error ? html`<p class="error" role="alert">${frame.error}</p>` : ''}
${body}
</div>
</div>
<form method="post" action="${frame.signOutUrl}" id="${SIGN_OUT_FORM}" hidden>
${csrfField(frame.csrf)}
</form>`,
    { wide: true },
  );
}

/** A date and time in the page's language (UTC: the server does not know the reader's zone). */
export function formatDate(t: Translate, date: Date | null): string {
  return date
    ? new Intl.DateTimeFormat(t.language, {
        dateStyle: 'medium',
        timeStyle: 'short',
        timeZone: 'UTC',
      }).format(date)
    : t('account.never');
}

/** A hidden CSRF field: every form carries one. */
export const csrfField = (token: string): SafeHtml =>
  html`<input type="hidden" name="csrf" value="${token}">`;

/** One signed-in device: an OAuth session or a compat session, as the page shows it. */
export interface DeviceRow {
  /** The user's name for it, else the app's. */
  name: string;
  /** The app behind a user-given name. */
  detail?: string;
  deviceId: string | null;
  createdAt: Date;
  lastActiveAt: Date | null;
  /** The last address it was used from, and what it said it was (shortened). */
  ip: string | null;
  userAgent: string | null;
  /** Form actions: sign out, and rename (devices only). */
  endUrl: string;
  renameUrl?: string;
}

/** A refused rename: its form is shown open, the field marked, the reason beside it. */
export interface RenameRefusal {
  renameUrl: string;
  typed: string;
  error: string;
}

/** A browser signed in to these pages. */
export interface BrowserRow {
  /** "Firefox on Linux", or the user agent shortened. */
  name: string;
  current: boolean;
  createdAt: Date;
  lastActiveAt: Date | null;
  ip: string | null;
  endUrl: string;
}

export interface DevicesView {
  devices: DeviceRow[];
  browsers: BrowserRow[];
  /** The device an MSC4191 deep link pointed at (device_view / device_delete). */
  focusDeviceId?: string;
  /** device_delete: ask whether to sign the focused device out. */
  confirmEnd?: { name: string; deviceId: string; endUrl: string; cancelUrl: string };
  signOutOthersUrl: string;
  renameRefused?: RenameRefusal;
}

export function devicesPage(chrome: PageChrome, frame: AccountFrame, view: DevicesView): string {
  const { t } = chrome;
  const date = (d: Date | null) => formatDate(t, d);
  const where = (ip: string | null, agent: string | null) =>
    html`${agent ?? ''}${agent && ip ? html`<br>` : ''}${ip ? html`<span class="muted">${ip}</span>` : ''}${!agent && !ip ? '—' : ''}`;
  /**
   * Renaming, behind a "Rename" button: a disclosure (no script needed) holding the form, open with the
   * field marked when that rename was refused.
   */
  const renameDisclosure = (renameUrl: string, deviceId: string, i: number) => {
    const refused = view.renameRefused?.renameUrl === renameUrl ? view.renameRefused : undefined;
    return html`<details class="rename"${refused ? html` open` : ''}>
<summary aria-label="${t('account.rename')} ${deviceId}">${t('account.rename')}</summary>
<form method="post" action="${renameUrl}">
${csrfField(frame.csrf)}
<label for="rename-${i}">${t('account.device_name')}</label>
<input type="text" id="rename-${i}" name="name" value="${refused?.typed ?? ''}" required maxlength="100" autocomplete="off" aria-label="${t('account.device_name')} ${deviceId}"${refused ? html` aria-invalid="true" aria-describedby="rename-${i}-error" autofocus` : ''}>
${refused ? html`<span class="field-error" id="rename-${i}-error">${refused.error}</span>` : ''}
<button type="submit" class="secondary">${t('account.rename_save')}</button>
</form>
</details>`;
  };
  const rows = view.devices.map(
    (
      d,
      i,
    ) => html`<tr${d.deviceId && d.deviceId === view.focusDeviceId ? html` class="focus" aria-current="true"` : ''}>
<td>${d.name}${d.detail ? html` <span class="muted">(${d.detail})</span>` : ''}
${d.renameUrl && d.deviceId ? renameDisclosure(d.renameUrl, d.deviceId, i) : ''}</td>
<td><code>${d.deviceId ?? '—'}</code></td>
<td data-label="${t('account.created')}">${date(d.createdAt)}</td>
<td data-label="${t('account.last_active')}">${date(d.lastActiveAt)}</td>
<td data-label="${t('account.where')}">${where(d.ip, d.userAgent)}</td>
<td><form method="post" action="${d.endUrl}">
${csrfField(frame.csrf)}
<button type="submit" class="secondary" aria-label="${t('account.sign_out')} ${d.deviceId ?? d.name}">${t('account.sign_out')}</button>
</form></td>
</tr>`,
  );
  const browsers = view.browsers.map(
    (b) => html`<tr${b.current ? html` class="current"` : ''}>
<td>${b.name}${b.current ? html` <strong class="badge">${t('account.browsers.this')}</strong>` : ''}</td>
<td data-label="${t('account.created')}">${date(b.createdAt)}</td>
<td data-label="${t('account.last_active')}">${date(b.lastActiveAt)}</td>
<td data-label="${t('account.ip')}">${b.ip ?? '—'}</td>
<td><form method="post" action="${b.endUrl}">
${csrfField(frame.csrf)}
<button type="submit" class="secondary" aria-label="${t('account.sign_out')} ${b.name}${b.current ? ` (${t('account.browsers.this')})` : ''}">${t('account.sign_out')}</button>
</form></td>
</tr>`,
  );
  const others = view.devices.length > 0 || view.browsers.some((b) => !b.current);
  return accountLayout(
    chrome,
    frame,
    t('account.nav.devices'),
    html`<h2>${t('account.nav.devices')}</h2>
${
  view.confirmEnd
    ? html`<section class="confirm" aria-labelledby="confirm-end">
<h3 id="confirm-end">${t('account.device_end.title')}</h3>
<p>${t('account.device_end.lead', { name: view.confirmEnd.name, device: view.confirmEnd.deviceId })}</p>
<div class="actions">
<form method="post" action="${view.confirmEnd.endUrl}">
${csrfField(frame.csrf)}
<button type="submit">${t('account.device_end.submit')}</button>
</form>
<a class="button secondary" href="${view.confirmEnd.cancelUrl}">${t('account.device_end.cancel')}</a>
</div>
</section>`
    : ''
}
<h3>${t('account.sessions')}</h3>
${
  view.devices.length === 0
    ? html`<p>${t('account.none')}</p>`
    : html`<table>
<thead><tr><th scope="col">${t('account.client')}</th><th scope="col">${t('account.device')}</th><th scope="col">${t('account.created')}</th><th scope="col">${t('account.last_active')}</th><th scope="col">${t('account.where')}</th><th scope="col">${t('account.sign_out')}</th></tr></thead>
<tbody>${rows}</tbody>
</table>`
}
<h3>${t('account.browsers.title')}</h3>
<p class="hint">${t('account.browsers.lead')}</p>
${
  view.browsers.length === 0
    ? html`<p>${t('account.browsers.none')}</p>`
    : html`<table>
<thead><tr><th scope="col">${t('account.browsers.browser')}</th><th scope="col">${t('account.created')}</th><th scope="col">${t('account.last_active')}</th><th scope="col">${t('account.ip')}</th><th scope="col">${t('account.sign_out')}</th></tr></thead>
<tbody>${browsers}</tbody>
</table>`
}
${
  others
    ? html`<h3>${t('account.sign_out_others.title')}</h3>
<p>${t('account.sign_out_others.lead')}</p>
<form method="post" action="${view.signOutOthersUrl}">
${csrfField(frame.csrf)}
<button type="submit" class="secondary">${t('account.sign_out_others.submit')}</button>
</form>`
    : ''
}`,
  );
}

/** The MSC4191 `org.matrix.cross_signing_reset` view: what a reset means, and the button that allows it. */
export function crossSigningResetPage(
  chrome: PageChrome,
  frame: AccountFrame,
  view: { action: string },
): string {
  const { t } = chrome;
  return accountLayout(
    chrome,
    frame,
    t('account.cross_signing.title'),
    html`<h2>${t('account.cross_signing.title')}</h2>
<p>${t('account.cross_signing.explain')}</p>
<form method="post" action="${view.action}">
${csrfField(frame.csrf)}
<button type="submit">${t('account.cross_signing.allow')}</button>
</form>`,
  );
}

/** An account view that only says something: an outcome, or why something cannot be shown. */
export function accountMessagePage(
  chrome: PageChrome,
  frame: AccountFrame,
  title: string,
  message: string,
): string {
  return accountLayout(chrome, frame, title, html`<h2>${title}</h2><p>${message}</p>`);
}

/** After "Sign out": this browser's session has ended; the way back in. */
export function signedOutPage(chrome: PageChrome, view: { signInUrl: string }): string {
  const { t } = chrome;
  return layout(
    chrome,
    t('account.browsers.ended_this_title'),
    html`<h1>${t('account.browsers.ended_this_title')}</h1>
<p role="status">${t('account.browsers.ended_this')}</p>
<p><a href="${view.signInUrl}">${t('account.signed_out.sign_in_again')}</a></p>`,
  );
}
