import type { DestinationStream } from 'pino';

/**
 * pino's JSON lines, rewritten for a person at a terminal: `12:58:22.041 INFO  message  key=value …`.
 * Machines keep the JSON (`log.format: json`, the default when stdout is not a terminal); this is the
 * format a new admin reads while trying mxauth out, so it names levels, drops the fields every line has
 * (service, pid, hostname) and prints an error's stack below its line.
 */
export function textDestination(
  write: (text: string) => void,
  options: { colour?: boolean } = {},
): DestinationStream {
  const colour = options.colour ?? false;
  return {
    write(line: string) {
      write(formatLine(line, colour));
    },
  };
}

const OMITTED = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname', 'err']);
const ESC = String.fromCharCode(27);
const COLOURS: Record<string, string> = {
  trace: `${ESC}[90m`,
  debug: `${ESC}[90m`,
  info: `${ESC}[36m`,
  warn: `${ESC}[33m`,
  error: `${ESC}[31m`,
  fatal: `${ESC}[41;37m`,
};
const RESET = `${ESC}[0m`;

/** One JSON line as text; a line that is not JSON passes through unchanged. */
export function formatLine(line: string, colour = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const level = typeof entry.level === 'string' ? entry.level : String(entry.level ?? '');
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : '';
  const label = level.toUpperCase().padEnd(5);
  const head = colour && COLOURS[level] ? `${COLOURS[level]}${label}${RESET}` : label;
  const fields = Object.entries(entry)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${fieldText(value)}`);
  const message = typeof entry.msg === 'string' ? entry.msg : '';
  let text = [time, head, message, ...(fields.length ? [` ${fields.join(' ')}`] : [])]
    .filter((part) => part !== '')
    .join(' ');
  const error = entry.err as { message?: unknown; stack?: unknown } | undefined;
  if (error && typeof error === 'object') {
    const stack = typeof error.stack === 'string' ? error.stack : String(error.message ?? '');
    text += `\n    ${stack.replaceAll('\n', '\n    ')}`;
  }
  return `${text}\n`;
}

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}
