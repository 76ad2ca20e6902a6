import { configJsonSchema } from './schema.js';

type Node = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, Node>;
  required?: string[];
  items?: Node;
  anyOf?: Node[];
};

/**
 * Renders the configuration reference (docs/configuration.md's generated part) from the schema itself,
 * so the documented keys and defaults cannot drift from what the code accepts.
 */
export function configReferenceMarkdown(): string {
  const root = configJsonSchema() as Node;
  const out: string[] = [];
  for (const [section, node] of Object.entries(root.properties ?? {})) {
    out.push(`### \`${section}\``, '', node.description ? `${node.description}.` : '', '');
    out.push('| key | type | default | description |', '| --- | --- | --- | --- |');
    rows(node, section, root.required?.includes(section) ?? false, out);
    out.push('');
  }
  return out.join('\n');
}

function rows(node: Node, path: string, required: boolean, out: string[]): void {
  if (path.includes('.')) out.push(row(node, path, required));
  // A key the forms of a union share (appservices' `appservice_login`) is one row, from the first form.
  const seen = new Set<string>();
  for (const { branch, inList } of objectBranches(node, false)) {
    for (const [key, child] of Object.entries(branch.properties ?? {})) {
      const childPath = `${path}${inList ? '[]' : ''}.${key}`;
      if (seen.has(childPath)) continue;
      seen.add(childPath);
      rows(child, childPath, branch.required?.includes(key) ?? false, out);
    }
  }
}

// An object's own properties, or those of the objects in a list or in a union of forms (listener binds).
function objectBranches(node: Node, inList: boolean): { branch: Node; inList: boolean }[] {
  if (node.properties) return [{ branch: node, inList }];
  if (node.items) return objectBranches(node.items, true);
  if (node.anyOf) return node.anyOf.flatMap((b) => objectBranches(b, inList));
  return [];
}

function row(node: Node, path: string, required: boolean): string {
  const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const fallback =
    node.default !== undefined ? `\`${JSON.stringify(node.default)}\`` : required ? '**required**' : '—';
  return `| \`${path}\` | ${cell(typeName(node))} | ${cell(fallback)} | ${cell(node.description ?? '')} |`;
}

function typeName(node: Node): string {
  if (node.enum) return node.enum.map((v) => `\`${String(v)}\``).join(' | ');
  if (node.anyOf) return [...new Set(node.anyOf.map(typeName))].join(' or ');
  if (node.type === 'array') return node.items ? `list of ${typeName(node.items)}` : 'list';
  if (node.type === 'object') return 'mapping';
  return [node.type ?? 'any'].flat().join(' or ');
}
