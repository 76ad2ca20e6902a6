import { statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { AA_TEXT_CONTRAST, contrast, formatRatio } from '../domain/contrast.js';
import { ioReason } from './read.js';
import type { ReportAt } from './resolution.js';
import type { ConfigFile } from './schema.js';

/** Image files the override directory may hold, by extension, with the content type they are served as. */
export const BRAND_IMAGE_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/** File names of the override directory that are served as they are: no directories, no dot files. */
export const BRAND_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

type Branding = ConfigFile['branding'];

/** Branding people could not read, or links a page should not carry. */
export function checkBranding(branding: Branding, templatesPath: string | undefined, at: ReportAt): void {
  checkPrimaryColour(branding, at);
  checkLinks(branding, at);
  const directory = templatesPath !== undefined && isDirectory(templatesPath, at);
  checkLogo(branding.logo_uri, templatesPath, directory, at('branding.logo_uri'));
}

/**
 * The primary colour is the text on white cards (links) and the background of white button text, so it
 * needs WCAG AA's 4.5:1 against white; the colours that go with an admin's background are derived to
 * reach it (web/branding.ts).
 */
function checkPrimaryColour(branding: Branding, at: ReportAt): void {
  const { primary } = branding.colors;
  if (primary === undefined) return;
  const ratio = contrast(primary, '#ffffff');
  if (ratio < AA_TEXT_CONTRAST)
    at('branding.colors.primary')(
      `${primary} has a contrast of ${formatRatio(ratio)} with white (the text on buttons, the cards links sit on); WCAG AA needs at least ${AA_TEXT_CONTRAST}:1: choose a darker colour`,
    );
}

function checkLinks(branding: Branding, at: ReportAt): void {
  const links: [string, string][] = [
    ...branding.footer_links.map((l, i): [string, string] => [`branding.footer_links.${i}.uri`, l.uri]),
    ...(branding.policy_uri ? [['branding.policy_uri', branding.policy_uri] as [string, string]] : []),
    ...(branding.tos_uri ? [['branding.tos_uri', branding.tos_uri] as [string, string]] : []),
  ];
  for (const [where, uri] of links)
    if (!/^(https?|mailto):/i.test(uri)) at(where)('must be an https, http or mailto link');
}

function isDirectory(templatesPath: string, at: ReportAt): boolean {
  try {
    const directory = statSync(templatesPath).isDirectory();
    if (!directory) at('templates.path')(`${templatesPath} is not a directory`);
    return directory;
  } catch (e) {
    at('templates.path')(`cannot read ${templatesPath}: ${ioReason(e)}`);
    return false;
  }
}

/** The logo is an https URL, or an image file directly in the override directory. */
function checkLogo(
  logo: string | undefined,
  templatesPath: string | undefined,
  directory: boolean,
  logoAt: (message: string) => void,
): void {
  if (logo === undefined) return;
  if (/^[a-z][a-z0-9+.-]*:/i.test(logo)) {
    if (!URL.canParse(logo) || !logo.toLowerCase().startsWith('https://'))
      logoAt('must be an https URL or the name of an image file in templates.path');
    return;
  }
  if (!BRAND_FILE_NAME.test(logo) || !BRAND_IMAGE_TYPES[extname(logo).toLowerCase()]) {
    logoAt(
      `"${logo}" must be the name of an image file directly in templates.path (${Object.keys(BRAND_IMAGE_TYPES).join(', ')}), or an https URL`,
    );
    return;
  }
  if (templatesPath === undefined) {
    logoAt(`names a file (${logo}), so templates.path must be set to the directory that holds it`);
    return;
  }
  if (!directory) return;
  const path = join(templatesPath, logo);
  try {
    if (!statSync(path).isFile()) logoAt(`${path} is not a file`);
  } catch (e) {
    logoAt(`cannot read ${path}: ${ioReason(e)}`);
  }
}
