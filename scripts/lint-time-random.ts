// Part of `npm run lint`: src/ reads the time and draws randomness only through the Clock and Rng
// (src/domain/clock.ts, src/domain/random.ts), so tests can control both. Biome cannot ban a member such
// as `Date.now` or an argument-less `new Date()` per file, so this walks the syntax tree with the
// TypeScript parser: comments and strings that mention them are not code and do not count.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const ROOT = new URL('..', import.meta.url).pathname;
const SOURCE = join(ROOT, 'src');

/** Files (or folders, ending in `/`) that may read the time or draw randomness themselves, and why. */
const ALLOWED: Record<string, string> = {
  'src/domain/clock.ts': 'the system clock',
  'src/domain/random.ts': 'the system random source',
  'src/storage/migrations/':
    'a migration runs once, at upgrade time, with no way to be handed a clock, and must not change with the code',
  'src/cli/commands/doctor.ts': 'owned by another change, to inject',
};

// performance.now() and process.hrtime measure durations on a monotonic clock, not the time of day,
// so they are not banned: a request's duration is not something a test moves.

/** Functions of node:crypto (and Web Crypto) that draw randomness. */
const RANDOM_FUNCTIONS = new Set([
  'randomBytes',
  'randomUUID',
  'randomInt',
  'randomFill',
  'randomFillSync',
  'getRandomValues',
  'pseudoRandomBytes',
]);

interface Finding {
  file: string;
  line: number;
  what: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|cts|tsx)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const isIdentifier = (node: ts.Node, name: string): boolean => ts.isIdentifier(node) && node.text === name;

function check(file: string, text: string): Finding[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const findings: Finding[] = [];
  const report = (node: ts.Node, what: string) =>
    findings.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, what });

  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node)) {
      const name = node.name.text;
      if (name === 'now' && isIdentifier(node.expression, 'Date')) report(node, 'Date.now');
      else if (name === 'random' && isIdentifier(node.expression, 'Math')) report(node, 'Math.random');
      else if (RANDOM_FUNCTIONS.has(name)) report(node, `.${name}`);
    } else if (ts.isNewExpression(node) && isIdentifier(node.expression, 'Date')) {
      if (!node.arguments || node.arguments.length === 0) report(node, 'new Date() without an argument');
    } else if (ts.isCallExpression(node) && isIdentifier(node.expression, 'Date')) {
      report(node, 'Date() (the current time as a string)');
    } else if (ts.isImportSpecifier(node)) {
      const imported = (node.propertyName ?? node.name).text;
      if (RANDOM_FUNCTIONS.has(imported)) report(node, `import of ${imported}`);
    } else if (ts.isBindingElement(node)) {
      // `const { randomBytes } = crypto`
      const key = node.propertyName ?? node.name;
      if (ts.isIdentifier(key) && RANDOM_FUNCTIONS.has(key.text)) report(node, `${key.text} taken apart`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

const allowedBy = (file: string): string | undefined =>
  Object.keys(ALLOWED).find((entry) => (entry.endsWith('/') ? file.startsWith(entry) : file === entry));

const findings: Finding[] = [];
const used = new Set<string>();
for (const path of sourceFiles(SOURCE)) {
  const file = relative(ROOT, path);
  const found = check(file, readFileSync(path, 'utf8'));
  const allowed = allowedBy(file);
  if (allowed) {
    if (found.length > 0) used.add(allowed);
  } else findings.push(...found);
}

for (const entry of Object.keys(ALLOWED))
  if (!used.has(entry) && !entry.startsWith('src/domain/'))
    process.stderr.write(`lint-time-random: ${entry} is allowed but no longer needs to be; remove it\n`);

if (findings.length > 0) {
  for (const f of findings)
    process.stderr.write(
      `${f.file}:${f.line}: ${f.what}: take a Clock or Rng (src/domain/clock.ts, random.ts)\n`,
    );
  process.exitCode = 1;
}
