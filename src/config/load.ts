import { dirname, resolve as resolvePath } from 'node:path';
import { err, type Result } from '../domain/result.js';
import type { Config } from './config.js';
import { applyEnvOverrides } from './env.js';
import { type ConfigProblem, problemsFromZod } from './problems.js';
import { readYaml } from './read.js';
import { resolveConfig } from './resolve.js';
import { configSchema } from './schema.js';

export interface LoadOptions {
  /** Environment whose `MXAUTH_SECTION__KEY` variables override the file; none when absent. */
  env?: NodeJS.ProcessEnv;
}

/** Reads, parses, validates and resolves a YAML configuration file; every problem is reported, not just the first. */
export function loadConfigFile(file: string, options: LoadOptions = {}): Result<Config, ConfigProblem[]> {
  const read = readYaml(file);
  if (!read.ok)
    return err(
      read.error.kind === 'unreadable'
        ? [{ path: '', message: `cannot read the configuration file ${file}: ${read.error.reason}` }]
        : read.error.messages.map((message) => ({ path: '', message })),
    );
  return parseConfig(read.value, { ...options, baseDir: dirname(resolvePath(file)) });
}

/** Validates and resolves a configuration given as data (embedded mode, tests). Relative paths are against `baseDir`. */
export function parseConfig(
  raw: unknown,
  options: LoadOptions & { baseDir?: string } = {},
): Result<Config, ConfigProblem[]> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return err([
      { path: '', message: 'the configuration must be a mapping of sections (http, database, …)' },
    ]);
  const withEnv = options.env ? applyEnvOverrides(raw as Record<string, unknown>, options.env) : raw;
  const parsed = configSchema.safeParse(withEnv);
  if (!parsed.success) return err(problemsFromZod(parsed.error.issues, withEnv));
  return resolveConfig(parsed.data, options.baseDir ?? process.cwd());
}
