/**
 * What a mail transport or an SMS sender says of one message: accepted, or refused, either for now
 * (try again later) or for good (this message will never be accepted as it is).
 */
export type Delivery = { ok: true } | { ok: false; permanent: boolean; error: string };

export const delivered: Delivery = { ok: true };

export function tryLater(error: string): Delivery {
  return { ok: false, permanent: false, error };
}

export function refused(error: string): Delivery {
  return { ok: false, permanent: true, error };
}

/** Longest error kept in a job row and a log line: a reason, not a transcript. */
const MAX_ERROR_LENGTH = 300;

/**
 * An error fit for a log line and the jobs table: the message's secrets (a code, a link) replaced
 * wherever a remote server echoed them back, shortened, on one line.
 */
export function scrubError(error: string, secrets: readonly string[]): string {
  let out = error.replace(/\s+/g, ' ').trim();
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out.length > MAX_ERROR_LENGTH ? `${out.slice(0, MAX_ERROR_LENGTH - 1)}…` : out;
}
