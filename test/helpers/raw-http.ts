import { connect, type Socket } from 'node:net';

/** How one request on a raw keep-alive connection ended. */
export type RawOutcome =
  | { kind: 'response'; status: number; close: boolean; headers: Record<string, string>; body: Buffer }
  /** The server closed or reset the connection before a whole answer arrived. */
  | { kind: 'closed'; reset: boolean; received: number }
  /** Nothing complete arrived within the budget. */
  | { kind: 'stalled'; received: number };

/**
 * One HTTP/1.1 connection driven by hand, so a test can send what no HTTP client library would (wrong
 * lengths, bytes that are not UTF-8, bodies cut off) and see exactly how each answer ends: a response, a
 * close or reset, or silence. Responses are parsed just enough (status, headers, Content-Length or
 * chunked body) to know where one ends and the next begins.
 */
export class RawConnection {
  private buffer = Buffer.alloc(0);
  private ended: { reset: boolean } | undefined;
  private wake: (() => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake?.();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.ended = { reset: error.code === 'ECONNRESET' || error.code === 'EPIPE' };
      this.wake?.();
    });
    socket.on('close', () => {
      this.ended ??= { reset: false };
      this.wake?.();
    });
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket));
      });
      socket.once('error', reject);
      socket.setNoDelay(true);
    });
  }

  get closed(): boolean {
    return this.ended !== undefined || this.socket.destroyed;
  }

  /** Sends the bytes (optionally then half-closes) and waits up to `budgetMs` for one whole answer. */
  async exchange(
    bytes: Buffer,
    budgetMs: number,
    options: { endAfter?: boolean; head?: boolean } = {},
  ): Promise<RawOutcome> {
    if (this.closed) return { kind: 'closed', reset: false, received: 0 };
    this.socket.write(bytes);
    if (options.endAfter) this.socket.end();
    const deadline = Date.now() + budgetMs;
    for (;;) {
      const parsed = parseResponse(this.buffer, options.head === true);
      if (parsed) {
        this.buffer = this.buffer.subarray(parsed.length);
        // A 100 Continue is not the answer.
        if (parsed.response.status === 100) continue;
        return parsed.response;
      }
      if (this.ended) return { kind: 'closed', reset: this.ended.reset, received: this.buffer.length };
      const left = deadline - Date.now();
      if (left <= 0) return { kind: 'stalled', received: this.buffer.length };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function parseResponse(
  data: Buffer,
  head: boolean,
): { response: Extract<RawOutcome, { kind: 'response' }>; length: number } | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine = '', ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const close = /\bclose\b/i.test(headers.connection ?? '');
  let offset = end + 4;
  let body: Buffer;
  if (head || status === 100 || status === 204 || status === 304) body = Buffer.alloc(0);
  else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = data.indexOf('\r\n', offset);
      if (lineEnd === -1) return undefined;
      const size = Number.parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16);
      if (Number.isNaN(size)) return undefined;
      if (data.length < lineEnd + 2 + size + 2) return undefined;
      parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
      offset = lineEnd + 2 + size + 2;
      if (size === 0) break;
    }
    body = Buffer.concat(parts);
  } else if (headers['content-length'] !== undefined) {
    const size = Number(headers['content-length']);
    if (data.length < offset + size) return undefined;
    body = data.subarray(offset, offset + size);
    offset += size;
  } else if (close) {
    // Delimited by the close: complete only once the connection has ended (not tracked here).
    return undefined;
  } else body = Buffer.alloc(0);
  return { response: { kind: 'response', status, close, headers, body }, length: offset };
}
