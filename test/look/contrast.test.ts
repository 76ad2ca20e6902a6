import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contrast, formatRatio } from '../../src/domain/contrast.js';
import { themeStylesheet } from '../../src/web/branding.js';
import { PALETTE, type PaletteKey, TEXT_PAIRS, UI_PAIRS } from '../../src/web/style.js';

type Scheme = Record<PaletteKey, string>;

/** Every text pair at 4.5:1 and every control at 3:1, reported all at once. */
function failures(scheme: Scheme, label: string): string[] {
  const out: string[] = [];
  for (const [text, background] of TEXT_PAIRS) {
    const ratio = contrast(scheme[text], scheme[background]);
    if (ratio < 4.5) out.push(`${label}: ${text} on ${background} is ${formatRatio(ratio)}`);
  }
  for (const [ui, background] of UI_PAIRS) {
    const ratio = contrast(scheme[ui], scheme[background]);
    if (ratio < 3) out.push(`${label}: ${ui} against ${background} is ${formatRatio(ratio)}`);
  }
  return out;
}

/** The palette with theme.css's variables applied, per scheme. */
function themed(css: string): { light: Scheme; dark: Scheme } {
  const [lightPart, darkPart = ''] = css.split('@media (prefers-color-scheme:dark)') as [string, string?];
  const vars = (part: string) =>
    Object.fromEntries([...part.matchAll(/--([\w-]+):(#[0-9a-f]{6})/g)].map((m) => [m[1]!, m[2]!]));
  return {
    light: { ...PALETTE.light, ...vars(lightPart) } as Scheme,
    dark: { ...PALETTE.dark, ...vars(darkPart) } as Scheme,
  };
}

test('the contrast formula matches WCAG reference values', () => {
  assert.equal(contrast('#000000', '#ffffff').toFixed(2), '21.00');
  assert.equal(contrast('#ffffff', '#ffffff'), 1);
  assert.equal(contrast('#767676', '#ffffff').toFixed(2), '4.54');
  assert.equal(formatRatio(4.4999), '4.4:1', 'a failure is never rounded up to a pass');
});

test('every text colour of the built-in palette reaches WCAG AA on its background, in both schemes', () => {
  assert.deepEqual([...failures(PALETTE.light, 'light'), ...failures(PALETTE.dark, 'dark')], []);
});

test('colours derived from branding keep every pair readable, whatever the admin picks', () => {
  const primaries = ['#0b5cad', '#6b2fa3', '#b3261e', '#1e6b34', '#000000', '#595959', '#7a4b00', '#005f73'];
  const backgrounds = [
    '#ffffff',
    '#f2f4f7',
    '#102030',
    '#777777',
    '#767676',
    '#ffcc00',
    '#000000',
    '#3a7bd5',
  ];
  const problems: string[] = [];
  for (const primary of primaries)
    for (const background of backgrounds) {
      const { light, dark } = themed(themeStylesheet({ primary, background }));
      assert.equal(light.accent, primary, 'the admin’s colour is used as it is in the light scheme');
      assert.equal(light.bg, background);
      problems.push(...failures(light, `${primary} on ${background} light`));
      problems.push(...failures(dark, `${primary} on ${background} dark`));
    }
  assert.deepEqual(problems, []);
});

test('without branding colours the theme changes nothing', () => {
  assert.doesNotMatch(themeStylesheet({}), /--/);
});
