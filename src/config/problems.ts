import type { z } from 'zod';

/** One thing wrong with a configuration, named by its key path (`database.uri`, `http.listeners.0.binds`). */
export interface ConfigProblem {
  path: string;
  message: string;
}

export function formatProblem(problem: ConfigProblem): string {
  return problem.path ? `${problem.path}: ${problem.message}` : problem.message;
}

export function pathString(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/** Turns zod issues into one sentence per problem, worded for an operator rather than a programmer. */
export function problemsFromZod(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  // Issues inside a union branch have paths relative to the union.
  prefix: readonly PropertyKey[] = [],
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const raw of issues) {
    const issue = { ...raw, path: [...prefix, ...raw.path] } as z.core.$ZodIssue;
    const path = pathString(issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        problems.push({ path: path ? `${path}.${key}` : key, message: 'unknown key' });
    } else if (issue.code === 'invalid_type') {
      const actual = valueAt(input, issue.path);
      problems.push({
        path,
        message:
          actual === undefined
            ? 'is required'
            : `expected ${typeWord(issue.expected)}, got ${describe(actual)}`,
      });
    } else if (issue.code === 'invalid_union') {
      // Only the branch that came closest is worth reading; zod lists them all.
      const branches = issue.errors.map((branch) => problemsFromZod(branch, input, issue.path));
      const best = branches.sort((a, b) => a.length - b.length)[0];
      problems.push(...(best && best.length > 0 ? best : [{ path, message: issue.message }]));
    } else if (issue.code === 'too_small' || issue.code === 'too_big') {
      const bound = String(issue.code === 'too_small' ? issue.minimum : issue.maximum);
      const word = issue.code === 'too_small' ? 'at least' : 'at most';
      const unit = issue.origin === 'array' ? ' entries' : issue.origin === 'string' ? ' characters' : '';
      problems.push({ path, message: `must be ${word} ${bound}${unit}` });
    } else if (issue.code === 'invalid_value') {
      problems.push({
        path,
        message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
      });
    } else {
      problems.push({ path, message: issue.message });
    }
  }
  return dedupe(problems);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** Zod's type names in the words of a YAML file. */
function typeWord(expected: string): string {
  return expected === 'array' ? 'a list' : expected === 'object' ? 'a mapping' : expected;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = formatProblem(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
