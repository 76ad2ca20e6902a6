import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A mail as the catcher received it: envelope, headers, and the decoded text and HTML parts. */
export interface CaughtMail {
  envelope: { from: string; to: string[] };
  /** Header names lower-cased; values unfolded and RFC 2047-decoded. */
  headers: Map<string, string>;
  subject: string;
  text: string | undefined;
  html: string | undefined;
  raw: string;
}

/** A refusal the catcher answers a RCPT TO with (e.g. `{code: 451, message: 'try later'}`). */
export interface Refusal {
  code: number;
  message: string;
}

export interface MailCatcherOptions {
  /**
   * Decides each RCPT TO: a refusal, or undefined to accept. `attempt` counts the RCPT TOs for this
   * address so far, from 1.
   */
  rcpt?: (address: string, attempt: number) => Refusal | undefined;
}

export interface MailCatcher {
  port: number;
  mails: CaughtMail[];
  /** Every RCPT TO seen, accepted or not. */
  rcptAttempts: string[];
  /** Resolves once `count` mails have arrived (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<CaughtMail[]>;
  /** The mail to `address` after the `skip` earlier ones to it, waiting for it to arrive. */
  nextTo(address: string, options?: { skip?: number; timeoutMs?: number }): Promise<CaughtMail>;
  close(): Promise<void>;
}

/**
 * A real SMTP server on 127.0.0.1 (`smtp-server`), without TLS: mxauth in `email.mode: plain` sends to
 * it as to any mail server. It does not offer STARTTLS, so a client that requires it must refuse to go on.
 */
export async function startMailCatcher(options: MailCatcherOptions = {}): Promise<MailCatcher> {
  const mails: CaughtMail[] = [];
  const rcptAttempts: string[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      rcptAttempts.push(address.address);
      const attempt = rcptAttempts.filter((a) => a === address.address).length;
      const refusal = options.rcpt?.(address.address, attempt);
      if (!refusal) return callback();
      const error = new Error(refusal.message) as Error & { responseCode: number };
      error.responseCode = refusal.code;
      callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({
          ...parseMail(raw),
          envelope: {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
          },
        });
        for (const waiter of waiters.splice(0)) {
          if (mails.length >= waiter.count) waiter.resolve();
          else waiters.push(waiter);
        }
        callback();
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    rcptAttempts,
    waitFor: (count, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        if (mails.length >= count) return resolve(mails.slice());
        const timer = setTimeout(
          () => reject(new Error(`only ${mails.length} of ${count} mail(s) arrived in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(mails.slice());
          },
        });
      }),
    async nextTo(address, { skip = 0, timeoutMs = 15_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = mails.filter((m) => m.envelope.to.includes(address))[skip];
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no mail to ${address} arrived in ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The first link in a mail's text part that starts with `prefix`. */
export function linkIn(mail: CaughtMail, prefix: string): string {
  const link = (mail.text ?? '').split(/\s+/).find((word) => word.startsWith(prefix));
  if (!link) throw new Error(`no link to ${prefix} in mail ${JSON.stringify(mail.text)}`);
  return link;
}

/** Mail configuration for mxauth that sends to this catcher. */
export function catcherEmailConfig(catcher: MailCatcher, extra: Record<string, unknown> = {}) {
  return {
    transport: 'smtp',
    hostname: '127.0.0.1',
    port: catcher.port,
    mode: 'plain',
    from: '"Example Login" <login@example.test>',
    reply_to: 'support@example.test',
    ...extra,
  };
}

/** The six-digit code in a mail's text part. */
export function codeIn(mail: CaughtMail): string {
  const code = /\b(\d{6})\b/.exec(mail.text ?? '')?.[1];
  if (!code) throw new Error(`no code in mail ${JSON.stringify(mail.text)}`);
  return code;
}

/*
 * Just enough MIME for what nodemailer writes: headers, one level of multipart, quoted-printable and
 * base64 bodies, RFC 2047 encoded words in headers. Test-only: a real client would use a full parser.
 */
function parseMail(raw: string): Omit<CaughtMail, 'envelope'> {
  const { headers, body } = splitEntity(raw);
  const parts: { headers: Map<string, string>; body: string }[] = [];
  collectParts(headers, body, parts);
  const find = (type: string) => {
    const part = parts.find((p) => (p.headers.get('content-type') ?? 'text/plain').startsWith(type));
    return part && decodeBody(part.headers, part.body);
  };
  return {
    headers,
    subject: headers.get('subject') ?? '',
    text: find('text/plain'),
    html: find('text/html'),
    raw,
  };
}

function collectParts(
  headers: Map<string, string>,
  body: string,
  into: { headers: Map<string, string>; body: string }[],
): void {
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!type.startsWith('multipart/') || !boundary) {
    into.push({ headers, body });
    return;
  }
  const sections = body.split(`--${boundary}`).slice(1);
  for (const section of sections) {
    if (section.startsWith('--')) break;
    const entity = splitEntity(section.replace(/^\r?\n/, ''));
    collectParts(entity.headers, entity.body, into);
  }
}

function splitEntity(raw: string): { headers: Map<string, string>; body: string } {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers.set(line.slice(0, colon).trim().toLowerCase(), decodeWords(line.slice(colon + 1).trim()));
  }
  return { headers, body };
}

function decodeBody(headers: Map<string, string>, body: string): string {
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const soft = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < soft.length; i++) {
    const hex = soft.slice(i + 1, i + 3);
    if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(soft[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BQ]\?[^?]*\?=)\s+(?==\?)/gi, '$1')
    .replace(/=\?([^?]+)\?([BQ])\?([^?]*)\?=/gi, (_, _charset: string, kind: string, text: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
}
