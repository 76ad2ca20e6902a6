import { parse as parseYaml } from 'yaml';
import { configJsonSchema } from './schema.js';

const PREFIX = 'MXAUTH_';

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
};

let schema: JsonSchema | undefined;

/**
 * Applies `MXAUTH_<SECTION>__<KEY>[__<KEY>…]` variables on top of the file, e.g. `MXAUTH_DATABASE__URI`,
 * `MXAUTH_PASSWORDS__SCHEMES__0__SECRET`. Only variables naming a config section count, so other
 * `MXAUTH_*` variables (MXAUTH_CONFIG) never collide. String keys take the value verbatim, so a secret
 * such as "0123" stays a string; other keys read it as YAML (`true`, `10`, `[a, b]`).
 */
export function applyEnvOverrides(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Record<string, unknown> {
  schema ??= configJsonSchema() as JsonSchema;
  const sections = Object.keys(schema.properties ?? {});
  const result = structuredClone(raw);
  const variables = Object.keys(env)
    .filter((name) => name.startsWith(PREFIX))
    .sort();
  for (const name of variables) {
    const path = name
      .slice(PREFIX.length)
      .split('__')
      .map((s) => s.toLowerCase());
    if (!sections.includes(path[0]!) || path.some((s) => s === '')) continue;
    const value = env[name]!;
    setPath(result, path, wantsString(schema, path) ? value : parseYaml(value));
  }
  return result;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  path.slice(0, -1).forEach((segment, i) => {
    const nextIsIndex = /^\d+$/.test(path[i + 1]!);
    const existing = node[segment];
    if (existing === null || typeof existing !== 'object') node[segment] = nextIsIndex ? [] : {};
    node = node[segment] as Record<string, unknown>;
  });
  node[path.at(-1)!] = value;
}

function wantsString(root: JsonSchema, path: string[]): boolean {
  const types = typesAt(root, path);
  return types.size > 0 && [...types].every((t) => t === 'string');
}

function typesAt(node: JsonSchema | undefined, path: string[]): Set<string> {
  if (!node) return new Set();
  if (node.anyOf) return new Set(node.anyOf.flatMap((branch) => [...typesAt(branch, path)]));
  if (path.length === 0) return new Set([node.type ?? []].flat());
  const [head, ...rest] = path;
  if (node.items && /^\d+$/.test(head!)) return typesAt(node.items, rest);
  return typesAt(node.properties?.[head!], rest);
}
