import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ROUTES } from '../../src/oauth/provider.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';
import { RawConnection, type RawOutcome } from '../helpers/raw-http.js';

/**
 * Malformed requests in random order over a few keep-alive connections, as a client (or an attacker)
 * reusing its sockets sends them. Each request must be answered within its budget, never with a 5xx, and
 * the connection must stay usable: an answer that never comes (a body left unread on the socket, a
 * reader that never settles) stalls every later request on that connection until the socket times out.
 * Only a body over the size limit may cost the connection.
 *
 * Seeded (MXAUTH_FUZZ_SEED to replay a failure) and bounded; loopback only.
 */

const SEED = Number(process.env.MXAUTH_FUZZ_SEED ?? 0x6d78);
const REQUESTS = Number(process.env.MXAUTH_FUZZ_REQUESTS ?? 1500);
const CONNECTIONS = 4;
/** Per request. A stall is anything longer; mxauth answers these in milliseconds. */
const BUDGET_MS = 2000;
/** Larger than every body limit (the engine's 56 KiB, the pages' 64 KiB). */
const OVERSIZED = 100 * 1024;

/** Besides every path of the route table (`:param` as it is): ids the engine does not know, and nowhere. */
const EXTRA_PATHS = [
  `${ROUTES.authorization}/unknown`,
  `${ROUTES.registration}/unknown`,
  `${ROUTES.code_verification}/unknown`,
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
  '/interaction/unknown',
  '/nowhere',
  '/',
];

/** mulberry32: small, seedable, good enough to pick test cases. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Framing =
  /** Content-Length matches the body. */
  | 'exact'
  /** Transfer-Encoding: chunked, in a few chunks. */
  | 'chunked'
  /** Content-Length shorter than what is sent: the rest is read as a (malformed) next request. */
  | 'short'
  /** Content-Length longer than what is sent, then the client closes its side. */
  | 'truncated';

interface Case {
  head: boolean;
  bytes: Buffer;
  framing: Framing;
  overLimit: boolean;
  label: string;
}

const PARAMS = ['x', '01JUNKJUNKJUNKJUNKJUNKJUNK', '%00', '..%2fconfig.yaml', '%FF%FE', 'a'.repeat(300)];
const QUERIES = [
  '',
  '',
  '?lang=de',
  '?client_id=%ZZ&response_type=code',
  '?action=org.matrix.device_view&device_id=%00',
  '?scope=openid&redirect_uri=javascript:alert(1)',
  `?q=${'%FF'.repeat(50)}`,
];
const TYPES = [
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=bogus',
  'text/plain',
  'multipart/form-data; boundary=x',
];
const BODIES: (() => Buffer)[] = [
  () => Buffer.alloc(0),
  () => Buffer.from('{"type":"m.login.password","user":"a","password":"b"}'),
  () => Buffer.from('{"unterminated":'),
  () => Buffer.from(`${'['.repeat(20_000)}${']'.repeat(20_000)}`),
  () => Buffer.from(`${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`),
  () => Buffer.from([0x61, 0x3d, 0xff, 0xfe, 0xc3, 0x28, 0x26, 0x62, 0x3d, 0xed, 0xa0, 0x80]),
  () => Buffer.from('csrf=forged&username=%00&password=x&user_code=%FF&code=123456'),
  () => Buffer.from('a=%ZZ&&==&%00=%00'),
  () => Buffer.from(JSON.stringify({ redirect_uris: 'nope', client_uri: 'https://a.example/' })),
];

