import { html } from '../html.js';
import { layout, type PageChrome } from '../layout.js';

export interface ConsentView {
  action: string;
  csrf: string;
  clientName: string;
  clientHost: string | undefined;
  /** The client's logo, already checked as one the browser may fetch (client-name.ts). */
  logoUri: string | undefined;
  /** The client's own terms of service and privacy policy (http(s) only). */
  tosUri?: string | undefined;
  policyUri?: string | undefined;
  /** The page script, which also hides a logo that fails to load. */
  scriptUrl?: string;
  userId: string;
  deviceId: string | undefined;
  /** The session of this account that already has `deviceId`, which signing in ends (a device takeover). */
  replacing?:
    | { app: string | undefined; deviceName: string | undefined; lastSeen: Date | undefined }
    | undefined;
  fullAccess: boolean;
  admin: boolean;
  openid: boolean;
  email: boolean;
  phone: boolean;
  switchUserUrl: string;
}

export function consentPage(chrome: PageChrome, view: ConsentView): string {
  const { t } = chrome;
  const grants = [
    view.fullAccess && t('consent.full_access'),
    view.deviceId &&
      (view.replacing
        ? t('consent.device_takeover', {
            device: view.deviceId,
            session:
              [
                view.replacing.app,
                view.replacing.deviceName && `“${view.replacing.deviceName}”`,
                view.replacing.lastSeen &&
                  t('consent.last_seen', {
                    date: new Intl.DateTimeFormat(t.language, { dateStyle: 'medium' }).format(
                      view.replacing.lastSeen,
                    ),
                  }),
              ]
                .filter(Boolean)
                .join(', ') || view.deviceId,
          })
        : t('consent.device', { device: view.deviceId })),
    view.admin && t('consent.admin'),
    view.openid && t('consent.openid'),
    view.email && t('consent.email'),
    view.phone && t('consent.phone'),
  ].filter((g): g is string => typeof g === 'string');
  // The app's initial is always there, under the logo: a logo that fails to load (or that the browser
  // blocks) leaves the initial, never a broken image; the stylesheet draws it over a broken image too.
  const initial = Array.from(view.clientName.trim())[0]?.toLocaleUpperCase(t.language) ?? '?';
  const links = [
    view.tosUri && { href: view.tosUri, text: t('consent.client_terms', { client: view.clientName }) },
    view.policyUri && {
      href: view.policyUri,
      text: t('consent.client_privacy', { client: view.clientName }),
    },
  ].filter((l): l is { href: string; text: string } => typeof l === 'object');
  return layout(
    chrome,
    t('consent.title'),
    html`<div class="client">
<span class="client-logo" aria-hidden="true"><span class="client-initial">${initial}</span>${view.logoUri ? html`<img src="${view.logoUri}" alt="" data-initial="${initial}" data-logo-fallback>` : ''}</span>
<div><h1>${t('consent.title')}</h1>
${view.clientHost ? html`<p class="muted">${t('consent.site', { host: view.clientHost })}</p>` : ''}</div>
</div>
<p>${t('consent.lead', { client: view.clientName, user: view.userId })}</p>
<ul class="grants">${grants.map((g) => html`<li>${g}</li>`)}</ul>
${links.length > 0 ? html`<p class="client-links">${links.map((l, i) => html`${i > 0 ? ' · ' : ''}<a href="${l.href}" target="_blank" rel="noopener noreferrer">${l.text}</a>`)}</p>` : ''}
<form method="post" action="${view.action}">
<input type="hidden" name="csrf" value="${view.csrf}">
<div class="actions">
<button type="submit" name="decision" value="deny" class="secondary">${t('consent.deny')}</button>
<button type="submit" name="decision" value="allow">${t('consent.allow')}</button>
</div>
</form>
<p><a href="${view.switchUserUrl}">${t('consent.not_you')}</a></p>
${view.scriptUrl && view.logoUri ? html`<script src="${view.scriptUrl}" defer></script>` : ''}`,
  );
}
