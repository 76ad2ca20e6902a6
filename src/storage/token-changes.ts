import { createHash } from 'node:crypto';
import type SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { type Clock, systemClock } from '../domain/clock.js';
import { cryptoRng, type Rng } from '../domain/random.js';
import type { Database } from './database.js';

/**
 * Tells a cache of token state when that state may have changed, whoever changed it: this process, a CLI
 * command, another instance, or an operator's SQL. The database reports the changes (triggers), so no
 * code path can forget to.
 *
 * A change names an account: its tokens, or the account itself (locked, deactivated, admin right), may
 * have changed. `''` stands for tokens of no account (client credentials); `undefined` for anything.
 */
export interface TokenChanges {
  onChange(listener: (account: string | undefined) => void): void;
  /**
   * Catches up with changes committed elsewhere before cached state is used (SQLite: other processes'
   * commits, by `PRAGMA data_version`). Returns false when cached state must not be used now
   * (PostgreSQL: the listener is down or has stopped hearing; SQLite: a transaction is open on the
   * writing connection). Cheap; meant once per batch of lookups.
   */
  check(): boolean;
  /**
   * True while a transaction of this process that changed the account has not committed yet (the
   * triggers report during the statement). What is read before that commit must not be cached.
   */
  uncommitted(account: string): boolean;
  close(): Promise<void>;
}

/** The PostgreSQL channel of one mxauth schema: deployments sharing a database do not hear each other. */
export function tokenStateChannel(schema: string): string {
  const channel = `mxauth_tokens_${schema}`;
  // Channel names are identifiers, at most 63 bytes: a long schema name is replaced by its digest.
  return Buffer.byteLength(channel) <= 63
    ? channel
    : `mxauth_tokens_${createHash('sha256').update(schema).digest('hex').slice(0, 40)}`;
}

/** Prefix of the NOTICE the triggers send to mxauth's own writing connections. */
export const NOTICE_PREFIX = 'mxauth_token_state:';

/** Watches the database's token state changes; on PostgreSQL this holds one extra connection. */
export async function watchTokenChanges(
  database: Database,
  uri: string,
  onError: (error: Error) => void,
  sources: { clock?: Clock; rng?: Rng } = {},
): Promise<TokenChanges> {
  if (database.sqliteWriter) return sqliteTokenChanges(database.sqliteWriter);
  if (!database.pgPool) throw new Error('no database connection to watch');
  return postgresTokenChanges(uri, database.pgPool, database.onPgNotice, onError, {
    clock: sources.clock ?? systemClock,
    rng: sources.rng ?? cryptoRng,
  });
}

class Listeners {
  readonly #listeners: ((account: string | undefined) => void)[] = [];
  add(listener: (account: string | undefined) => void): void {
    this.#listeners.push(listener);
  }
  /** Never throws: it runs inside the writing statement (SQLite) or a driver's event handler. */
  emit(account: string | undefined): void {
    for (const listener of this.#listeners) {
      try {
        listener(account);
      } catch {
        // A listener's failure is its own; the write and the other listeners go on.
      }
    }
  }
}

const SQLITE_FUNCTION = 'mxauth_token_state_changed';
/** Rows that expired before this (ms, with a minute's margin for clocks) cannot be cached any more. */
const SQLITE_UNEXPIRED = `(old.expires_at is null or old.expires_at > (julianday('now') - 2440587.5) * 86400000.0 - 60000)`;
const SQLITE_TOKEN_MODELS = `old.model in ('AccessToken', 'RefreshToken', 'ClientCredentials')`;

/**
 * The same writes as the PostgreSQL triggers of migration 0006, as TEMP triggers: they live on this
 * connection only and call back into this process, synchronously, inside the writing statement.
 */
const SQLITE_TRIGGERS = [
  `create temp trigger if not exists mxauth_token_state_u
     after update of model, id_hash, payload, account_id, expires_at, consumed_at, grant_id on main.oauth_records
     for each row when ${SQLITE_TOKEN_MODELS} and ${SQLITE_UNEXPIRED}
     begin select ${SQLITE_FUNCTION}(old.account_id); end`,
  `create temp trigger if not exists mxauth_token_state_d after delete on main.oauth_records
     for each row when ${SQLITE_TOKEN_MODELS} and ${SQLITE_UNEXPIRED}
     begin select ${SQLITE_FUNCTION}(old.account_id); end`,
  `create temp trigger if not exists mxauth_user_state_u
     after update of id, localpart, can_request_admin, locked_at, deactivated_at on main.users
     for each row begin select ${SQLITE_FUNCTION}(old.id); end`,
  `create temp trigger if not exists mxauth_user_state_d after delete on main.users for each row
     begin select ${SQLITE_FUNCTION}(old.id); end`,
  `create temp trigger if not exists mxauth_compat_state_u
     after update of user_id, device_id, is_admin, created_at, finished_at on main.compat_sessions for each row
     begin select ${SQLITE_FUNCTION}(old.user_id); end`,
  `create temp trigger if not exists mxauth_compat_state_d after delete on main.compat_sessions for each row
     begin select ${SQLITE_FUNCTION}(old.user_id); end`,
  ...['update', 'delete'].map(
    (event) => `create temp trigger if not exists mxauth_compat_token_state_${event[0]}
     after ${event} on main.compat_access_tokens for each row
     begin select ${SQLITE_FUNCTION}(coalesce(
       (select user_id from main.compat_sessions where id = old.session_id), '*')); end`,
  ),
];

