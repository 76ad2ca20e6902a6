import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import { type Delivery, delivered, refused, tryLater } from './delivery.js';

/** A mail as the pages' mail templates render it (src/web/mail-render.ts). */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
  /** The language it was rendered in (a supported one, English when the request's is not). */
  language: string;
}

export interface OutgoingMail extends RenderedMail {
  to: string;
  /** What the mail is (`verification_code`…), for log lines that must not show its content. */
  kind: string;
}

export type TransportCheck = { ok: true; detail: string } | { ok: false; error: string };

/** Where mail leaves mxauth: `email.transport`, behind one small interface. */
export interface MailTransport {
  /** For log lines and `mxauth doctor`: which server or command, never credentials. */
  readonly description: string;
  /** Hands one mail over; never throws: a refusal is a value saying whether a later try may succeed. */
  send(mail: OutgoingMail): Promise<Delivery>;
  /** Whether mail could leave now (connects and logs in, or finds the command); sends nothing. */
  verify(): Promise<TransportCheck>;
}

export interface MailTransportOptions {
  logger: Logger;
  /** Longest wait for the SMTP server to accept a connection, greet, or answer one command. */
  timeoutMs?: number;
}

type EmailConfig = Config['email'];

const DEFAULT_PORT = { starttls: 587, tls: 465, plain: 25 } as const;

export function createMailTransport(config: EmailConfig, options: MailTransportOptions): MailTransport {
  switch (config.transport) {
    case 'smtp':
      return smtpTransport(config, options.timeoutMs ?? 30_000);
    case 'sendmail':
      return sendmailTransport(config);
    case 'blackhole':
      return blackholeTransport(options.logger);
    case 'log':
      return logTransport(options.logger);
  }
}

/** The SMTP port `email.port` names, or the usual one for `email.mode`. */
export function smtpPort(config: EmailConfig): number {
  return config.port ?? DEFAULT_PORT[config.mode];
}

function smtpTransport(config: EmailConfig, timeoutMs: number): MailTransport {
  const host = config.hostname ?? 'localhost';
  const port = smtpPort(config);
  // nodemailer is large and CLI commands that never send mail should not pay for loading it.
  const transporter = lazy(async () => {
    const { default: nodemailer } = await import('nodemailer');
    return nodemailer.createTransport({
      host,
      port,
      // `tls`: TLS from the first byte. `starttls`: upgrade, and refuse to go on in clear when the server
      // cannot (a man in the middle stripping STARTTLS would otherwise read every code). `plain`: never TLS.
      secure: config.mode === 'tls',
      requireTLS: config.mode === 'starttls',
      ignoreTLS: config.mode === 'plain',
      tls: { minVersion: 'TLSv1.2' },
      auth: config.username ? { user: config.username, pass: config.password ?? '' } : undefined,
      connectionTimeout: Math.min(timeoutMs, 10_000),
      greetingTimeout: Math.min(timeoutMs, 10_000),
      socketTimeout: timeoutMs,
      dnsTimeout: Math.min(timeoutMs, 10_000),
      // Mail content never names files or URLs to attach; refuse if it ever did.
      disableFileAccess: true,
      disableUrlAccess: true,
      logger: false,
    });
  });
  return {
    description: `smtp ${host}:${port} (${config.mode})`,
    async send(mail) {
      try {
        await (await transporter()).sendMail(message(config, mail));
        return delivered;
      } catch (error) {
        return smtpFailure(error);
      }
    },
    async verify() {
      try {
        await (await transporter()).verify();
        return {
          ok: true,
          detail: `${host}:${port} accepts connections (${config.mode})${config.username ? ' and the credentials' : ''}`,
        };
      } catch (error) {
        const failure = smtpFailure(error);
        return { ok: false, error: failure.ok ? 'unknown error' : failure.error };
      }
    },
  };
}

