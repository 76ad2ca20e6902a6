import { Environment, Interpreter, parse, tokenize } from '@huggingface/jinja';
import { err, ok, type Result } from './result.js';

/*
 * Claim templates, as MAS writes them: Jinja over `id_token_claims`, `userinfo_claims` and `user`.
 * @huggingface/jinja interprets the template over its own value types, so a template reads the data it is
 * given and nothing of the process (no attribute reaches a JavaScript prototype). MAS's own filters
 * beyond Jinja's are added here: `split` (MiniJinja's), `b64decode`, `b64encode`, `from_json`, `string`.
 */

type Parsed = ReturnType<typeof parse>;
type RuntimeValue = ReturnType<Environment['lookupVariable']>;

// The interpreter's filter hook and argument evaluation are private in its type declarations, though
// the class is exported to be extended: this is the part of its shape the MAS filters use.
interface InterpreterInternals {
  run(program: Parsed): RuntimeValue;
  applyFilter(operand: RuntimeValue, filterNode: unknown, environment: Environment): RuntimeValue;
  evaluateArguments(args: unknown, environment: Environment): [RuntimeValue[], Map<string, RuntimeValue>];
}
const ExtensibleInterpreter = Interpreter as unknown as new (env: Environment) => InterpreterInternals;

/** The constants every Jinja template may use (the library's own globals, less `range` and the clock). */
const CONSTANTS = { true: true, false: false, none: null, True: true, False: false, None: null };

/** A parsed template, checked once when the configuration is read. */
export interface ClaimTemplate {
  readonly source: string;
  render(context: Record<string, unknown>): Result<string, string>;
}

export function compileTemplate(source: string): Result<ClaimTemplate, string> {
  let parsed: Parsed;
  try {
    parsed = parse(tokenize(source, { lstrip_blocks: true, trim_blocks: true }));
  } catch (e) {
    return err(`not a valid template: ${(e as Error).message}`);
  }
  return ok({
    source,
    render(context) {
      const env = new Environment();
      for (const [key, value] of Object.entries({ ...CONSTANTS, ...context })) env.set(key, value);
      try {
        const out = new ClaimsInterpreter(env).run(parsed);
        return ok(String(out.value ?? ''));
      } catch (e) {
        return err((e as Error).message);
      }
    },
  });
}

/** The JavaScript value a filter produced, as the interpreter's own value type. */
function toRuntime(value: unknown): RuntimeValue {
  const env = new Environment();
  env.set('v', value);
  return env.lookupVariable('v');
}

/** The plain value of a runtime value: strings, numbers, booleans, null, arrays and objects. */
function toPlain(value: RuntimeValue): unknown {
  const inner = (value as { value: unknown }).value;
  if (Array.isArray(inner)) return inner.map((v) => toPlain(v as RuntimeValue));
  if (inner instanceof Map)
    return Object.fromEntries([...inner].map(([k, v]) => [k, toPlain(v as RuntimeValue)]));
  return inner ?? null;
}

class ClaimsInterpreter extends ExtensibleInterpreter {
  override applyFilter(operand: RuntimeValue, filterNode: unknown, environment: Environment): RuntimeValue {
    const node = filterNode as unknown as {
      type: string;
      value?: string;
      callee?: { value?: string };
      args?: unknown[];
    };
    const name = node.type === 'Identifier' ? node.value : node.callee?.value;
    const args = () =>
      node.type === 'CallExpression' ? this.evaluateArguments(node.args, environment)[0].map(toPlain) : [];
    const text = () => {
      const plain = toPlain(operand);
      if (typeof plain !== 'string') throw new Error(`filter ${name} needs a string`);
      return plain;
    };
    switch (name) {
      case 'split': {
        const [separator] = args();
        const value = text();
        return toRuntime(typeof separator === 'string' ? value.split(separator) : value.trim().split(/\s+/));
      }
      case 'b64decode':
        return toRuntime(Buffer.from(text(), 'base64').toString('utf8'));
      case 'b64encode':
        return toRuntime(Buffer.from(text(), 'utf8').toString('base64'));
      case 'from_json':
        return toRuntime(JSON.parse(text()));
      case 'string': {
        const plain = toPlain(operand);
        return toRuntime(typeof plain === 'string' ? plain : plain === null ? '' : JSON.stringify(plain));
      }
      default:
        return super.applyFilter(operand, filterNode, environment);
    }
  }
}
