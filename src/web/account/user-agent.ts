/** Longest user agent shown as it is, when it names no browser this parser knows. */
const RAW_LIMIT = 60;

const BROWSERS: [RegExp, string][] = [
  // Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
  [/\bEdg(?:e|A|iOS)?\/[\d.]+/, 'Edge'],
  [/\b(?:OPR|Opera)\/[\d.]+/, 'Opera'],
  [/\bSamsungBrowser\/[\d.]+/, 'Samsung Internet'],
  [/\b(?:Firefox|FxiOS)\/[\d.]+/, 'Firefox'],
  [/\b(?:Chromium)\/[\d.]+/, 'Chromium'],
  [/\b(?:HeadlessChrome|Chrome|CriOS)\/[\d.]+/, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\/[\d.]+/, 'Safari'],
  [/\bElement\/[\d.]+/, 'Element'],
];

const SYSTEMS: [RegExp, string][] = [
  [/\b(?:iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b|\bX11\b/, 'Linux'],
];

/**
 * A user agent as a person recognises it ("Firefox on Linux", worded by `join` in the page's language),
 * or the raw string cut short when it names no browser known here (a Matrix SDK, a script). Null when
 * there is none.
 */
export function describeUserAgent(
  userAgent: string | null | undefined,
  join: (browser: string, system: string) => string,
): string | null {
  const agent = userAgent?.trim();
  if (!agent) return null;
  const browser = BROWSERS.find(([pattern]) => pattern.test(agent))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(agent))?.[1];
  if (browser && system) return join(browser, system);
  if (browser) return browser;
  return agent.length > RAW_LIMIT ? `${agent.slice(0, RAW_LIMIT - 1)}…` : agent;
}
