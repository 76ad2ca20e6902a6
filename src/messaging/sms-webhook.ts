import { type Delivery, delivered, refused, tryLater } from './delivery.js';
import { isRetryableStatus, networkReason, type SmsSender } from './sms-sender.js';

/**
 * Texts as a JSON POST (`{"to": "+4930…", "body": "…"}`) to the operator's own gateway, with
 * `Authorization: Bearer <secret>` when a secret is set. Any 2xx is accepted.
 */
export function webhookSender(
  config: { url: string; secret: string | undefined },
  http: { fetch: typeof fetch; timeoutMs: number },
): SmsSender {
  const where = new URL(config.url);
  return {
    description: `webhook ${where.origin}${where.pathname}`,
    async send(to, body): Promise<Delivery> {
      let response: Response;
      try {
        response = await http.fetch(config.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            ...(config.secret ? { authorization: `Bearer ${config.secret}` } : {}),
          },
          body: JSON.stringify({ to, body }),
          // A redirect would carry the secret and the code somewhere the operator did not name.
          redirect: 'manual',
          signal: AbortSignal.timeout(http.timeoutMs),
        });
      } catch (e) {
        return tryLater(`the SMS webhook cannot be reached: ${networkReason(e)}`);
      }
      // The answer's body is not read into the error: a gateway may echo the text, and with it the code.
      await response.body?.cancel().catch(() => {});
      if (response.status >= 200 && response.status < 300) return delivered;
      const error = `the SMS webhook answered HTTP ${response.status}`;
      if (isRetryableStatus(response.status)) return tryLater(error);
      if (response.status >= 300 && response.status < 400)
        return refused(`${error} (a redirect; sms.webhook.url must name the endpoint itself)`);
      return refused(error);
    },
  };
}
