/** What a probe saw: an answer (status, headers, body text), or why there was none. */
export type ProbeAnswer =
  | { ok: true; status: number; headers: Headers; text: string; json: unknown }
  | { ok: false; reason: string };

export interface ProbeRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Sent as a form (application/x-www-form-urlencoded). */
  form?: Record<string, string>;
  json?: unknown;
}

/**
 * One outbound request, never followed through redirects (a redirect is an answer worth seeing), and
 * always with a timeout: a deployment that hangs must give a finding, not a doctor that hangs.
 */
export async function probe(
  url: URL | string,
  timeoutMs: number,
  request: ProbeRequest = {},
): Promise<ProbeAnswer> {
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  let body: string | undefined;
  if (request.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(request.form).toString();
  } else if (request.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(request.json);
  }
  try {
    const response = await fetch(url, {
      method: request.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    return { ok: true, status: response.status, headers: response.headers, text, json: parseJson(text) };
  } catch (e) {
    return { ok: false, reason: networkReason(e) };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A JSON object's field, or undefined for anything that is not an object. */
export function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** The system's reason under fetch's "fetch failed" (ECONNREFUSED, ENOTFOUND…), or the timeout. */
export function networkReason(e: unknown): string {
  const error = e as Error & { cause?: { code?: string; message?: string; errors?: { code?: string }[] } };
  if (error.name === 'TimeoutError') return 'no answer in time';
  return error.cause?.code ?? error.cause?.errors?.[0]?.code ?? error.cause?.message ?? error.message;
}

/** How an answer reads in a finding: the status and the Matrix error code or OAuth error, if any. */
export function describeAnswer(answer: ProbeAnswer): string {
  if (!answer.ok) return `no answer (${answer.reason})`;
  const code = field(answer.json, 'errcode') ?? field(answer.json, 'error');
  return typeof code === 'string' ? `${answer.status} ${code}` : `${answer.status}`;
}
