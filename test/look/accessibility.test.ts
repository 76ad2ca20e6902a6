import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, newContext } from '../helpers/chromium.js';
import { type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';
import { FIRST_HOUR_PAGES, walkFirstHourPages } from './first-hour-tour.js';
import {
  MAIN_PAGES,
  MORE_PAGES,
  MORE_PAGES_CONFIG,
  openRegistration,
  openSignIn,
  prepareTour,
  TOUR_PASSWORD,
  type Tour,
  walkMainPages,
  walkMorePages,
} from './tour.js';

/*
 * axe-core is evaluated in the page rather than added as a <script> tag: the pages' Content-Security-
 * Policy (script-src 'self') blocks inline scripts, and the audit should see the pages under the policy
 * people get, not with it switched off.
 */
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

interface AxeResult {
  violations: { id: string; help: string; nodes: { target: string[]; failureSummary?: string }[] }[];
  passes: { id: string }[];
}

async function audit(page: Page): Promise<AxeResult> {
  await page.evaluate(AXE);
  return page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(WCAG_AA)} }, resultTypes: ['violations', 'passes'] })`,
  ) as Promise<AxeResult>;
}

/**
 * The controls on the page smaller than a 44 px touch target: buttons, fields, button-like and
 * navigation links. A checkbox counts by its label, which takes the tap for it; links inside a sentence
 * are exempt (WCAG 2.5.5 "inline").
 */
const SMALL_TARGETS = `(() => {
  const small = [];
  for (const e of document.querySelectorAll('button, input:not([type=hidden]), select, textarea, a.button, nav a, a.skip')) {
    if (e.getClientRects().length === 0) continue;
    const target = e.type === 'checkbox' || e.type === 'radio' ? e.closest('label') ?? e.labels?.[0] : e;
    const box = target?.getBoundingClientRect();
    if (!box || box.height < 44 || box.width < 44)
      small.push(e.outerHTML.slice(0, 120) + (box ? ' ' + Math.round(box.width) + 'x' + Math.round(box.height) : ''));
  }
  return small;
})()`;

/**
 * Audits every page a walk stops on in both schemes, and checks touch targets and that nothing is
 * wider than the screen (a phone never scrolls sideways). Returns the pages audited and the problems.
 */
async function auditWalk(
  walk: (visit: (name: string, page: Page) => Promise<void>) => Promise<void>,
): Promise<{ audited: string[]; problems: string[] }> {
  const audited: string[] = [];
  const problems: string[] = [];
  await walk(async (name, page) => {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      const result = await audit(page);
      assert.ok(
        result.passes.some((p) => p.id === 'color-contrast'),
        `${name}: the contrast rule ran and found text to check`,
      );
      problems.push(...describeViolations(result).map((v) => `${name} (${colorScheme}): ${v}`));
    }
    await page.emulateMedia({ colorScheme: 'light' });
    for (const small of (await page.evaluate(SMALL_TARGETS)) as string[])
      problems.push(`${name}: a touch target under 44 px: ${small}`);
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    if ((overflow as number) > 0) problems.push(`${name}: ${overflow} px wider than the viewport`);
    audited.push(name);
  });
  return { audited, problems };
}

/**
 * Presses Tab through the form `selector` from the heading (or from the control `after`), as someone
 * arriving from above would; returns what went wrong: an order other than the document's, a control without a visible
 * focus ring, a field or button under 44 px (links in a sentence and checkboxes, whose label takes the
 * tap, are measured by the target check instead).
 */
async function tabThrough(page: Page, selector: string, atLeast: number, after?: string): Promise<string[]> {
  const expected = await page.$$eval(
    `${selector} :is(input:not([type=hidden]), button, select, textarea, a[href])`,
    (elements) => elements.map((e) => (e as unknown as { outerHTML: string }).outerHTML),
  );
  assert.ok(expected.length >= atLeast, `${atLeast} controls at least in ${selector}`);
  // Clicking the heading focuses <main> (tabindex=-1): Tab then goes to its first control.
  if (after) await page.focus(after);
  else await page.click('h1');
  const problems: string[] = [];
  const reached: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    await page.keyboard.press('Tab');
    const focused = (await page.evaluate(`(() => {
      const e = document.activeElement;
      const style = getComputedStyle(e);
      return {
        html: e.outerHTML,
        visible: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
        size: e.getBoundingClientRect().height,
        small: e.tagName === 'A' || e.type === 'checkbox' || e.type === 'radio',
      };
    })()`)) as { html: string; visible: boolean; size: number; small: boolean };
    reached.push(focused.html);
    if (!focused.visible) problems.push(`no visible focus ring on ${focused.html}`);
    if (!focused.small && focused.size < 44) problems.push(`a touch target under 44 px: ${focused.html}`);
  }
  assert.deepEqual(reached, expected, 'Tab follows the order of the form');
  return problems;
}

function describeViolations(result: AxeResult): string[] {
  return result.violations.map(
    (v) =>
      `${v.id} (${v.help}): ${v.nodes
        .slice(0, 3)
        .map((n) => `${n.target.join(' ')} — ${n.failureSummary?.split('\n').slice(1).join(' ').trim()}`)
        .join('; ')}`,
  );
}

// The pages render the same whatever the database (their data comes through the same services, tested on
// both elsewhere); the audit of 17 pages in 2 widths and 2 colour schemes runs once, on SQLite.
for (const kind of ['sqlite'] as const) {
  describe(`accessibility in Chromium [${kind}]`, () => {
    let browser: Browser;
    let server: RunningMxauth;
    let tour: Tour;
    /** Terms, recovery and phone numbers switched on, for the other pages. */
    let more: RunningMxauth;
    let moreTour: Tour;

    before(async () => {
      browser = await launchChromium();
      server = await startMxauth(kind);
      tour = await prepareTour(server);
      more = await startMxauth(kind, MORE_PAGES_CONFIG);
      moreTour = await prepareTour(more);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
      await more?.close();
    });

    for (const width of [390, 1280]) {
      test(`the main pages pass the WCAG 2.1 A/AA audit at ${width} px in both schemes, with 44 px targets and nothing wider than the screen`, async () => {
        const context = await newContext(browser, { width });
        try {
          const { audited, problems } = await auditWalk((visit) => walkMainPages(tour, context, visit));
          assert.deepEqual(audited, [...MAIN_PAGES]);
          assert.deepEqual(problems, []);
        } finally {
          await context.close();
        }
      });

      test(`the first hour's pages (start, not found, unknown app in en and de, failing logo, refused password, database down) pass the WCAG 2.1 A/AA audit at ${width} px in both schemes, with 44 px targets and nothing wider than the screen`, async () => {
        const context = await newContext(browser, { width });
        try {
          const { audited, problems } = await auditWalk((visit) => walkFirstHourPages(tour, context, visit));
          assert.deepEqual(audited, [...FIRST_HOUR_PAGES]);
          assert.deepEqual(problems, []);
        } finally {
          await context.close();
        }
      });

      test(`registration, terms, recovery and the account views pass the WCAG 2.1 A/AA audit at ${width} px in both schemes, with 44 px targets and nothing wider than the screen`, async () => {
        const context = await newContext(browser, { width });
        try {
          const { audited, problems } = await auditWalk((visit) => walkMorePages(moreTour, context, visit));
          assert.deepEqual(audited, [...MORE_PAGES]);
          assert.deepEqual(problems, []);
        } finally {
          await context.close();
        }
      });
    }

    test('branding colours and the footer keep the pages accessible in both schemes', async () => {
      const branded = await startMxauth(kind, {
        branding: {
          service_name: 'Example Chat',
          colors: { primary: '#6b2fa3', background: '#1f3a5f' },
          footer_links: [{ text: 'Imprint', uri: 'https://example.org/imprint' }],
          policy_uri: 'https://example.org/privacy',
          imprint: 'Example e.V., Musterstraße 1',
        },
      });
      const problems: string[] = [];
      try {
        // Contrast does not depend on the width; the phone's is the one with the least room.
        const context = await newContext(browser, { width: 390 });
        try {
          const page = await context.newPage();
          for (const path of ['link', 'authorize?client_id=nobody&response_type=code']) {
            await page.goto(`${branded.base}${path}`);
            for (const colorScheme of ['light', 'dark'] as const) {
              await page.emulateMedia({ colorScheme });
              problems.push(
                ...describeViolations(await audit(page)).map((v) => `${path} ${colorScheme}: ${v}`),
              );
            }
          }
        } finally {
          await context.close();
        }
      } finally {
        await branded.close();
      }
      assert.deepEqual(problems, []);
    });

    test('Tab reaches every field and button of the sign-in form in order, each with a visible focus ring', async () => {
      const context = await newContext(browser, { width: 390 });
      try {
        const page = await context.newPage();
        await openSignIn(tour, page);
        assert.deepEqual(await tabThrough(page, 'form:has(input[name=password])', 3), []);
      } finally {
        await context.close();
      }
    });

    test('Tab reaches every control of the registration form (terms checkbox and link too) with a visible focus ring', async () => {
      const context = await newContext(browser, { width: 390 });
      try {
        const page = await context.newPage();
        await openRegistration(moreTour, page);
        assert.deepEqual(await tabThrough(page, 'form:has(input[name=password_confirm])', 8), []);
      } finally {
        await context.close();
      }
    });

    test('Tab reaches every control of the account password form with a visible focus ring', async () => {
      const context = await newContext(browser, { width: 1280 });
      try {
        const page = await context.newPage();
        await page.goto(`${more.base}account/password`);
        await page.fill('input[name=username]', moreTour.localpart);
        await page.fill('input[name=password]', TOUR_PASSWORD);
        await page.press('input[name=password]', 'Enter');
        // The account has not accepted this server's terms yet: they come first.
        await page.check('input[name=accept_terms]');
        await page.click('button[name=decision][value=accept]');
        await page.waitForSelector('input[name=current_password]');
        assert.deepEqual(
          await tabThrough(
            page,
            'form:has(input[name=current_password])',
            5,
            'nav.account-nav li:last-child a',
          ),
          [],
        );
      } finally {
        await context.close();
      }
    });
  });
}
