import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bind } from '../config/config.js';

export interface RunningServer {
  /** `host:port` or the socket path, for messages. */
  address: string;
  port: number | undefined;
  close(graceMs: number): Promise<void>;
}

/** Binds one address. Errors such as a port in use become a sentence naming the address. */
export function listen(bind: Bind, handler: RequestListener): Promise<RunningServer> {
  const server = createServer(handler);
  // Slowloris guard: a client gets 30 s to send its headers and 60 s for the whole request.
  server.headersTimeout = 30_000;
  server.requestTimeout = 60_000;
  const target =
    'socket' in bind ? bind.socket : `${bind.host.includes(':') ? `[${bind.host}]` : bind.host}:${bind.port}`;
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      const reason =
        e.code === 'EADDRINUSE'
          ? 'the address is already in use'
          : e.code === 'EACCES'
            ? 'permission denied'
            : e.code === 'EADDRNOTAVAIL'
              ? 'the address is not available on this machine'
              : e.message;
      reject(new Error(`cannot listen on ${target}: ${reason}`));
    });
    const onListening = () => {
      const info = server.address();
      const port = typeof info === 'object' && info ? (info as AddressInfo).port : undefined;
      const address = 'socket' in bind ? bind.socket : target.replace(/:\d+$/, `:${port}`);
      resolve({ address, port, close: (graceMs) => closeGracefully(server, graceMs) });
    };
    if ('socket' in bind) server.listen(bind.socket, onListening);
    else server.listen({ host: bind.host, port: bind.port }, onListening);
  });
}

/** Stops accepting, lets requests in flight finish for up to `graceMs`, then cuts what is left. */
function closeGracefully(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
