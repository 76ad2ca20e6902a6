import type { CompatSession } from '../../domain/compat-session.js';
import type { OAuthSession } from '../../domain/oauth-session.js';
import { html } from '../html.js';
import { layout, type PageChrome } from '../layout.js';

export interface AccountView {
  userId: string;
  sessions: (OAuthSession & { clientName: string })[];
  /** Devices signed in through the compatibility login API (legacy clients, bots, scripts). */
  compatSessions: CompatSession[];
  csrf: string;
  /** The form action that signs session `id` out. */
  endSessionUrl(id: string): string;
  /** The form action that renames session `id`'s device. */
  renameSessionUrl(id: string): string;
  /** The form action that signs compat session `id` out. */
  endCompatSessionUrl(id: string): string;
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
  const rows = view.sessions.map(
    (
      s,
    ) => html`<tr${s.deviceId && s.deviceId === view.focusDeviceId ? html` class="focus" aria-current="true"` : ''}>
<td>${s.displayName ?? s.clientName}${s.displayName ? html` <span class="muted">(${s.clientName})</span>` : ''}
${
  s.deviceId
    ? html`<form method="post" action="${view.renameSessionUrl(s.id)}" class="inline">
<input type="hidden" name="csrf" value="${view.csrf}">
<input type="text" name="name" required maxlength="100" autocomplete="off" aria-label="${t('account.device_name')} ${s.deviceId}" placeholder="${t('account.device_name')}">
<button type="submit" class="secondary">${t('account.rename')}</button>
</form>`
    : ''
}</td>
<td><code>${s.deviceId ?? '—'}</code></td>
<td>${date(s.createdAt)}</td>
<td>${date(s.lastActiveAt)}</td>
<td><form method="post" action="${view.endSessionUrl(s.id)}">
<input type="hidden" name="csrf" value="${view.csrf}">
<button type="submit" class="secondary" aria-label="${t('account.sign_out')} ${s.deviceId ?? s.clientName}">${t('account.sign_out')}</button>
</form></td>
</tr>`,
  );
  const compatRows = view.compatSessions.map(
    (s) => html`<tr${s.deviceId === view.focusDeviceId ? html` class="focus" aria-current="true"` : ''}>
<td>${s.displayName ?? t('account.legacy_client')}${s.displayName ? html` <span class="muted">(${t('account.legacy_client')})</span>` : ''}</td>
<td><code>${s.deviceId}</code></td>
<td>${date(s.createdAt)}</td>
<td>${date(s.lastActiveAt)}</td>
<td><form method="post" action="${view.endCompatSessionUrl(s.id)}">
<input type="hidden" name="csrf" value="${view.csrf}">
<button type="submit" class="secondary" aria-label="${t('account.sign_out')} ${s.deviceId}">${t('account.sign_out')}</button>
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
  view.sessions.length + view.compatSessions.length === 0
    ? html`<p>${t('account.none')}</p>`
    : html`<table>
<thead><tr><th scope="col">${t('account.client')}</th><th scope="col">${t('account.device')}</th><th scope="col">${t('account.created')}</th><th scope="col">${t('account.last_active')}</th><th scope="col"><span class="muted">—</span></th></tr></thead>
<tbody>${rows}${compatRows}</tbody>
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
