/*
 * Colour contrast as WCAG 2 defines it: text needs 4.5:1 against its background at level AA. Used to
 * refuse branding colours people could not read, and to derive the colours that go with them.
 */

/** WCAG AA's minimum for normal text. */
export const AA_TEXT_CONTRAST = 4.5;

type Rgb = readonly [number, number, number];

/** `#rrggbb` (the only form the configuration accepts) as 0–255 channels. */
export function parseHex(hex: string): Rgb {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [parseInt(match[1]!, 16), parseInt(match[2]!, 16), parseInt(match[3]!, 16)];
}

export function toHex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
}

/** Relative luminance (WCAG 2.x, sRGB). */
export function luminance(hex: string): number {
  const [r, g, b] = parseHex(hex).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as unknown as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The contrast ratio of two colours, from 1 (same) to 21 (black on white). */
export function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** `a` moved towards `b` by `amount` (0 = a, 1 = b), channel by channel. */
export function mix(a: string, b: string, amount: number): string {
  const from = parseHex(a);
  const to = parseHex(b);
  return toHex(from.map((c, i) => c + (to[i]! - c) * amount) as unknown as Rgb);
}

/** Contrast rounded down to one decimal, as people quote it ("4.4:1"): never rounds a failure up to a pass. */
export function formatRatio(ratio: number): string {
  return `${Math.floor(ratio * 10) / 10}:1`;
}
