import { accessSync, constants, realpathSync } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join, relative, sep } from 'node:path';

/** How this process was started, as far as naming the command that runs this installation needs. */
export interface Invocation {
  /** The script node ran (process.argv[1]); absent when the CLI runs in-process (tests, embedding). */
  script?: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/**
 * The command line that runs this installation's CLI, for the hints mxauth prints (`… manage
 * register-user alice`). Never a bare `npx mxauth`: outside the checkout that fetches and runs whatever
 * package owns the name on the registry.
 */
export function cliCommand({ script, env, cwd }: Invocation): string {
  // `npm start` / `npm run mxauth` in the checkout: the package's own script runs the CLI there.
  if (env.npm_lifecycle_event && env.npm_package_name === 'mxauth') return 'npm run mxauth --';
  if (!script) return 'mxauth';
  const self = realpathOrUndefined(script);
  const onPath = self ? findOnPath('mxauth', env.PATH) : undefined;
  if (onPath && realpathOrUndefined(onPath) === self) {
    // A project's own dependency: its node_modules/.bin is on PATH only inside npm scripts.
    return dirname(onPath).endsWith(`node_modules${sep}.bin`) ? 'npx --no-install mxauth' : 'mxauth';
  }
  const shown = shownPath(script, cwd);
  // A bin link run by its path (`/opt/mxauth/bin/mxauth`) is executable; the built file needs node.
  return basename(script) === 'mxauth' ? shown : `node ${shown}`;
}

function shownPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  // Relative only below the working directory (and not from /, where a leading slash is clearer).
  const below = rel && !rel.startsWith('..') && !isAbsolute(rel) && dirname(cwd) !== cwd;
  const shown = below ? rel : path;
  return /[\s'"$`\\]/.test(shown) ? `'${shown.replaceAll("'", `'\\''`)}'` : shown;
}

function findOnPath(command: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
