import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { DomainEvent, EventRelay } from '../domain/events.js';

const CHANNEL = 'mxauth_events';

/**
 * PostgreSQL LISTEN/NOTIFY between the processes sharing a database: one dedicated connection listens;
 * notifications go out through it too. Each process ignores its own messages. A lost connection is
 * reopened; events sent meanwhile are missed, which the caches' short lifetime bounds.
 */
export async function postgresRelay(uri: string, onError: (e: Error) => void): Promise<EventRelay> {
  const origin = randomUUID();
  const listeners: ((event: DomainEvent) => void)[] = [];
  let client: pg.Client | undefined;
  let closed = false;
  const pending = new Set<Promise<void>>();

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: uri });
    next.on('error', (e) => {
      onError(e);
      if (client === next) client = undefined;
      if (!closed) setTimeout(() => void connect().catch(onError), 1000).unref();
    });
    next.on('notification', (message) => {
      if (message.channel !== CHANNEL || !message.payload) return;
      try {
        const { origin: from, kind, id } = JSON.parse(message.payload) as { origin: string } & DomainEvent;
        if (from === origin || (kind !== 'grant' && kind !== 'user') || typeof id !== 'string') return;
        for (const listener of listeners) listener({ kind, id });
      } catch {
        // Not one of ours: ignore.
      }
    });
    await next.connect();
    await next.query(`LISTEN ${CHANNEL}`);
    client = next;
  };
  await connect();

  return {
    publish(event) {
      const sent = client
        ?.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify({ origin, ...event })])
        .then(() => undefined, onError);
      if (!sent) return;
      pending.add(sent);
      void sent.finally(() => pending.delete(sent));
    },
    subscribe(listener) {
      listeners.push(listener);
    },
    async close() {
      closed = true;
      // A CLI command publishes and exits at once: let its notifications leave first.
      await Promise.all(pending);
      await client?.end().catch(() => {});
    },
  };
}
