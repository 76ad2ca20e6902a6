import type { Config } from './config.js';
import type { Resolution } from './resolution.js';
import type { ConfigFile } from './schema.js';

/** The outgoing channels (mail, texts) and the captcha service: each with the secret it is reached by. */

export function emailConfig(file: ConfigFile, r: Resolution): Config['email'] {
  const { password_file: _passwordFile, ...email } = file.email;
  return { ...email, password: r.secret(file.email, 'password', 'email', false) };
}

export function smsConfig(file: ConfigFile, r: Resolution): Config['sms'] {
  const { webhook, twilio } = file.sms;
  const webhookSecret = webhook ? r.secret(webhook, 'secret', 'sms.webhook', false) : undefined;
  const twilioToken = twilio ? r.secret(twilio, 'auth_token', 'sms.twilio', true) : undefined;
  return {
    sender: file.sms.sender,
    ...(webhook ? { webhook: { url: webhook.url, secret: webhookSecret } } : {}),
    ...(twilio
      ? {
          twilio: {
            accountSid: twilio.account_sid,
            authToken: twilioToken ?? '',
            from: twilio.from,
            messagingServiceSid: twilio.messaging_service_sid,
            apiBase: twilio.api_base,
          },
        }
      : {}),
  };
}

export function captchaConfig(file: ConfigFile, r: Resolution): Config['captcha'] {
  const { captcha } = file;
  const secretKey = captcha.service ? r.secret(captcha, 'secret_key', 'captcha', true) : undefined;
  if (!captcha.service || !captcha.site_key) return undefined;
  return {
    service: captcha.service,
    siteKey: captcha.site_key,
    secretKey: secretKey ?? '',
    verifyUrl: captcha.verify_url,
  };
}
