import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import { cryptoRng } from '../../src/domain/random.js';
import { isUlid, ulidGenerator, ulidTime } from '../../src/domain/ulid.js';

test('ULIDs made in one millisecond, or while the clock steps back, still sort in creation order', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 27));
  const next = ulidGenerator(clock, cryptoRng);
  const ids = Array.from({ length: 500 }, () => next());
  clock.advance(-10_000);
  ids.push(next(), next());
  clock.advance(20_000);
  ids.push(next());
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(ids.every(isUlid));
  assert.deepEqual(ulidTime(ids[0]!), new Date(Date.UTC(2026, 10, 27)));
  assert.deepEqual(ulidTime(ids.at(-1)!), new Date(Date.UTC(2026, 10, 27) + 10_000));
});
