import assert from 'node:assert/strict';

/**
 * Polls `probe` until it gives something other than `false` or `undefined`, and returns that: `true`
 * for a condition, the value for a lookup (a mail that is queued after the answer). For what the server
 * does after it has answered; a failing test is the only one that waits the whole `timeoutMs`, so the
 * default is generous for a loaded machine. A test that promises a bound ("at once") passes its own.
 */
export async function eventually<T>(
  what: string,
  probe: () => T | Promise<T>,
  { timeoutMs = 20_000, intervalMs = 20 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== false && value !== undefined) return value as Exclude<T, false | undefined>;
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  assert.fail(`timed out waiting until ${what}`);
}
