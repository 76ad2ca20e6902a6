import { html, type SafeHtml } from './html.js';
import type { Translate } from './i18n.js';

export interface PageChrome {
  t: Translate;
  /** Shown in the header: the Matrix server name. */
  serverName: string;
  /** Path prefix of mxauth's assets (`/assets/`). */
  assetsBase: string;
}

/** The frame every page shares: language, title, stylesheet, header and a single <main> landmark. */
export function layout(
  chrome: PageChrome,
  title: string,
  body: SafeHtml,
  options: { wide?: boolean } = {},
): string {
  return html`<!doctype html>
<html lang="${chrome.t.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="strict-origin">
<title>${title} · ${chrome.serverName}</title>
<link rel="stylesheet" href="${chrome.assetsBase}mxauth.css">
</head>
<body>
<header class="site">${chrome.serverName}</header>
<main><div class="card${options.wide ? ' wide' : ''}">
${body}
</div></main>
<footer class="site">mxauth</footer>
</body>
</html>
`.value;
}

/** A page with a heading and one paragraph: outcomes and errors. */
export function messagePage(chrome: PageChrome, title: string, message: string): string {
  return layout(chrome, title, html`<h1>${title}</h1><p>${message}</p>`);
}