function sqliteTokenChanges(writer: SqliteDatabase.Database): TokenChanges {
  const listeners = new Listeners();
  // Accounts changed by the transaction open on the writer: readers see the old state until it commits.
  const pending = new Set<string>();
  writer.function(SQLITE_FUNCTION, { deterministic: false }, (account: unknown) => {
    const id = account === '*' ? undefined : typeof account === 'string' ? account : '';
    if (writer.inTransaction) pending.add(id ?? '*');
    listeners.emit(id);
    return null;
  });
  for (const statement of SQLITE_TRIGGERS) writer.exec(statement);
  // data_version changes when another connection (another process) commits; this connection's own
  // commits, which the triggers report, do not change it.
  const version = writer.prepare('PRAGMA data_version').pluck();
  let seen = version.get();
  return {
    onChange: (listener) => listeners.add(listener),
    check() {
      // Inside a transaction the writer sees its own snapshot (other processes' commits stay hidden),
      // and reading there would fix that snapshot early: no cached answers until it ends.
      if (writer.inTransaction) return false;
      pending.clear();
      const now = version.get();
      if (now !== seen) {
        seen = now;
        listeners.emit(undefined);
      }
      return true;
    },
    uncommitted: (account) =>
      pending.size > 0 && writer.inTransaction && (pending.has(account) || pending.has('*')),
    close: async () => {},
  };
}

const RECONNECT_MS = 1000;
/** The listener proves it still hears by catching its own notification this often. */
const HEARTBEAT_MS = 2000;
const HEARTBEAT_TIMEOUT_MS = 5000;
/** How long a change heard by NOTICE waits for its commit's NOTIFY before caching resumes anyway. */
const PENDING_MS = 60_000;

/** `txid:account` (the triggers' payload), with '*' read as "any account". */
function parsePayload(payload: string): { txid: string; account: string | undefined } {
  const colon = payload.indexOf(':');
  const account = payload.slice(colon + 1);
  return { txid: payload.slice(0, colon), account: account === '*' ? undefined : account };
}

/**
 * Every process hears of every change by LISTEN/NOTIFY, after the commit. This process's own writes are
 * heard sooner, by the NOTICE the trigger sends to the writing connection during the statement: the
 * entries go before the write returns, and the account stays uncacheable until its transaction's NOTIFY
 * shows the commit (a read in between sees the old state).
 *
 * A connection can die without a word (a NAT or firewall dropping it, a failover behind a virtual
 * address), so the listener sends itself a notification through the pool every HEARTBEAT_MS; when one is
 * not back within HEARTBEAT_TIMEOUT_MS, it is treated as lost: the cache goes unused and empty until it
 * listens again.
 */
