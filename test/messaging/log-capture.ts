import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/observability/logger.js';

/** A logger at debug level whose every line is kept, to check what mxauth writes to its logs. */
export function captureLogs(): {
  logger: Logger;
  text: () => string;
  lines: () => Record<string, unknown>[];
} {
  let out = '';
  const logger = createLogger(
    'debug',
    new Writable({
      write(chunk, _encoding, done) {
        out += chunk.toString();
        done();
      },
    }),
  );
  return {
    logger,
    text: () => out,
    lines: () =>
      out
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