function sendmailTransport(config: EmailConfig): MailTransport {
  const transporter = lazy(async () => {
    const { default: nodemailer } = await import('nodemailer');
    return nodemailer.createTransport({
      sendmail: true,
      path: config.command,
      newline: 'unix',
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  });
  return {
    description: `sendmail (${config.command})`,
    async send(mail) {
      try {
        await (await transporter()).sendMail(message(config, mail));
        return delivered;
      } catch (error) {
        return sendmailFailure(error);
      }
    },
    async verify() {
      const found = await findExecutable(config.command);
      return found
        ? { ok: true, detail: `${found} is executable` }
        : { ok: false, error: `${config.command} is not an executable file (set email.command)` };
    },
  };
}

function blackholeTransport(logger: Logger): MailTransport {
  return {
    description: 'blackhole (mail is dropped)',
    async send(mail) {
      // Which mail, not what it says: its code or link must not reach the log either.
      logger.info({ kind: mail.kind, language: mail.language }, 'mail dropped: email.transport is blackhole');
      return delivered;
    },
    async verify() {
      return { ok: true, detail: 'blackhole: mail is dropped, nothing is sent' };
    },
  };
}

/**
 * Development mail: the whole message, its codes and links included, goes to the log and nowhere else,
 * so a person can register on a fresh install without a mail server. `config check` refuses it with an
 * https public base; the warning at creation (once, when the server composes its outbox) says why the
 * log holds codes.
 */
function logTransport(logger: Logger): MailTransport {
  logger.warn(
    'email.transport is log: every mail, codes and links included, is written to this log and not sent (development only)',
  );
  return {
    description: 'log (development: mail is written to the log, not sent)',
    async send(mail) {
      logger.info(
        {
          development_mail: {
            kind: mail.kind,
            to: mail.to,
            language: mail.language,
            subject: mail.subject,
            text: mail.text,
          },
        },
        `development mail to ${mail.to}: ${mail.subject}`,
      );
      return delivered;
    },
    async verify() {
      return { ok: true, detail: 'log: mail is written to the log, nothing is sent (development only)' };
    },
  };
}

function message(config: EmailConfig, mail: OutgoingMail) {
  return {
    from: config.from,
    replyTo: config.reply_to,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    headers: {
      // RFC 3834: out-of-office replies and auto-responders leave it alone.
      'Auto-Submitted': 'auto-generated',
      'Content-Language': mail.language,
    },
  };
}

type SmtpError = Error & { code?: string; responseCode?: number; command?: string };

/**
 * What an SMTP failure means for the mail: a 5xx reply refuses this mail for good (the recipient does
 * not exist, the content is rejected); a 4xx reply, a network failure or a timeout may pass. A refused
 * login or a failed TLS setup is a configuration fault that an operator fixes, so the mail waits for it.
 */
function smtpFailure(e: unknown): Delivery {
  const error = e as SmtpError;
  const reason = error.message ?? String(e);
  if (error.code === 'EAUTH')
    return tryLater(`the SMTP server refused the login (check email.username and email.password): ${reason}`);
  if (error.code === 'ETLS')
    return tryLater(`no TLS with the SMTP server, so nothing was sent (check email.mode): ${reason}`);
  if (error.responseCode !== undefined && error.responseCode >= 500 && error.responseCode < 600)
    return refused(reason);
  // An envelope the client itself rejects (a malformed address) will never pass either.
  if (error.code === 'EENVELOPE' && error.responseCode === undefined) return refused(reason);
  return tryLater(error.code ? `${error.code}: ${reason}` : reason);
}

/** sendmail's exit codes (sysexits.h) that no retry changes: bad usage, bad data, no such user or host. */
const PERMANENT_EXIT_CODES = new Set([64, 65, 67, 68]);

function sendmailFailure(e: unknown): Delivery {
  const reason = (e as Error).message ?? String(e);
  const exit = Number(/exited with code (\d+)/.exec(reason)?.[1]);
  if (PERMANENT_EXIT_CODES.has(exit) || /Invalid envelope addresses/.test(reason)) return refused(reason);
  return tryLater(reason);
}

/** The command's path when it names an executable file (directly, or through $PATH). */
async function findExecutable(command: string): Promise<string | undefined> {
  const candidates = command.includes('/')
    ? [command]
    : (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin')
        .split(delimiter)
        .filter((dir) => dir.length > 0)
        .map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make().catch((error) => {
      made = undefined;
      throw error;
    });
    return made;
  };
}
