import type { Logger } from './logger.js';

/**
 * oidc-provider prints its notices and warnings with console.info / console.warn ("oidc-provider
 * WARNING: …", coloured on a terminal), outside any log format. While an mxauth instance runs, those
 * lines go to its logger instead, as JSON like every other line; anything else printed to the console is
 * left alone (mxauth may be embedded in a host that prints its own).
 *
 * Some notices are expected with mxauth's setup and are logged at debug, saying why (below).
 */
const EXPECTED: readonly { pattern: RegExp; why: string }[] = [
  {
    // mxauth reads and checks every body before the engine sees it (oauth/hooks.ts bodyGuard).
    pattern: /already parsed request body detected/,
    why: 'mxauth reads request bodies before the engine, to check them',
  },
  {
    // oidc-provider 9 names Node.js 22 as its runtime; mxauth supports and tests Node.js >= 20.19.
    pattern: /Unsupported runtime/,
    why: 'mxauth is tested on Node.js 20.19 and later',
  },
];

const PREFIX = /^oidc-provider (NOTICE|WARNING): ([\s\S]*)$/;
const ESC = String.fromCharCode(27);

/** The line without the colour codes the engine adds on a terminal (`ESC[33;1m … ESC[0m`). */
function uncoloured(line: string): string {
  let text = line;
  if (text.startsWith(`${ESC}[`)) text = text.slice(text.indexOf('m') + 1);
  if (text.endsWith(`${ESC}[0m`)) text = text.slice(0, -`${ESC}[0m`.length);
  return text;
}

type ConsoleMethod = (...args: unknown[]) => void;

const attached: Logger[] = [];
let original: { info: ConsoleMethod; warn: ConsoleMethod } | undefined;

/** Routes the engine's console lines to `logger` until the returned function is called. */
export function routeEngineNotices(logger: Logger): () => void {
  if (!original) {
    original = { info: console.info, warn: console.warn };
    console.info = divert(original.info);
    console.warn = divert(original.warn);
  }
  attached.push(logger);
  return () => {
    const index = attached.lastIndexOf(logger);
    if (index !== -1) attached.splice(index, 1);
    if (attached.length === 0 && original) {
      console.info = original.info;
      console.warn = original.warn;
      original = undefined;
    }
  };
}

function divert(print: ConsoleMethod): ConsoleMethod {
  return (...args: unknown[]) => {
    const logger = attached.at(-1);
    const match =
      logger && args.length === 1 && typeof args[0] === 'string' && PREFIX.exec(uncoloured(args[0]));
    if (!logger || !match) return print(...args);
    const [, kind, text = ''] = match;
    const expected = EXPECTED.find((e) => e.pattern.test(text));
    if (expected) logger.debug({ engine: text, expected: expected.why }, 'OAuth engine notice');
    else if (kind === 'WARNING') logger.warn({ engine: text }, 'OAuth engine warning');
    else logger.info({ engine: text }, 'OAuth engine notice');
  };
}
