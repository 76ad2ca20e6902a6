import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../src/observability/logger.js';

test('credentials are redacted wherever mxauth logs objects that may hold them', async () => {
  let out = '';
  const logger = createLogger(
    'info',
    new Writable({
      write(chunk, _encoding, done) {
        out += chunk.toString();
        done();
      },
    }),
  );
  logger.info({
    password: 'p1',
    token: 't1',
    body: { password: 'p2', client_secret: 's2', code: 'c2' },
    headers: { authorization: 'Bearer h1', cookie: 'k1', 'user-agent': 'kept' },
    query: { code: 'c3' },
  });
  const line = JSON.parse(out);
  assert.doesNotMatch(out, /p1|t1|p2|s2|c2|h1|k1|c3/);
  assert.equal(line.body.password, '[redacted]');
  assert.equal(line.headers['user-agent'], 'kept');
});
