import { html, type SafeHtml } from './html.js';
import type { Translate } from './i18n.js';
import { type LayoutPlaceholder, type LayoutTemplate, parseLayout } from './templates.js';

export interface PageChrome {
  t: Translate;
  /** The Matrix server name (user ids are `@name:serverName`). */
  serverName: string;
  /** Path prefix of mxauth's assets (`/assets/`). */
  assetsBase: string;
  /** The start page (public_base's path), where error pages lead back to; `/` when not set. */
  home?: string;
  /** Branding, language switch and footer; pageChrome() always sets it. Without it, a plain frame. */
  frame?: Frame;
}

/** The parts of the frame around every page that come from branding and the request. */
export interface Frame {
  /** Header and <title>. */
  serviceName: string;
  logoSrc: string | undefined;
  faviconSrc: string | undefined;
  stylesheets: readonly string[];
  languages: readonly { language: string; name: string; href: string; current: boolean }[];
  footerLinks: readonly { text: string; href: string }[];
  imprint: string | undefined;
  /** The override directory's layout.html; the built-in frame when absent. */
  template: LayoutTemplate | undefined;
}

/**
 * The built-in frame, written in the same placeholders an admin's layout.html uses (docs/branding.md),
 * so both are filled in by one function.
 */
export const DEFAULT_LAYOUT = `<!doctype html>
<html lang="{{lang}}" dir="{{dir}}">
<head>
{{head}}
<title>{{title}}</title>
</head>
<body>
{{header}}
{{content}}
{{footer}}
</body>
</html>
`;

const defaultTemplate = (() => {
  const parsed = parseLayout(DEFAULT_LAYOUT);
  if (!parsed.ok) throw new Error(`the built-in layout is broken: ${parsed.error.join('; ')}`);
  return parsed.value;
})();

/** Scripts that write right to left; every other language is shown left to right. */
const RTL = new Set(['ar', 'arc', 'ckb', 'dv', 'fa', 'he', 'ku', 'ps', 'sd', 'ug', 'ur', 'yi']);

/**
 * The frame every page shares: language, title, stylesheets, header with the language switch, a single
 * <main> landmark holding the page in a card, and the footer.
 */
export function layout(
  chrome: PageChrome,
  title: string,
  body: SafeHtml,
  options: { wide?: boolean } = {},
): string {
  const { t } = chrome;
  const frame = chrome.frame ?? plainFrame(chrome);
  const brand = html`<div class="brand">${frame.logoSrc ? html`<img src="${frame.logoSrc}" alt="">` : ''}<span>${frame.serviceName}</span></div>`;
  const languageSwitch =
    frame.languages.length > 1
      ? html`<nav class="languages" aria-label="${t('language.label')}"><ul>${frame.languages.map(
          (l) =>
            html`<li><a href="${l.href}" hreflang="${l.language}" lang="${l.language}"${l.current ? html` aria-current="true"` : ''}>${l.name}</a></li>`,
        )}</ul></nav>`
      : html``;
  const values: Record<LayoutPlaceholder, SafeHtml | string> = {
    lang: t.language,
    dir: RTL.has(t.language.split('-')[0]!) ? 'rtl' : 'ltr',
    title: `${title} · ${frame.serviceName}`,
    head: html`<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<meta name="color-scheme" content="light dark">
${frame.stylesheets.map((href, i) => html`${i > 0 ? '\n' : ''}<link rel="stylesheet" href="${href}">`)}${frame.faviconSrc ? html`\n<link rel="icon" href="${frame.faviconSrc}">` : ''}`,
    brand,
    language_switch: languageSwitch,
    header: html`<a class="skip" href="#main">${t('layout.skip')}</a>
<header class="site">${brand}${languageSwitch}</header>`,
    content: html`<main id="main" tabindex="-1"><div class="card${options.wide ? ' wide' : ''}">
${body}
</div></main>`,
    footer: footer(t, frame),
    service_name: frame.serviceName,
    assets: chrome.assetsBase,
  };
  return (frame.template ?? defaultTemplate)
    .map((part) => (typeof part === 'string' ? part : html`${values[part.placeholder]}`.value))
    .join('');
}

function footer(t: Translate, frame: Frame): SafeHtml {
  return html`<footer class="site">
${
  frame.footerLinks.length > 0
    ? html`<nav aria-label="${t('footer.label')}"><ul>${frame.footerLinks.map(
        (l) => html`<li><a href="${l.href}">${l.text}</a></li>`,
      )}</ul></nav>`
    : ''
}
${frame.imprint ? html`<p>${frame.imprint}</p>` : ''}
<p>${t('footer.powered_by')}</p>
</footer>`;
}

/** The frame for a chrome put together by hand (tests, embedders): the server name, no branding. */
function plainFrame(chrome: PageChrome): Frame {
  return {
    serviceName: chrome.serverName,
    logoSrc: undefined,
    faviconSrc: undefined,
    stylesheets: [`${chrome.assetsBase}mxauth.css`],
    languages: [],
    footerLinks: [],
    imprint: undefined,
    template: undefined,
  };
}

/** A page with a heading and one paragraph: outcomes and errors. */
export function messagePage(chrome: PageChrome, title: string, message: string): string {
  return layout(chrome, title, html`<h1>${title}</h1><p>${message}</p>`);
}
