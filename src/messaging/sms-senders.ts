import type { Config } from '../config/config.js';
import { refused } from './delivery.js';
import type { SmsSender } from './sms-sender.js';
import { twilioSender } from './sms-twilio.js';
import { webhookSender } from './sms-webhook.js';

export interface SmsSenderOptions {
  fetch?: typeof fetch;
  /** Longest wait for the gateway's answer. */
  timeoutMs?: number;
}

export function createSmsSender(config: Config['sms'], options: SmsSenderOptions = {}): SmsSender {
  const http = { fetch: options.fetch ?? fetch, timeoutMs: options.timeoutMs ?? 10_000 };
  if (config.sender === 'webhook' && config.webhook) return webhookSender(config.webhook, http);
  if (config.sender === 'twilio' && config.twilio) return twilioSender(config.twilio, http);
  return {
    description: 'none',
    // Nothing offers phone numbers without a sender; a text queued anyway is an error to show, not to retry.
    send: async () => refused('sms.sender is none: texts cannot be sent'),
  };
}
