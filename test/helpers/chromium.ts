import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/**
 * Debian's Chromium, driven through playwright-core. Browsers are never downloaded: CI installs the
 * distribution package (.ci/run), and MXAUTH_TEST_CHROMIUM points elsewhere when needed.
 */
export const CHROMIUM_PATH = process.env.MXAUTH_TEST_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(
      `the browser tests need Chromium at ${CHROMIUM_PATH}: apt-get install chromium (or set MXAUTH_TEST_CHROMIUM)`,
    );
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

let addresses = 0;

/**
 * A fresh browser context (its own cookies) at a phone or desktop width. Requests carry an address of
 * their own through X-Forwarded-For (mxauth believes it from loopback), so one test's sign-in attempts
 * never use up another's per-IP limit. Requests to the test client (app.example.com) are answered
 * locally: nothing leaves the machine.
 */
export async function newContext(
  browser: Browser,
  options: { width?: number; colorScheme?: 'light' | 'dark'; locale?: string } = {},
): Promise<BrowserContext> {
  addresses++;
  const width = options.width ?? 1280;
  const context = await browser.newContext({
    viewport: { width, height: width < 600 ? 844 : 900 },
    deviceScaleFactor: 1,
    colorScheme: options.colorScheme ?? 'light',
    locale: options.locale ?? 'en-US',
    reducedMotion: 'reduce',
    extraHTTPHeaders: {
      'x-forwarded-for': `198.18.${Math.floor(addresses / 250)}.${(addresses % 250) + 1}`,
    },
  });
  // Pages answer in milliseconds; a wait that runs long is a selector that will never match.
  context.setDefaultTimeout(10_000);
  await context.route('https://app.example.com/**', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>app</title>' }),
  );
  return context;
}

/**
 * What goes wrong on `page` from now on, as a list to assert empty: script errors, console errors (a
 * CSP refusal is one) and answers of 400 or more. Failed loads are listed by their response instead.
 */
export function collectPageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('response', (response) => {
    if (response.status() >= 400 && !response.url().endsWith('/favicon.ico'))
      problems.push(`${response.status()} ${response.url()}`);
  });
  return problems;
}
