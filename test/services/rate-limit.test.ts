import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import { addressBucket, RateLimiter } from '../../src/services/rate-limit.js';

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

test('IPv6 clients are limited per /64, IPv4 clients per address', () => {
  assert.equal(addressBucket('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(addressBucket('2001:db8:1:2:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
  assert.equal(addressBucket('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(addressBucket('::1'), '0:0:0:0::/64');
  assert.equal(addressBucket('203.0.113.9'), '203.0.113.9');
  assert.equal(addressBucket(undefined), 'unknown');
});
