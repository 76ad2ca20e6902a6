import { EventEmitter } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  Kysely,
  type KyselyPlugin,
  OperationNodeTransformer,
  PostgresDialect,
  PrimitiveValueListNode,
  SqliteAdapter,
  SqliteDialect,
  ValueNode,
} from 'kysely';
import pg from 'pg';
import { err, ok, type Result } from '../domain/result.js';
import type { Tables } from './tables.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<Tables>;
  dialect: DialectName;
  /** Where it is, without credentials: for logs and messages. */
  description: string;
  /**
   * SQLite only: a read-only connection for synchronous reads on hot paths. It sees committed data only
   * (WAL), never the half-done transaction of the main connection. For `:memory:` it is the main connection.
   */
  sqliteReader?: SqliteDatabase.Database;
  /** SQLite only: the connection under Kysely, for what must run on it (token change triggers). */
  sqliteWriter?: SqliteDatabase.Database;
  /** PostgreSQL only: the pool under Kysely, for the few hot queries run as named prepared statements. */
  pgPool?: pg.Pool;
  /** PostgreSQL only: the NOTICE messages the server sends on any of the pool's connections. */
  onPgNotice?: (listener: (message: string) => void) => void;
  close(): Promise<void>;
}

export interface OpenOptions {
  maxConnections?: number;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** Called after every query with its duration: the request log sums them as "db time". */
  onQuery?: (durationMs: number) => void;
}

/**
 * Opens `sqlite:PATH`, `sqlite::memory:` or a PostgreSQL URI and proves the connection works, so a wrong
 * path or an unreachable server is one clear sentence at start-up, not a failure on the first request.
 */
export async function openDatabase(
  uri: string,
  options: OpenOptions = {},
): Promise<Result<Database, string>> {
  const log = options.onQuery
    ? (event: { queryDurationMillis: number }) => options.onQuery?.(event.queryDurationMillis)
    : undefined;
  if (uri.startsWith('sqlite:')) return openSqlite(uri.slice('sqlite:'.length), log);
  if (/^postgres(ql)?:\/\//.test(uri)) return openPostgres(uri, options, log);
  return err(`unknown database scheme in "${uri.split(':')[0]}:"; use sqlite:PATH or postgresql://…`);
}

type QueryLog = ((event: { queryDurationMillis: number }) => void) | undefined;

function openSqlite(path: string, log: QueryLog): Result<Database, string> {
  const memory = path === ':memory:' || path === '';
  if (!memory) {
    const dir = dirname(path);
    if (!existsSync(dir))
      return err(`cannot open the SQLite database ${path}: the directory ${dir} does not exist`);
    if (existsSync(path) && statSync(path).isDirectory())
      return err(`cannot open the SQLite database ${path}: it is a directory`);
  }
  let sqlite: SqliteDatabase.Database | undefined;
  let reader: SqliteDatabase.Database;
  try {
    sqlite = new SqliteDatabase(memory ? ':memory:' : path);
    // WAL lets readers run during a write.
    if (!memory) sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
    tuneConnection(sqlite);
    sqlite.prepare('SELECT 1').get();
    reader = memory ? sqlite : new SqliteDatabase(path, { readonly: true, fileMustExist: true });
    if (reader !== sqlite) tuneConnection(reader);
  } catch (e) {
    sqlite?.close();
    return err(`cannot open the SQLite database ${path}: ${sqliteReason(e)}`);
  }
  const db = new Kysely<Tables>({
    dialect: new TransactionalSqliteDialect({ database: withStatementCache(sqlite) }),
    plugins: [new SqliteBooleans()],
    log: log && ((event) => log(event)),
  });
  return ok({
    db,
    dialect: 'sqlite',
    description: `sqlite:${memory ? ':memory:' : path}`,
    sqliteReader: reader,
    sqliteWriter: sqlite,
    close: async () => {
      if (reader !== sqlite) reader.close();
      await db.destroy();
    },
  });
}

async function openPostgres(
  uri: string,
  options: OpenOptions,
  log: QueryLog,
): Promise<Result<Database, string>> {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return err('the PostgreSQL URI is not a valid URL');
  }
  const where = `${url.hostname || 'localhost'}:${url.port || 5432}${url.pathname}`;
  const notices = new EventEmitter();
  const pool = new pg.Pool({
    connectionString: uri,
    // The token state triggers tell mxauth's own connections of each change at once (migration 0006);
    // set before the pool hands the connection out, and a connection that cannot is not used.
    onConnect: async (client) => {
      await client.query("SET mxauth.token_notices = 'on'");
      await client.query("SET client_min_messages = 'notice'");
    },
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 30_000,
    idleTimeoutMillis: options.idleTimeoutMs ?? 600_000,
    // BIGINT columns hold millisecond timestamps, well inside a double's exact range.
    types: {
      getTypeParser: (oid, format) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format)),
    } as pg.CustomTypesConfig,
  });
  // An idle client that loses its server must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('notice', (notice) => notices.emit('notice', notice.message));
    // The pool listens for errors only while a client is idle: one checked out when the server goes
    // away would emit 'error' to nobody and crash the process. Its query fails with the error anyway,
    // and the pool drops the dead client when it is released.
    client.on('error', () => {});
  });
  try {
    const client = await pool.connect();
    client.release();
  } catch (e) {
    await pool.end().catch(() => {});
    return err(`cannot connect to PostgreSQL at ${where}: ${postgresReason(e)}`);
  }
  const db = new Kysely<Tables>({
    dialect: new PostgresDialect({ pool }),
    log: log && ((event) => log(event)),
  });
  return ok({
    db,
    dialect: 'postgres',
    description: `postgresql://${where}`,
    pgPool: pool,
    onPgNotice: (listener) => notices.on('notice', listener),
    close: () => db.destroy(),
  });
}

