import { type Delivery, delivered, refused, tryLater } from './delivery.js';
import { isRetryableStatus, networkReason, type SmsSender } from './sms-sender.js';

export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  from: string | undefined;
  messagingServiceSid: string | undefined;
  apiBase: string;
}

/**
 * Texts through Twilio's Messages API (or a provider that speaks it): a form-encoded POST to
 * `{api_base}2010-04-01/Accounts/{AccountSid}/Messages.json` with HTTP Basic auth (AccountSid:AuthToken),
 * answered 201 with the created message, or a JSON error `{code, message, more_info, status}`.
 */
export function twilioSender(
  config: TwilioConfig,
  http: { fetch: typeof fetch; timeoutMs: number },
): SmsSender {
  const base = config.apiBase.endsWith('/') ? config.apiBase : `${config.apiBase}/`;
  const url = new URL(`2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Messages.json`, base);
  const credentials = Buffer.from(`${config.accountSid}:${config.authToken}`).toString('base64');
  return {
    description: `twilio ${url.origin} (account ${config.accountSid})`,
    async send(to, body): Promise<Delivery> {
      const form = new URLSearchParams({ To: to });
      // A messaging service picks the sender number itself; it wins when both are configured.
      if (config.messagingServiceSid) form.set('MessagingServiceSid', config.messagingServiceSid);
      else if (config.from) form.set('From', config.from);
      form.set('Body', body);
      let response: Response;
      try {
        response = await http.fetch(url, {
          method: 'POST',
          headers: {
            authorization: `Basic ${credentials}`,
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          body: form,
          redirect: 'manual',
          signal: AbortSignal.timeout(http.timeoutMs),
        });
      } catch (e) {
        return tryLater(`Twilio cannot be reached: ${networkReason(e)}`);
      }
      if (response.status >= 200 && response.status < 300) {
        await response.body?.cancel().catch(() => {});
        return delivered;
      }
      const error = `Twilio answered HTTP ${response.status}${await twilioError(response)}`;
      return isRetryableStatus(response.status) ? tryLater(error) : refused(error);
    },
  };
}

/** Twilio's own reason (`: 21211 The 'To' number … is not a valid phone number.`), when it gave one. */
async function twilioError(response: Response): Promise<string> {
  try {
    const answer = (await response.json()) as { code?: unknown; message?: unknown };
    const code = typeof answer.code === 'number' || typeof answer.code === 'string' ? `${answer.code} ` : '';
    return typeof answer.message === 'string' ? `: ${code}${answer.message}` : '';
  } catch {
    return '';
  }
}
