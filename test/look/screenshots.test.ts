import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newContext } from '../helpers/chromium.js';
import { type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';
import { FIRST_HOUR_PAGES, walkFirstHourPages } from './first-hour-tour.js';
import {
  MAIN_PAGES,
  MORE_PAGES,
  MORE_PAGES_CONFIG,
  prepareTour,
  type Tour,
  walkMainPages,
  walkMorePages,
} from './tour.js';

/*
 * Screenshots of every page at a phone's and a desktop's width, in the light and the dark scheme, kept
 * as test artifacts for people reviewing a change to the look. With UPDATE_DOC_SCREENSHOTS=1 the two shown in docs/branding.md are
 * replaced too; otherwise the docs are left alone. The pages look the same on either database, so this
 * runs on SQLite only (the accessibility audit covers both).
 */
const ARTIFACTS = 'test-artifacts/screenshots';
const DOCS = 'docs/screenshots';
const DOC_SHOTS = ['login-390.png', 'account-1280.png'];
/** The first hour's pages, kept under docs/screenshots/ for review. */
const FIRST_HOUR_DOC_SHOTS = [
  'home-1280.png',
  'not-found-390.png',
  'unknown-client-en-390.png',
  'unknown-client-de-390.png',
  'database-down-1280.png',
  'consent-failing-logo-390.png',
  'password-refused-390.png',
];
const WIDTHS = [390, 1280];
const SCHEMES = ['light', 'dark'] as const;

let browser: Browser;
let main: RunningMxauth;
let more: RunningMxauth;
let mainTour: Tour;
let moreTour: Tour;

before(async () => {
  browser = await launchChromium();
  main = await startMxauth('sqlite');
  mainTour = await prepareTour(main);
  more = await startMxauth('sqlite', MORE_PAGES_CONFIG);
  moreTour = await prepareTour(more);
  mkdirSync(ARTIFACTS, { recursive: true });
});
after(async () => {
  await browser?.close();
  await main?.close();
  await more?.close();
});

/** Saves every page a walk stops on at each width; returns the files. */
async function shoot(
  walk: (
    context: Awaited<ReturnType<typeof newContext>>,
    visit: (name: string, page: Page) => Promise<void>,
  ) => Promise<void>,
): Promise<string[]> {
  const saved: string[] = [];
  for (const width of WIDTHS) {
    const context = await newContext(browser, { width });
    try {
      await walk(context, async (name, page) => {
        for (const scheme of SCHEMES) {
          await page.emulateMedia({ colorScheme: scheme });
          const file = join(ARTIFACTS, `${name}-${width}${scheme === 'dark' ? '-dark' : ''}.png`);
          await page.screenshot({ path: file, fullPage: true });
          saved.push(file);
        }
        await page.emulateMedia({ colorScheme: 'light' });
      });
    } finally {
      await context.close();
    }
  }
  return saved;
}

/** Each file is a PNG as wide as the viewport it was taken at. */
function assertShots(saved: string[], names: readonly string[]): void {
  assert.deepEqual(
    [...saved].sort(),
    WIDTHS.flatMap((width) => names.flatMap((name) => [`${name}-${width}.png`, `${name}-${width}-dark.png`]))
      .map((file) => join(ARTIFACTS, file))
      .sort(),
  );
  for (const file of saved) {
    const png = readFileSync(file);
    assert.equal(png.subarray(1, 4).toString(), 'PNG', file);
    // The width is in the IHDR chunk.
    assert.equal(png.readUInt32BE(16), Number(/-(\d+)(?:-dark)?\.png$/.exec(file)![1]), file);
  }
}

test('screenshots of the main pages at 390 and 1280 px', async () => {
  assertShots(await shoot((context, visit) => walkMainPages(mainTour, context, visit)), MAIN_PAGES);
  if (process.env.UPDATE_DOC_SCREENSHOTS === '1')
    for (const shot of DOC_SHOTS) copyFileSync(join(ARTIFACTS, shot), join(DOCS, shot));
});

test('screenshots of the first hour’s pages (start, not found, unknown app, failing logo, refused password, database down) at 390 and 1280 px', async () => {
  assertShots(
    await shoot((context, visit) => walkFirstHourPages(mainTour, context, visit)),
    FIRST_HOUR_PAGES,
  );
  if (process.env.UPDATE_DOC_SCREENSHOTS === '1')
    for (const shot of FIRST_HOUR_DOC_SHOTS) copyFileSync(join(ARTIFACTS, shot), join(DOCS, shot));
});

test('screenshots of registration, terms, recovery and every account view at 390 and 1280 px', async () => {
  assertShots(await shoot((context, visit) => walkMorePages(moreTour, context, visit)), MORE_PAGES);
});