/**
 * Kysely prepares every query anew; preparing costs more than running a small indexed query. The same
 * SQL text (Kysely's output differs only in parameters) reuses one prepared statement. DDL is not cached:
 * a schema change invalidates statements, and migrations run it once anyway.
 */
function withStatementCache(sqlite: SqliteDatabase.Database): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  // An own property shadows the prototype's method: no proxy between Kysely and every call.
  sqlite.prepare = ((sql: string) => {
    let statement = cache.get(sql);
    if (statement) return statement;
    statement = prepare(sql);
    if (/^\s*(select|insert|update|delete|with)\b/i.test(sql) && cache.size < 2000) cache.set(sql, statement);
    return statement;
  }) as SqliteDatabase.Database['prepare'];
  return sqlite;
}

function tuneConnection(sqlite: SqliteDatabase.Database): void {
  // The busy timeout rides out a concurrent CLI command's write.
  sqlite.pragma('busy_timeout = 5000');
  // Token lookups touch random pages of a large table: keep the hot part in memory.
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('mmap_size = 268435456');
  sqlite.pragma('temp_store = MEMORY');
}

/**
 * SQLite runs DDL inside transactions perfectly well, but Kysely's adapter says it does not; saying so
 * makes every migration all-or-nothing, so a failure never leaves a half-migrated database.
 */
class TransactionalSqliteDialect extends SqliteDialect {
  override createAdapter() {
    return new (class extends SqliteAdapter {
      override get supportsTransactionalDdl() {
        return true;
      }
    })();
  }
}

/** better-sqlite3 cannot bind booleans; SQLite stores them as 0/1 anyway. */
class SqliteBooleans implements KyselyPlugin {
  readonly #transformer = new (class extends OperationNodeTransformer {
    protected override transformValue(node: ValueNode): ValueNode {
      if (typeof node.value !== 'boolean') return super.transformValue(node);
      return node.immediate
        ? ValueNode.createImmediate(Number(node.value))
        : ValueNode.create(Number(node.value));
    }
    protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
      return PrimitiveValueListNode.create(node.values.map((v) => (typeof v === 'boolean' ? Number(v) : v)));
    }
  })();
  transformQuery: KyselyPlugin['transformQuery'] = (args) => this.#transformer.transformNode(args.node);
  transformResult: KyselyPlugin['transformResult'] = async (args) => args.result;
}

function sqliteReason(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'SQLITE_CANTOPEN') return 'the file cannot be opened (check the path and its permissions)';
  if (code === 'SQLITE_NOTADB') return 'the file is not an SQLite database';
  if (code === 'SQLITE_READONLY') return 'the file is read-only';
  return (e as Error).message;
}

function postgresReason(e: unknown): string {
  // "localhost" resolves to ::1 and 127.0.0.1; Node reports both failures as one AggregateError.
  const error = (e instanceof AggregateError && e.errors.length > 0 ? e.errors[0] : e) as {
    code?: string;
    message?: string;
  };
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the server running?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'ETIMEDOUT':
      return 'the connection timed out';
    case '3D000':
      return 'the database does not exist';
    case '28P01':
    case '28000':
      return `authentication failed (${error.message})`;
    default:
      return error.message || String(e);
  }
}
