import type { Repositories } from '../../src/storage/repositories.js';
import type { Storage } from '../../src/storage/storage.js';

/**
 * Runs `change` in a transaction and keeps the transaction open until `commit()`: for tests of what
 * other readers see (and must not keep) while a write has not committed yet.
 */
export async function openTransaction(
  storage: Storage,
  change: (tx: Repositories) => Promise<unknown>,
): Promise<{ commit(): Promise<void> }> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let changed!: () => void;
  const inside = new Promise<void>((resolve) => {
    changed = resolve;
  });
  const transaction = storage.transaction(async (tx) => {
    await change(tx);
    changed();
    await held;
  });
  await Promise.race([inside, transaction]);
  return {
    commit: async () => {
      release();
      await transaction;
    },
  };
}
