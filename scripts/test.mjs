// Runs every test file under test/ with Node's test runner, TypeScript loaded through tsx.
// Node 20 cannot expand globs itself, hence this list. Extra arguments pass through to node --test.
// Files run one at a time: PostgreSQL suites create and drop schemas, and Kysely's migrator reads the
// catalog of every schema (pg_get_serial_sequence), which fails when another file drops one meanwhile.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return find(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const args = process.argv.slice(2);
const files = args.some((a) => a.endsWith('.ts')) ? [] : find('test').sort();
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=600000', ...args, ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
