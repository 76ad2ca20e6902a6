import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';

/** The request-duration series mxauth exports, as `/metrics` prints them. */
async function requestSeries(server: RunningMxauth): Promise<string[]> {
  const text = await server.mxauth.metrics.registry.metrics();
  return text.split('\n').filter((line) => line.startsWith('mxauth_http_request_duration_seconds_count{'));
}

describe('metrics route labels and timed-out bodies', () => {
  let server: RunningMxauth;
  before(async () => {
    server = await startMxauth('sqlite');
  });
  after(() => server.close());

  test('distinct unknown paths do not make new metric series', async () => {
    const junk = (i: number) => [
      `authorize/${i}junk${'x'.repeat(i % 20)}`,
      `authorize/AUTHORIZE${i}/deeper`,
      `oauth2/nothing-${i}`,
      `account/no-such-page-${i}`,
      `x${i}`,
    ];
    // One round first, so every status/method combination those paths give exists already.
    for (const path of junk(0)) await fetch(`${server.base}${path}`);
    const before = (await requestSeries(server)).length;
    for (let i = 1; i <= 200; i++)
      for (const path of junk(i)) await (await fetch(`${server.base}${path}`)).text();
    const series = await requestSeries(server);
    assert.ok(series.length - before <= 3, `${series.length - before} new series:\n${series.join('\n')}`);
    assert.ok(
      series.every((line) => !/junk|nothing-|no-such-page/.test(line)),
      series.join('\n'),
    );
    // An engine route with an id is labelled by its template.
    await fetch(`${server.base}authorize/${'A'.repeat(21)}`);
    assert.ok(
      (await requestSeries(server)).some((line) => line.includes('route="/authorize/:uid"')),
      'the resume route is labelled by its template',
    );
  });

  test('a request whose body does not arrive in time is logged and counted as the 408 the client got', async () => {
    // The same handler behind a server with a short request timeout (the listeners' is 60 s).
    const slow: Server = createServer(
      { requestTimeout: 300, connectionsCheckingInterval: 50 },
      server.mxauth.handler,
    );
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const port = (slow.address() as AddressInfo).port;
    try {
      const cases = [
        ['/oauth2/introspect', 'application/x-www-form-urlencoded'], // the fast path
        ['/oauth2/token', 'application/x-www-form-urlencoded'], // the engine
        ['/_matrix/client/v3/login', 'application/json'], // a Koa route
      ];
      for (const [path, type] of cases) {
        const answer = await new Promise<string>((resolve) => {
          const socket = connect(port, '127.0.0.1');
          let got = '';
          socket.on('data', (d) => {
            got += d.toString();
          });
          socket.on('close', () => resolve(got));
          socket.on('error', () => {});
          socket.write(
            `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: 1000\r\n\r\ntoken=abc`,
          );
        });
        assert.match(answer, /^HTTP\/1\.1 408/, `${path}: ${answer}`);
      }
      // The log line is written when the handler settles, right after the socket closed.
      let series: string[] = [];
      for (let i = 0; i < 100; i++) {
        series = (await requestSeries(server)).filter((l) => l.includes('method="POST"'));
        if (
          cases.every(([path]) =>
            series.some((l) => l.includes(`route="${path}"`) && l.includes('status="408"')),
          )
        )
          break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      for (const [path] of cases) {
        const line = series.find((l) => l.includes(`route="${path}"`));
        assert.ok(line?.includes('status="408"'), `${path}: ${series.join('\n')}`);
      }
      assert.ok(!series.some((l) => l.includes('status="500"')), series.join('\n'));
    } finally {
      slow.closeAllConnections();
      await new Promise((resolve) => slow.close(resolve));
    }
  });

  test('a client that hangs up mid-body is counted as 499, not as a server error', async () => {
    const port = Number(new URL(server.base).port);
    const cases = [
      ['/oauth2/introspect', 'application/x-www-form-urlencoded'], // the fast path
      ['/_matrix/client/v3/login', 'application/json'], // a Koa route
    ];
    for (const [path, type] of cases) {
      await new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(
            `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: 1000\r\n\r\ntoken=abc`,
          );
          setTimeout(() => socket.destroy(), 50);
        });
        socket.on('error', () => {});
        socket.on('close', () => resolve());
      });
    }
    let series: string[] = [];
    for (let i = 0; i < 100; i++) {
      series = (await requestSeries(server)).filter((l) => l.includes('method="POST"'));
      if (
        cases.every(([path]) =>
          series.some((l) => l.includes(`route="${path}"`) && l.includes('status="499"')),
        )
      )
        break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const [path] of cases)
      assert.ok(
        series.some((l) => l.includes(`route="${path}"`) && l.includes('status="499"')),
        `${path}: ${series.join('\n')}`,
      );
    assert.ok(!series.some((l) => l.includes('status="500"')), series.join('\n'));
  });
});
