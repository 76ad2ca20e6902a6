/**
 * Whether an error means the database cannot be used right now (the server is down or restarting, the
 * network to it is gone, the file cannot be opened or written, it is locked too long), as opposed to a
 * query of mxauth's that is wrong. Requests that fail this way are answered "temporarily unavailable"
 * (503, try again) rather than "something went wrong" (500, a bug).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return true;
    // PostgreSQL: class 08 is "connection exception"; 57P01–57P03 the server shutting down or starting.
    if (/^08[0-9A-Z]{3}$/.test(code) || /^57P0[1-3]$/.test(code) || code === '53300') return true;
    // A database an administrator closed to connections (ALTER DATABASE … ALLOW_CONNECTIONS false).
    if (code === '55000' && /not currently accepting connections/.test(error.message)) return true;
    // SQLite: the file is locked past the busy timeout, cannot be opened, or the disk failed or is full.
    if (/^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY)/.test(code)) return true;
  }
  // node-postgres says these in words only; better-sqlite3 after its connection was closed.
  return PHRASES.some((phrase) => error.message.includes(phrase));
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

const PHRASES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'The database connection is not open',
];
