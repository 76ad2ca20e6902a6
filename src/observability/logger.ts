import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { textDestination } from './text-log.js';

export type { Logger };

/**
 * Keys that may carry a credential, where mxauth's log objects can hold them. pino replaces them before
 * the line is written, so a careless `log.info({ body })` cannot leak a password or token. The paths are
 * explicit, not wildcards: wildcard redaction costs about a third of the request rate on the hot path.
 */
const CREDENTIAL_KEYS = [
  'password',
  'secret',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'code',
  'code_verifier',
  'client_secret',
  'authorization',
  'cookie',
];
const REDACT = [
  ...CREDENTIAL_KEYS,
  ...CREDENTIAL_KEYS.map((key) => `body.${key}`),
  ...CREDENTIAL_KEYS.map((key) => `params.${key}`),
  ...CREDENTIAL_KEYS.map((key) => `query.${key}`),
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
];

export type LogFormat = 'json' | 'text';

/**
 * A logger at `level`. Lines name their level (`"level":"warn"`, not pino's 40), which is what people
 * and log shippers search for; `text` writes them for a terminal (observability/text-log.ts).
 */
export function createLogger(
  level: LoggerOptions['level'],
  destination?: DestinationStream,
  format: LogFormat = 'json',
): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'mxauth' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACT, censor: '[redacted]' },
  };
  if (format === 'text') {
    const out = destination ?? process.stdout;
    return pino(
      options,
      textDestination((text) => out.write(text), { colour: !destination && process.stdout.isTTY === true }),
    );
  }
  return destination ? pino(options, destination) : pino(options);
}

/** `text` when stdout is a terminal, JSON otherwise (a file, a pipe, a container's log driver). */
export function defaultLogFormat(): LogFormat {
  return process.stdout.isTTY ? 'text' : 'json';
}
