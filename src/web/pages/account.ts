import { html } from '../html.js';
import { layout, type PageChrome } from '../layout.js';

/** One signed-in device: an OAuth session or a compat session, as the page shows it. */
export interface DeviceRow {
  /** The user's name for it, else the app's. */
  name: string;
  /** The app behind a user-given name. */
  detail?: string;
  deviceId: string | null;
  createdAt: Date;
  lastActiveAt: Date | null;
  /** Form actions: sign out, and rename (devices only). */
  endUrl: string;
  renameUrl?: string;
}

export interface AccountView {
  userId: string;
  devices: DeviceRow[];
  csrf: string;
  /** The device an MSC4191 deep link pointed at (device_view / device_delete). */
  focusDeviceId?: string;
  notice?: string;
}

export function accountPage(chrome: PageChrome, view: AccountView): string {
  const { t } = chrome;
  const date = (d: Date | null) =>
    d
      ? new Intl.DateTimeFormat(t.language, {
          dateStyle: 'medium',
          timeStyle: 'short',
          timeZone: 'UTC',
        }).format(d)
      : t('account.never');
  const rows = view.devices.map(
    (
      d,
    ) => html`<tr${d.deviceId && d.deviceId === view.focusDeviceId ? html` class="focus" aria-current="true"` : ''}>
<td>${d.name}${d.detail ? html` <span class="muted">(${d.detail})</span>` : ''}
${
  d.renameUrl && d.deviceId
    ? html`<form method="post" action="${d.renameUrl}" class="inline">
<input type="hidden" name="csrf" value="${view.csrf}">
<input type="text" name="name" required maxlength="100" autocomplete="off" aria-label="${t('account.device_name')} ${d.deviceId}" placeholder="${t('account.device_name')}">
<button type="submit" class="secondary">${t('account.rename')}</button>
</form>`
    : ''
}</td>
<td><code>${d.deviceId ?? '—'}</code></td>
<td>${date(d.createdAt)}</td>
<td>${date(d.lastActiveAt)}</td>
<td><form method="post" action="${d.endUrl}">
<input type="hidden" name="csrf" value="${view.csrf}">
<button type="submit" class="secondary" aria-label="${t('account.sign_out')} ${d.deviceId ?? d.name}">${t('account.sign_out')}</button>
</form></td>
</tr>`,
  );
  return layout(
    chrome,
    t('account.title'),
    html`<h1>${t('account.title')}</h1>
<p class="lead">${view.userId}</p>
${view.notice ? html`<p role="status">${view.notice}</p>` : ''}
<h2>${t('account.sessions')}</h2>
${
  view.devices.length === 0
    ? html`<p>${t('account.none')}</p>`
    : html`<table>
<thead><tr><th scope="col">${t('account.client')}</th><th scope="col">${t('account.device')}</th><th scope="col">${t('account.created')}</th><th scope="col">${t('account.last_active')}</th><th scope="col"><span class="muted">—</span></th></tr></thead>
<tbody>${rows}</tbody>
</table>`
}`,
    { wide: true },
  );
}

/** The MSC4191 `org.matrix.cross_signing_reset` view: what a reset means, and the button that allows it. */
export function crossSigningResetPage(chrome: PageChrome, view: { csrf: string; action: string }): string {
  const { t } = chrome;
  return layout(
    chrome,
    t('account.cross_signing.title'),
    html`<h1>${t('account.cross_signing.title')}</h1>
<p>${t('account.cross_signing.explain')}</p>
<form method="post" action="${view.action}">
<input type="hidden" name="csrf" value="${view.csrf}">
<button type="submit">${t('account.cross_signing.allow')}</button>
</form>`,
  );
}
