import { html } from '../html.js';
import { layout, type PageChrome } from '../layout.js';

export interface HomeView {
  /** The signed-in Matrix ID, when someone is signed in in this browser. */
  signedInAs?: string;
  accountUrl: string;
  /** Absent when registration is off. */
  registerUrl?: string;
}

/** The start page: what this is, and the way in (sign in, create an account) or to the account. */
export function homePage(chrome: PageChrome, view: HomeView): string {
  const { t } = chrome;
  const service = chrome.frame?.serviceName ?? chrome.serverName;
  return layout(
    chrome,
    t('home.title', { service }),
    html`<h1>${t('home.title', { service })}</h1>
<p class="lead">${t('home.lead', { server: chrome.serverName })}</p>
<p>${t('home.apps')}</p>
${
  view.signedInAs
    ? html`<p>${t('home.signed_in', { user: view.signedInAs })}</p>
<div class="actions"><a class="button" href="${view.accountUrl}">${t('home.account')}</a></div>`
    : html`<div class="actions"><a class="button" href="${view.accountUrl}">${t('home.sign_in')}</a>${
        view.registerUrl
          ? html`<a class="button secondary" href="${view.registerUrl}">${t('home.create_account')}</a>`
          : ''
      }</div>`
}`,
  );
}
