import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routeEngineNotices } from '../../src/observability/engine-notices.js';
import { createLogger } from '../../src/observability/logger.js';
import { formatLine } from '../../src/observability/text-log.js';
import { startMxauth } from '../helpers/oauth-server.js';

function capture(format: 'json' | 'text' = 'json') {
  const lines: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void lines.push(line) }, format);
  return { logger, lines };
}

test('JSON lines name their level instead of a number', () => {
  const { logger, lines } = capture();
  logger.warn({ user: 'alice' }, 'something to look at');
  const line = JSON.parse(lines[0]!);
  assert.equal(line.level, 'warn');
  assert.equal(line.msg, 'something to look at');
});

test('the text format is one readable line per entry, credentials still redacted, stack below', () => {
  const { logger, lines } = capture('text');
  logger.info({ user: 'alice', password: 'hunter2', note: 'two words' }, 'signed in');
  logger.error({ err: new Error('database gone') }, 'job failed');
  assert.match(
    lines[0]!,
    /^\d\d:\d\d:\d\d\.\d{3} INFO {2}signed in {2}user=alice password=\[redacted\] note="two words"\n$/,
  );
  assert.doesNotMatch(lines[0]!, /hunter2|service=|pid=/);
  assert.match(lines[1]!, /ERROR job failed\n {4}Error: database gone\n +at /);
});

test('a line that is not JSON passes through the text format unchanged', () => {
  assert.equal(formatLine('plain words'), 'plain words\n');
});

test("the engine's console warnings reach the logger as JSON; expected ones at debug; others stay on the console", (t) => {
  const printed: unknown[][] = [];
  t.mock.method(console, 'warn', (...args: unknown[]) => void printed.push(args));
  const { logger, lines } = capture();
  const detach = routeEngineNotices(logger);
  try {
    const esc = String.fromCharCode(27);
    console.warn(`${esc}[31;1moidc-provider WARNING: a key is weak${esc}[0m`);
    console.warn('oidc-provider WARNING: already parsed request body detected, having upstream …');
    console.warn('the host application speaks');
  } finally {
    detach();
  }
  const logged = lines.map((l) => JSON.parse(l));
  assert.deepEqual(
    logged.map((l) => [l.level, l.engine]),
    [
      ['warn', 'a key is weak'],
      ['debug', 'already parsed request body detected, having upstream …'],
    ],
  );
  assert.deepEqual(printed, [['the host application speaks']]);
  // Detached: the engine's lines print as before.
  console.warn('oidc-provider WARNING: after');
  assert.equal(printed.length, 2);
});

test("a running instance logs the engine's notices as its own lines, and says when it has stopped", async () => {
  const { logger, lines } = capture();
  const server = await startMxauth('sqlite', {}, { mxauth: { logger } });
  try {
    // The engine notes once per process that mxauth read the body before it (oauth/hooks.ts bodyGuard).
    await fetch(new URL('oauth2/token', server.base), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code&code=unknown',
    });
  } finally {
    await server.close();
  }
  const logged = lines.map((l) => JSON.parse(l));
  const notice = logged.find((l) => typeof l.engine === 'string' && /already parsed/.test(l.engine));
  assert.equal(notice?.level, 'debug', 'the expected notice, at debug');
  assert.equal(logged.at(-1)?.msg, 'mxauth stopped');
});
