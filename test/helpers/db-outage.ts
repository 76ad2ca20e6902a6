import type { AddressInfo } from 'node:net';
import { connect, createServer, type Socket } from 'node:net';
import type { Mxauth } from '../../src/index.js';
import type { TestDatabase } from './databases.js';

/**
 * A database that can be taken away from a running mxauth. PostgreSQL is reached through a TCP relay
 * that `cut()` closes, with every connection through it: the pool then sees what a server gone down
 * looks like (terminated connections, refused new ones). SQLite has no network: its connections are
 * closed under mxauth, as a file on a volume that went away leaves them unusable.
 */
export interface DatabaseOutage {
  /** The URI to start mxauth with. */
  uri: string;
  cut(mxauth: Mxauth): Promise<void>;
  close(): Promise<void>;
}

export async function databaseOutage(database: TestDatabase): Promise<DatabaseOutage> {
  if (database.kind === 'sqlite') {
    return {
      uri: database.uri,
      cut: async (mxauth) => {
        const { sqliteReader, sqliteWriter } = mxauth.services.database;
        sqliteReader?.close();
        if (sqliteWriter?.open) sqliteWriter.close();
      },
      close: async () => {},
    };
  }
  const target = new URL(database.uri);
  const sockets = new Set<Socket>();
  const relay = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const via = new URL(database.uri);
  via.port = String((relay.address() as AddressInfo).port);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => relay.close(resolve));
  };
  return { uri: via.toString(), cut: close, close };
}
