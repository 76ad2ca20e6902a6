import type { Config } from '../config/config.js';
import type { RenderedMail } from '../messaging/mail-transport.js';
import type { MessageRequest, OutgoingMessage } from '../services/messages.js';
import { html, type SafeHtml } from './html.js';
import { type MessageKey, type Translate, translator } from './i18n.js';

/** What mails and texts say about who sends them, from the configuration. */
export interface Brand {
  /** `branding.service_name`, or the server name. */
  serviceName: string;
  serverName: string;
  /** The account page, linked from security notices. */
  accountUrl: string;
  /** Host of `public_base`: the origin an SMS code is bound to, for browsers that fill it in. */
  host: string;
  /** Button colour (needs 4.5:1 contrast with white, as on the pages). */
  accent: string;
}

export function brandFromConfig(config: Config): Brand {
  return {
    serviceName: config.branding.service_name ?? config.matrix.homeserver,
    serverName: config.matrix.homeserver,
    accountUrl: new URL('account/', config.http.publicBase).href,
    host: config.http.publicBase.hostname,
    accent: config.branding.colors.primary ?? '#0b5cad',
  };
}

/** The parts of a mail, in order: rendered once as plain text and once as HTML, so both say the same. */
type Block =
  | { kind: 'paragraph'; text: string }
  | { kind: 'code'; label: string; code: string }
  | { kind: 'link'; label: string; url: string; fallback: string };

interface Content {
  subject: string;
  blocks: Block[];
}

/** The strings of one language: the built-in catalogs unless the caller has the admin's overrides. */
export type TranslateIn = (language: string) => Translate;

const builtIn: TranslateIn = (language) => translator(undefined, language);

/** A mail for `request`, in the request's language. */
export function renderMail(
  brand: Brand,
  request: MessageRequest,
  translate: TranslateIn = builtIn,
): RenderedMail {
  const t = translate(request.language);
  const content = mailContent(brand, t, request.message);
  const footer = t('mail.footer', { service: brand.serviceName });
  return {
    subject: content.subject,
    text: plainText(t, content.blocks, footer),
    html: htmlBody(brand, t, content, footer),
    language: t.language,
  };
}

/** A text message for `request`: short, the code first, so it shows in a notification. */
export function renderSms(brand: Brand, request: MessageRequest, translate: TranslateIn = builtIn): string {
  const t = translate(request.language);
  const message = request.message;
  const service = brand.serviceName;
  switch (message.kind) {
    case 'verification_code':
      // The last line is the origin-bound one-time code format (WICG sms-one-time-codes): browsers
      // offer the code only on this host, which takes the sting out of a phishing page asking for it.
      return `${t('sms.code', { code: message.code, service })}\n\n@${brand.host} #${message.code}`;
    case 'recovery_link':
      return t('sms.recovery', { service, url: message.url });
    case 'password_changed':
      return t('sms.password_changed', { service, account: account(brand, message.localpart) });
  }
}

function mailContent(brand: Brand, t: Translate, message: OutgoingMessage): Content {
  const service = brand.serviceName;
  switch (message.kind) {
    case 'verification_code': {
      const blocks: Block[] = [
        { kind: 'paragraph', text: t(`mail.code.lead.${message.purpose}` as MessageKey, { service }) },
        { kind: 'code', label: t('mail.code.label'), code: message.code },
      ];
      if (message.expiresInMinutes !== undefined)
        blocks.push({
          kind: 'paragraph',
          text: t('mail.code.expiry', { minutes: String(message.expiresInMinutes) }),
        });
      blocks.push({ kind: 'paragraph', text: t('mail.code.ignore') });
      return { subject: t(`mail.code.subject.${message.purpose}` as MessageKey, { service }), blocks };
    }
    case 'recovery_link':
      return {
        subject: t('mail.recovery.subject', { service }),
        blocks: [
          {
            kind: 'paragraph',
            text: t('mail.recovery.lead', { service, account: account(brand, message.localpart) }),
          },
          {
            kind: 'link',
            label: t('mail.recovery.button'),
            url: message.url,
            fallback: t('mail.link_fallback'),
          },
          {
            kind: 'paragraph',
            text: t('mail.recovery.expiry', { minutes: String(message.expiresInMinutes) }),
          },
          { kind: 'paragraph', text: t('mail.recovery.ignore') },
        ],
      };
    case 'password_changed':
      return {
        subject: t('mail.password_changed.subject', { service }),
        blocks: [
          {
            kind: 'paragraph',
            text: t('mail.password_changed.lead', { service, account: account(brand, message.localpart) }),
          },
          { kind: 'paragraph', text: t('mail.password_changed.warning') },
          {
            kind: 'link',
            label: t('mail.password_changed.button'),
            url: brand.accountUrl,
            fallback: t('mail.link_fallback'),
          },
        ],
      };
  }
}

function account(brand: Brand, localpart: string): string {
  return `@${localpart}:${brand.serverName}`;
}

function plainText(t: Translate, blocks: Block[], footer: string): string {
  const parts = [t('mail.greeting')];
  for (const block of blocks) {
    if (block.kind === 'paragraph') parts.push(block.text);
    else if (block.kind === 'code') parts.push(`    ${block.code}`);
    else parts.push(`${block.label}:\n${block.url}`);
  }
  // "-- " (with the space) is the signature separator mail clients recognise and fold away.
  return `${parts.join('\n\n')}\n\n-- \n${footer}\n`;
}

/*
 * Mail clients ignore style sheets and strip much of CSS, so the HTML is one column with inline styles,
 * light colours fixed (a mail client's dark mode inverts them itself), and real text, not images.
 */
const FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";

function htmlBody(brand: Brand, t: Translate, content: Content, footer: string): string {
  const blocks = content.blocks.map((block) => htmlBlock(brand, block));
  return html`<!doctype html>
<html lang="${t.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${content.subject}</title>
</head>
<body style="margin:0;padding:0;background:#f4f6f8">
<div role="article" aria-label="${content.subject}" lang="${t.language}" style="max-width:560px;margin:0 auto;padding:24px 16px;${FONT};font-size:16px;line-height:1.5;color:#17191c">
<div style="background:#ffffff;border:1px solid #c9ced6;border-radius:12px;padding:24px">
<h1 style="margin:0 0 16px;font-size:20px;line-height:1.3">${brand.serviceName}</h1>
<p style="margin:0 0 16px">${t('mail.greeting')}</p>
${blocks}
</div>
<p style="margin:16px 0 0;font-size:13px;color:#50565f">${footer}</p>
</div>
</body>
</html>
`.toString();
}

function htmlBlock(brand: Brand, block: Block): SafeHtml {
  switch (block.kind) {
    case 'paragraph':
      return html`<p style="margin:0 0 16px">${block.text}</p>
`;
    case 'code':
      return html`<p style="margin:0 0 16px"><span style="display:block;font-size:13px;color:#50565f">${block.label}</span><strong style="display:inline-block;margin-top:4px;padding:8px 16px;border-radius:8px;background:#eef1f5;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:28px;letter-spacing:6px;color:#17191c">${block.code}</strong></p>
`;
    case 'link':
      return html`<p style="margin:0 0 16px"><a href="${block.url}" style="display:inline-block;padding:12px 20px;border-radius:8px;background:${brand.accent};color:#ffffff;font-weight:600;text-decoration:none">${block.label}</a></p>
<p style="margin:0 0 16px;font-size:13px;color:#50565f">${block.fallback}<br><a href="${block.url}" style="color:${brand.accent};word-break:break-all">${block.url}</a></p>
`;
  }
}
