import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The largest body each kind of request may have, in one list: a larger one is refused unread (413, or
 * the endpoint's own error). Each is far more than a real client sends.
 */
export const BODY_LIMITS = {
  /** A page's form: the longest is a registration with every field filled. */
  pageForm: 64 * 1024,
  /** A compatibility API (Matrix login) JSON body. */
  matrixJson: 64 * 1024,
  /** The bodies the engine parses: its own limit, so mxauth's reading never refuses what it accepts. */
  engine: 56 * 1024,
  /** A client registration: anonymous, and each field capped (domain/client-metadata.ts). */
  registration: 16 * 1024,
  /** An introspection form: a token and a hint (read by oauth/introspect.ts's own promise-free reader). */
  introspection: 16 * 1024,
} as const;

/**
 * Reads a request body of at most `limit` bytes; undefined when it is larger. Every body reader of mxauth
 * goes through here (page forms, the compat login's JSON, the engine's bodies read in oauth/hooks.ts).
 *
 * A body is never left half-read on the connection: on a keep-alive connection the next request sits
 * behind its unread bytes, and Node does not discard a body someone has started reading, so that
 * request stalls until the idle timeout resets the socket, with nothing logged. Nor is the request
 * destroyed (as leaving a `for await` over it early does): that errors the response under Koa, which
 * then answers 500 after the fact. A body over the limit is discarded instead, and the connection closed
 * after the answer, which saves reading the rest of a large body only to throw it away.
 */
export function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    // Already read (to its end) by someone else: there is nothing more, and `end` will not come again.
    if (req.readableEnded) return resolve(Buffer.alloc(0));
    if (req.destroyed) return reject(new Error('the request was aborted'));
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      discard(req, res);
      return resolve(undefined);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      cleanup();
      discard(req, res);
      resolve(undefined);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    // Closed without `end` or `error`: the client went away mid-body.
    const onClose = () => onError(new Error('the request was aborted'));
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('close', onClose);
  });
}

/** Lets the rest of a body flow into nothing, and ends the connection once the answer is out. */
function discard(req: IncomingMessage, res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('Connection', 'close');
  req.resume();
}

/**
 * After an answer, whatever is left of its request body is read and dropped, as Node does for bodies
 * nobody touched but not for those a handler began reading and then abandoned (the engine's body parser
 * stops at its limit or on a length mismatch without reading on). Installed once per connection-facing
 * handler (http/app.ts), so no route can leave a keep-alive connection stuck behind unread bytes.
 */
export function drainAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  res.once('finish', () => {
    if (req.readableEnded || req.destroyed) return;
    req.removeAllListeners('data');
    req.resume();
  });
}
