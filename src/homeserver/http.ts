import { err, ok, type Result } from '../domain/result.js';
import type { HomeserverError } from './connector.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A 2xx answer: its status and its parsed JSON body (undefined when empty). */
export interface HomeserverAnswer {
  status: number;
  body: unknown;
}

export interface HomeserverHttpOptions {
  /** Sent as `Authorization: Bearer`. */
  secret: string;
  timeoutMs: number;
  fetch: typeof fetch;
  /** How a non-2xx answer becomes an error; `classify` unless told. */
  classify?: (status: number, body: unknown, what: string) => HomeserverError;
}

/**
 * JSON over HTTP to the homeserver with the shared secret, where every failure is a value: an
 * unreachable, slow or confused homeserver never throws.
 */
export class HomeserverHttp {
  readonly #secret: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #classify: (status: number, body: unknown, what: string) => HomeserverError;

  constructor(options: HomeserverHttpOptions) {
    this.#secret = options.secret;
    this.#timeoutMs = options.timeoutMs;
    this.#fetch = options.fetch;
    this.#classify = options.classify ?? classify;
  }

  async call(
    method: HttpMethod,
    url: URL,
    body?: object,
    options: { timeoutMs?: number } = {},
  ): Promise<Result<HomeserverAnswer, HomeserverError>> {
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.#secret}`,
          accept: 'application/json',
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (e) {
      const error = e as Error;
      const reason = error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : causeOf(error);
      return err({ kind: 'transient', message: `${method} ${url.pathname}: ${reason}` });
    }
    let parsed: unknown;
    if (text.trim() !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        // A proxy's HTML error page, or a truncated answer: worth another try only if the status says so.
        if (response.ok)
          return err({ kind: 'transient', message: `${method} ${url.pathname}: the answer is not JSON` });
      }
    }
    if (response.ok) return ok({ status: response.status, body: parsed });
    return err(this.#classify(response.status, parsed, `${method} ${url.pathname}`));
  }
}

/** The call's outcome without its answer. */
export function done(result: Result<unknown, HomeserverError>): Result<void, HomeserverError> {
  return result.ok ? ok(undefined) : result;
}

/** The Matrix error body of a non-2xx answer, if it has one. */
export function matrixError(body: unknown): { errcode?: string; error?: string } {
  const { errcode, error } = (body ?? {}) as { errcode?: unknown; error?: unknown };
  return {
    ...(typeof errcode === 'string' ? { errcode } : {}),
    ...(typeof error === 'string' ? { error } : {}),
  };
}

export function classify(status: number, body: unknown, what: string): HomeserverError {
  const { errcode: code, error } = matrixError(body);
  const message = `${what}: ${error ?? `HTTP ${status}`}`;
  if (code === 'M_USER_IN_USE') return { kind: 'user_in_use', message };
  if (code === 'M_INVALID_USERNAME') return { kind: 'invalid_username', message };
  if (code === 'M_EXCLUSIVE') return { kind: 'exclusive', message };
  if (status === 401 || status === 403)
    return {
      kind: 'unauthorized',
      message: `${what}: the homeserver refused the shared secret (HTTP ${status})`,
    };
  if (status === 404) return { kind: 'not_found', message };
  // Overloaded, restarting, behind a proxy that lost it: the same call may work later.
  if (status >= 500 || status === 408 || status === 429) return { kind: 'transient', message };
  return { kind: 'rejected', status, ...(code ? { errcode: code } : {}), message };
}

function causeOf(error: Error): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? error.message;
}
