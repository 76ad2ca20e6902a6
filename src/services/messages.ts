import type { VerificationPurpose } from '../domain/account.js';
import type { Repositories } from '../storage/repositories.js';

/** The outbox queues of mail and text messages. */
export const MAIL_QUEUE = 'mail';
export const SMS_QUEUE = 'sms';

/**
 * What a mail or a text says, as data: it is rendered from the templates, in the recipient's language,
 * when it is delivered.
 */
export type OutgoingMessage =
  | { kind: 'verification_code'; purpose: VerificationPurpose; code: string; expiresInMinutes?: number }
  | { kind: 'recovery_link'; localpart: string; url: string; expiresInMinutes: number }
  | { kind: 'password_changed'; localpart: string };

export interface MessageRequest {
  /** An email address, or an E.164 phone number for a text. */
  to: string;
  /** The language to render in (one of the page languages). */
  language: string;
  message: OutgoingMessage;
}

/**
 * Hands mail and texts to the outbox: written as a job inside the caller's transaction, so a message is
 * sent exactly when the change that causes it commits, and a mail server outage delays it without losing
 * it. Codes and links are sealed in the job, never stored in clear. `wake` after the commit.
 */
export interface Messenger {
  email(tx: Repositories, request: MessageRequest): Promise<void>;
  sms(tx: Repositories, request: MessageRequest): Promise<void>;
  wake(): void;
}

/** The values of a message that must not appear in logs or job errors. */
export function secretsOf(message: OutgoingMessage): string[] {
  switch (message.kind) {
    case 'verification_code':
      return [message.code];
    case 'recovery_link': {
      // The link, and its token wherever it sits (path or query), should a server echo only that.
      const url = new URL(message.url);
      const parts = [...url.pathname.split('/'), ...url.searchParams.values(), url.search.slice(1)];
      return [message.url, ...parts.filter((part) => part.length >= 16)];
    }
    case 'password_changed':
      return [];
  }
}
