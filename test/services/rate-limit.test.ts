import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import { RateLimiter } from '../../src/services/rate-limit.js';

test('a bucket allows its burst, then one attempt per refill period, per key', () => {
  const clock = new ManualClock();
  const limiter = new RateLimiter({ burst: 3, perSecond: 3 / 60 }, clock);
  for (let i = 0; i < 3; i++) assert.deepEqual(limiter.take('1.2.3.4'), { ok: true });
  assert.deepEqual(limiter.take('1.2.3.4'), { ok: false, retryAfterMs: 20_000 });
  assert.deepEqual(limiter.take('5.6.7.8'), { ok: true }, 'other keys are unaffected');
  clock.advance(10_000);
  assert.deepEqual(limiter.take('1.2.3.4'), { ok: false, retryAfterMs: 10_000 });
  clock.advance(10_000);
  assert.deepEqual(limiter.take('1.2.3.4'), { ok: true });
});