function makeCase(next: () => number, paths: readonly string[]): Case {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const method = pick(['GET', 'GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'HEAD']);
  const path = pick(paths).replace(/:[A-Za-z_]+/g, () => pick(PARAMS));
  const target = path + pick(QUERIES);
  const roll = next();
  const overLimit = roll < 0.08;
  let body = overLimit ? Buffer.alloc(OVERSIZED + Math.floor(next() * OVERSIZED), 'a') : pick(BODIES)();
  if (method === 'GET' && next() < 0.7) body = Buffer.alloc(0);
  const framingRoll = next();
  const framing: Framing =
    body.length === 0
      ? 'exact'
      : framingRoll < 0.7
        ? 'exact'
        : framingRoll < 0.85
          ? 'chunked'
          : framingRoll < 0.93
            ? 'short'
            : 'truncated';
  const headers = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1'];
  const type = pick(TYPES);
  if (type) headers.push(`Content-Type: ${type}`);
  headers.push(`Accept: ${pick(['text/html', 'application/json', '*/*', 'image/png'])}`);
  if (next() < 0.3)
    headers.push(pick(['Authorization: Basic %%%', 'Authorization: Bearer', 'Authorization: Bearer x']));
  if (next() < 0.3)
    headers.push(pick(['Cookie: mxauth-session=%%%; mxauth-csrf=x', 'Cookie: =;;=', 'Cookie: a=\u00ff']));
  if (next() < 0.1) headers.push('Expect: 100-continue');
  if (next() < 0.1) headers.push('Content-Encoding: gzip');
  let payload: Buffer;
  if (framing === 'chunked') {
    headers.push('Transfer-Encoding: chunked');
    const parts: Buffer[] = [];
    for (let offset = 0; offset < body.length; ) {
      const size = Math.max(1, Math.min(body.length - offset, Math.floor(next() * 40_000)));
      parts.push(
        Buffer.from(`${size.toString(16)}\r\n`),
        body.subarray(offset, offset + size),
        Buffer.from('\r\n'),
      );
      offset += size;
    }
    parts.push(Buffer.from('0\r\n\r\n'));
    payload = Buffer.concat(parts);
  } else if (framing === 'short') {
    headers.push(`Content-Length: ${Math.floor(body.length / 2)}`);
    // What follows the declared length: a request line no server can parse.
    payload = Buffer.concat([body.subarray(0, Math.floor(body.length / 2)), Buffer.from('\u0001 \r\n\r\n')]);
  } else if (framing === 'truncated') {
    headers.push(`Content-Length: ${body.length + 10}`);
    payload = body;
  } else {
    if (body.length > 0 || method === 'POST' || method === 'PUT')
      headers.push(`Content-Length: ${body.length}`);
    payload = body;
  }
  return {
    head: method === 'HEAD',
    bytes: Buffer.concat([Buffer.from(`${headers.join('\r\n')}\r\n\r\n`, 'latin1'), payload]),
    framing,
    overLimit,
    label: `${method} ${target.slice(0, 80)} ${type ?? '-'} ${framing} ${body.length}B`,
  };
}

/** Why an outcome is wrong for its case, or undefined when it is acceptable. */
function problem(outcome: RawOutcome, c: Case): string | undefined {
  if (outcome.kind === 'stalled') return `stalled over ${BUDGET_MS} ms`;
  if (outcome.kind === 'response') return outcome.status >= 500 ? `answered ${outcome.status}` : undefined;
  // The client cut its body short, or sent bytes after it that are no request: as with any HTTP server,
  // the connection may be dropped (the unparseable bytes can even pre-empt the answer).
  if (c.framing === 'truncated' || c.framing === 'short') return undefined;
  if (c.overLimit) return undefined;
  return outcome.reset ? 'connection reset' : 'connection closed without an answer';
}

for (const kind of DATABASE_KINDS) {
  describe(`keep-alive connections under malformed requests [${kind}]`, () => {
    let server: RunningMxauth;
    let port: number;
    before(async () => {
      server = await startMxauth(kind, {
        account: { password_registration_enabled: true, password_recovery_enabled: true },
        sms: { sender: 'webhook', webhook: { url: 'http://127.0.0.1:9/' } },
      });
      port = Number(new URL(server.base).port);
    });
    after(() => server.close());

    test(`${REQUESTS} random requests over ${CONNECTIONS} sockets: no 5xx, no stall, no reset`, async () => {
      const table = server.mxauth.routes.map((route) => route.path);
      const paths = [...new Set([...table, ...EXTRA_PATHS])].filter((p) => p.startsWith('/')).sort();
      assert.ok(paths.length > 40, `the route table has only ${paths.length} paths`);
      const next = random(SEED + (kind === 'postgres' ? 1 : 0));
      const cases = Array.from({ length: REQUESTS }, () => makeCase(next, paths));
      const failures: string[] = [];
      let answered = 0;
      const worker = async (lane: number) => {
        let connection = await RawConnection.open(port);
        for (let i = lane; i < cases.length; i += CONNECTIONS) {
          const c = cases[i]!;
          if (connection.closed) connection = await RawConnection.open(port);
          const outcome = await connection.exchange(c.bytes, BUDGET_MS, {
            endAfter: c.framing === 'truncated',
            head: c.head,
          });
          const wrong = problem(outcome, c);
          if (wrong) failures.push(`#${i} ${c.label}: ${wrong}`);
          if (outcome.kind === 'response') answered++;
          // After these the connection is not reusable by design (or it stalled: start afresh).
          if (
            outcome.kind !== 'response' ||
            outcome.close ||
            c.framing === 'short' ||
            c.framing === 'truncated'
          ) {
            connection.destroy();
            connection = await RawConnection.open(port);
          }
        }
        connection.destroy();
      };
      await Promise.all(Array.from({ length: CONNECTIONS }, (_, lane) => worker(lane)));
      assert.deepEqual(failures, [], `seed ${SEED}`);
      assert.ok(answered > REQUESTS / 2, `only ${answered} answers`);
    });
  });
}
