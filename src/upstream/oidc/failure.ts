import { AuthorizationResponseError, ClientError, ResponseBodyError } from 'openid-client';

/**
 * Why a call to a provider did not give what a sign-in needs. The pages name the provider and offer the
 * other ways in; the detail goes to the log only (it may quote the provider).
 */
export type UpstreamFailure =
  /** Not reached in time, or the connection failed. */
  | { kind: 'unreachable'; detail: string }
  /** It answered, but not with what the protocol says (not JSON, wrong fields, HTTP errors). */
  | { kind: 'bad_response'; detail: string }
  /** It refused in the protocol's own words (an OAuth error: access_denied, invalid_grant…). */
  | { kind: 'refused'; error: string; detail: string }
  /** Its answer failed a check: signature, issuer, audience, nonce, state, expiry. */
  | { kind: 'untrusted'; detail: string };

export function unreachable(what: string, e: unknown): UpstreamFailure {
  const cause = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
  return { kind: 'unreachable', detail: `${what}: ${cause}` };
}

/** What openid-client threw, sorted. */
export function classifyClientError(what: string, e: unknown): UpstreamFailure {
  if (e instanceof AuthorizationResponseError || e instanceof ResponseBodyError)
    return {
      kind: 'refused',
      error: e.error,
      detail: `${what}: ${e.error} ${e.error_description ?? ''}`.trim(),
    };
  const error = e as Error & { code?: string; name?: string };
  if (error?.name === 'TimeoutError' || error?.name === 'AbortError' || error instanceof TypeError)
    return unreachable(what, e);
  if (e instanceof ClientError || error?.code?.startsWith('OAUTH_')) {
    const code = error.code ?? '';
    // The answer was not what the protocol says (HTML for JSON, an HTTP error without an OAuth body).
    if (
      code === 'OAUTH_RESPONSE_IS_NOT_JSON' ||
      code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' ||
      code === 'OAUTH_INVALID_RESPONSE'
    )
      return { kind: 'bad_response', detail: `${what}: ${error.message}` };
    return { kind: 'untrusted', detail: `${what}: ${error.message}` };
  }
  return { kind: 'untrusted', detail: `${what}: ${error?.message ?? String(e)}` };
}