async function postgresTokenChanges(
  uri: string,
  pool: pg.Pool,
  onNotice: Database['onPgNotice'],
  onError: (error: Error) => void,
  { clock, rng }: { clock: Clock; rng: Rng },
): Promise<TokenChanges> {
  const listeners = new Listeners();
  const now = () => clock.now().getTime();
  let client: pg.Client | undefined;
  let connecting: pg.Client | undefined;
  let channel: string | undefined;
  let closed = false;
  // Transactions of this process that changed these accounts and have not been seen to commit.
  const pending = new Map<string, { accounts: Set<string>; until: number }>();
  // Names this listener's pings, so it never takes another instance's for its own.
  const origin = Buffer.from(rng.bytes(16)).toString('hex');
  let pings = 0;
  let awaitedPing: string | undefined;
  let pingSentAt = 0;

  onNotice?.((message) => {
    if (!message.startsWith(NOTICE_PREFIX)) return;
    const { txid, account } = parsePayload(message.slice(NOTICE_PREFIX.length));
    const entry = pending.get(txid) ?? { accounts: new Set<string>(), until: 0 };
    entry.accounts.add(account ?? '*');
    entry.until = now() + PENDING_MS;
    pending.set(txid, entry);
    listeners.emit(account);
  });

  const lose = (lost: pg.Client, error: Error) => {
    if (client !== lost) return;
    client = undefined;
    awaitedPing = undefined;
    // Changes made while nobody listens are not announced again: everything cached may be stale.
    listeners.emit(undefined);
    drop(lost);
    if (closed) return;
    onError(error);
    retry();
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client({
      connectionString: uri,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: 10_000,
      query_timeout: 10_000,
    });
    connecting = next;
    next.on('error', (error) => lose(next, error));
    next.on('end', () => lose(next, new Error('the connection listening for token changes closed')));
    next.on('notification', (message) => {
      if (message.channel !== channel || message.payload === undefined) return;
      if (message.payload.startsWith('~')) {
        if (message.payload === awaitedPing) awaitedPing = undefined;
        return;
      }
      const { txid, account } = parsePayload(message.payload);
      pending.delete(txid);
      listeners.emit(account);
    });
    try {
      await next.connect();
      const { rows } = await next.query<{ schema: string }>('SELECT current_schema() AS schema');
      channel = tokenStateChannel(rows[0]!.schema);
      await next.query(`LISTEN "${channel.replaceAll('"', '""')}"`);
    } catch (error) {
      drop(next);
      throw error;
    } finally {
      if (connecting === next) connecting = undefined;
    }
    if (closed) {
      drop(next);
      return;
    }
    client = next;
    // Whatever changed before LISTEN took effect was not heard.
    listeners.emit(undefined);
  };
  const retry = () => {
    setTimeout(() => {
      if (closed) return;
      connect().catch((error: Error) => {
        if (closed) return;
        onError(error);
        retry();
      });
    }, RECONNECT_MS).unref();
  };

  // Overdue: the ping query has gone out, and its notification has not come back in time.
  const overdue = () =>
    awaitedPing !== undefined && pingSentAt > 0 && now() - pingSentAt > HEARTBEAT_TIMEOUT_MS;
  const heartbeat = setInterval(() => {
    const listening = client;
    if (!listening || !channel) return;
    if (awaitedPing !== undefined) {
      // Notifications already on the socket are read first (the timer may run after a stalled loop).
      if (overdue())
        setImmediate(() => {
          if (client === listening && overdue())
            lose(listening, new Error('token change notifications stopped arriving'));
        });
      return;
    }
    const ping = `~ping:${origin}:${++pings}`;
    awaitedPing = ping;
    pingSentAt = 0;
    // The wait starts once the ping is sent: waiting for a busy pool's connection is not silence.
    pool.query('SELECT pg_notify($1, $2)', [channel, ping]).then(
      () => {
        if (awaitedPing === ping) pingSentAt = now();
      },
      (error: Error) => {
        if (client === listening) lose(listening, error);
      },
    );
  }, HEARTBEAT_MS);
  heartbeat.unref();

  try {
    await connect();
    await requireNotices(pool);
  } catch (error) {
    clearInterval(heartbeat);
    closed = true;
    if (client) drop(client);
    throw error;
  }
  return {
    onChange: (listener) => listeners.add(listener),
    check: () => client !== undefined && !overdue(),
    uncommitted(account) {
      if (pending.size === 0) return false;
      const at = now();
      let found = false;
      for (const [txid, entry] of pending) {
        if (entry.until <= at) pending.delete(txid);
        else if (entry.accounts.has(account) || entry.accounts.has('*')) found = true;
      }
      return found;
    },
    async close() {
      closed = true;
      clearInterval(heartbeat);
      const last = client;
      client = undefined;
      if (connecting) drop(connecting);
      if (last) await Promise.race([last.end().catch(() => {}), delay(1000)]);
      if (last) drop(last);
    },
  };
}

/**
 * Ends a connection for good: `end()` only half-closes, and a peer gone silent would keep the socket (and
 * the process) alive for as long as TCP retries.
 */
function drop(connection: pg.Client): void {
  void connection.end().catch(() => {});
  (connection as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * The writing instance forgets during its own statements only if its connections get the triggers'
 * NOTICEs, which needs session settings (set on each pool connection, see database.ts). A pooler in
 * transaction mode drops those, and LISTEN with them.
 */
async function requireNotices(pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query<{ notices: string | null; level: string }>(
    "SELECT current_setting('mxauth.token_notices', true) AS notices, current_setting('client_min_messages') AS level",
  );
  const { notices, level } = rows[0]!;
  if (
    notices !== 'on' ||
    !['debug5', 'debug4', 'debug3', 'debug2', 'debug1', 'log', 'notice'].includes(level)
  )
    throw new Error(
      `the database connections do not keep session settings (mxauth.token_notices=${notices ?? 'unset'}, client_min_messages=${level}); connect directly or through a pooler in session mode`,
    );
}
