import type { Config } from '../config/config.js';
import { formatProblem } from '../config/problems.js';
import { AA_TEXT_CONTRAST, contrast, mix } from '../domain/contrast.js';
import { publicPath } from './base-path.js';
import { type CatalogOverrides, Catalogs, englishText } from './i18n.js';
import { PALETTE, type PaletteKey, variables } from './style.js';
import { loadOverrides, type Overrides } from './templates.js';

/** Everything about the pages' appearance that follows from the configuration, built once per instance. */
export interface Look {
  catalogs: Catalogs;
  overrides: Overrides;
  /** Header and <title>: the branding's service name, else the Matrix server name. */
  serviceName: string;
  /** An https URL, or the public path of an image from the override directory. */
  logoSrc: string | undefined;
  faviconSrc: string | undefined;
  /** /assets/theme.css: the branding colours and the colours derived to go with them. */
  themeCss: string;
  branding: Config['branding'];
}

/** The override directory is broken: mxauth does not start, and says which file is at fault. */
export class OverridesError extends Error {
  constructor(readonly problems: { path: string; message: string }[]) {
    super(`invalid page overrides:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
  }
}

const looks = new WeakMap<Config, Look>();

/**
 * The look of one configuration. The override directory is read on the first call (when the routes are
 * built at start), never per request; every page, asset and the language switch share the result.
 */
export function lookOf(config: Config): Look {
  let look = looks.get(config);
  if (!look) {
    look = buildLook(config);
    looks.set(config, look);
  }
  return look;
}

function buildLook(config: Config): Look {
  const loaded = loadOverrides(config.templates.path, { english: englishText });
  if (!loaded.ok) throw new OverridesError(loaded.error);
  const overrides = loaded.value;
  const { branding } = config;
  const brandPath = (file: string) =>
    publicPath(config.http.publicBase.pathname, `/assets/brand/${encodeURIComponent(file)}`);

  let logoSrc: string | undefined;
  if (branding.logo_uri?.startsWith('https://')) logoSrc = branding.logo_uri;
  else if (branding.logo_uri !== undefined) {
    // The configuration check has made sure of this already; this covers a file removed since.
    if (!overrides.images.has(branding.logo_uri))
      throw new OverridesError([
        {
          path: 'branding.logo_uri',
          message: `${branding.logo_uri} is not an image in templates.path (png, jpg, gif, webp, avif, svg or ico)`,
        },
      ]);
    logoSrc = brandPath(branding.logo_uri);
  }
  const favicon = ['favicon.svg', 'favicon.png', 'favicon.ico'].find((f) => overrides.images.has(f));

  return {
    catalogs: new Catalogs(overrides.messages as CatalogOverrides),
    overrides,
    serviceName: branding.service_name ?? config.matrix.homeserver,
    logoSrc,
    faviconSrc: favicon && brandPath(favicon),
    themeCss: themeStylesheet(branding.colors),
    branding,
  };
}

type Scheme = Record<PaletteKey, string>;

/**
 * The stylesheet for the branding colours. An admin picks two colours for the light scheme; the others
 * are derived so every pair still reaches WCAG AA: text on the page background turns light or dark as
 * the background needs, and the dark scheme gets a lighter shade of the primary colour that reads on
 * dark surfaces. (The configuration check has refused a primary colour white text is unreadable on.)
 */
export function themeStylesheet(colors: { primary?: string; background?: string }): string {
  const light: Partial<Scheme> = {};
  const dark: Partial<Scheme> = {};
  if (colors.primary) {
    Object.assign(light, lightAccent(colors.primary));
    Object.assign(dark, darkAccent(colors.primary));
  }
  if (colors.background) {
    Object.assign(light, onBackground(colors.background));
    // theme.css comes after the built-in stylesheet, so its :root rule would also win in the dark scheme.
    const { bg, 'on-bg': onBg, 'on-bg-muted': onBgMuted } = PALETTE.dark;
    Object.assign(dark, { bg, 'on-bg': onBg, 'on-bg-muted': onBgMuted });
  }
  const rules = ['/* Generated from branding.colors in the mxauth configuration. */'];
  if (Object.keys(light).length > 0) rules.push(`:root{${variables(light)}}`);
  if (Object.keys(dark).length > 0)
    rules.push(`@media (prefers-color-scheme:dark){:root{${variables(dark)}}}`);
  return `${rules.join('\n')}\n`;
}

const readable = (text: string, background: string) => contrast(text, background) >= AA_TEXT_CONTRAST;

/** Steps from `from` towards `to` until `ok` holds; `to` itself when nothing before it does. */
function towards(from: string, to: string, ok: (colour: string) => boolean): string {
  for (let step = 0; step <= 20; step++) {
    const colour = mix(from, to, step / 20);
    if (ok(colour)) return colour;
  }
  return to;
}

function lightAccent(primary: string): Partial<Scheme> {
  const { card, fg, muted } = PALETTE.light;
  // Hover darkens, which only raises the contrast with the white text on buttons.
  const hover = mix(primary, '#000000', 0.18);
  // A faint tint of the brand for highlighted rows, as long as text and links stay readable on it.
  const highlight = towards(mix(primary, card, 0.9), card, (c) =>
    [primary, fg, muted].every((text) => readable(text, c)),
  );
  return { accent: primary, 'accent-hover': hover, 'accent-fg': '#ffffff', highlight };
}

function darkAccent(primary: string): Partial<Scheme> {
  const { bg, card, highlight } = PALETTE.dark;
  const text = PALETTE.dark['accent-fg'];
  const accent = towards(
    primary,
    '#ffffff',
    (c) => [bg, card, highlight].every((surface) => readable(c, surface)) && readable(text, c),
  );
  return { accent, 'accent-hover': mix(accent, '#ffffff', 0.3), 'accent-fg': text };
}

function onBackground(background: string): Partial<Scheme> {
  const preferred = PALETTE.light['on-bg'];
  // The built-in text colour when it reads on the background, else whichever of white and black reads best.
  const text = readable(preferred, background)
    ? preferred
    : contrast('#ffffff', background) >= contrast('#000000', background)
      ? '#ffffff'
      : '#000000';
  // Secondary text is the main text faded towards the background, as far as contrast allows.
  let faded = text;
  for (let step = 1; step <= 7; step++) {
    const candidate = mix(text, background, step / 20);
    if (!readable(candidate, background)) break;
    faded = candidate;
  }
  return { bg: background, 'on-bg': text, 'on-bg-muted': faded };
}
