// `npm start` runs this before starting: it compiles only when a source file changed since the last
// build that succeeded, so a second start does not spend the compile time again. `npm run build`
// always compiles.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Beside the dependencies, not in dist/ (which is packed) nor in the tree git sees.
const STAMP = 'node_modules/.cache/mxauth/build-stamp';
const INPUTS = ['src', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted or renamed file changes its directory
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

const built = existsSync(STAMP) && existsSync('dist/cli/bin.js') ? statSync(STAMP).mtimeMs : 0;
if (built > 0 && Math.max(...INPUTS.map(newestMtime)) < built) {
  console.log('dist/ is up to date with src/: not rebuilding');
  process.exit(0);
}
const started = Date.now();
const result = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
  stdio: 'inherit',
});
if (result.status !== 0) process.exit(result.status ?? 1);
mkdirSync('node_modules/.cache/mxauth', { recursive: true });
// Stamped with the time the build began: a file saved during the build makes the next start rebuild.
writeFileSync(STAMP, '');
utimesSync(STAMP, started / 1000, started / 1000);
