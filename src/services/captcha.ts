import type { Config } from '../config/config.js';
import { err, ok, type Result } from '../domain/result.js';

export type CaptchaService = NonNullable<Config['captcha']>['service'];

/** How a provider's widget is embedded and its answer checked, as each provider documents it. */
export interface CaptchaProvider {
  /** The widget's script; `{lang}` becomes the page language. */
  scriptUrl: string;
  /** The element class the script turns into a widget. */
  widgetClass: string;
  /** The form field the widget fills with its answer. */
  responseField: string;
  /** The siteverify endpoint the server checks the answer at. */
  verifyUrl: string;
  /** Origins the page's Content-Security-Policy must allow for the widget, per directive. */
  csp: Partial<Record<'script-src' | 'frame-src' | 'style-src' | 'connect-src', string[]>>;
}

export const CAPTCHA_PROVIDERS: Record<CaptchaService, CaptchaProvider> = {
  recaptcha_v2: {
    scriptUrl: 'https://www.google.com/recaptcha/api.js?hl={lang}',
    widgetClass: 'g-recaptcha',
    responseField: 'g-recaptcha-response',
    verifyUrl: 'https://www.google.com/recaptcha/api/siteverify',
    csp: {
      'script-src': ['https://www.google.com/recaptcha/', 'https://www.gstatic.com/recaptcha/'],
      'frame-src': ['https://www.google.com/recaptcha/', 'https://recaptcha.google.com/recaptcha/'],
    },
  },
  hcaptcha: {
    scriptUrl: 'https://js.hcaptcha.com/1/api.js?hl={lang}',
    widgetClass: 'h-captcha',
    responseField: 'h-captcha-response',
    verifyUrl: 'https://api.hcaptcha.com/siteverify',
    csp: {
      'script-src': ['https://hcaptcha.com', 'https://*.hcaptcha.com'],
      'frame-src': ['https://hcaptcha.com', 'https://*.hcaptcha.com'],
      'style-src': ['https://hcaptcha.com', 'https://*.hcaptcha.com'],
      'connect-src': ['https://hcaptcha.com', 'https://*.hcaptcha.com'],
    },
  },
  cloudflare_turnstile: {
    scriptUrl: 'https://challenges.cloudflare.com/turnstile/v0/api.js',
    widgetClass: 'cf-turnstile',
    responseField: 'cf-turnstile-response',
    verifyUrl: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
    csp: {
      'script-src': ['https://challenges.cloudflare.com'],
      'frame-src': ['https://challenges.cloudflare.com'],
    },
  },
};

export type CaptchaProblem =
  /** The form came without the widget's answer (not solved, or no JavaScript). */
  | { kind: 'missing' }
  /** The provider said no; its error codes, for the log. */
  | { kind: 'failed'; codes: string[] }
  /** The provider could not be asked or answered nonsense: refused too, never waved through. */
  | { kind: 'unavailable'; reason: string };

/** Longest answer sent on to the provider; real ones are a few kilobytes at most. */
const MAX_RESPONSE_LENGTH = 8192;

/**
 * Checks a CAPTCHA answer with the provider's siteverify API: the secret, the answer and the person's
 * address, form-encoded; `{"success": true}` back. Anything else refuses the registration.
 */
export class CaptchaVerifier {
  readonly provider: CaptchaProvider;
  readonly #verifyUrl: string;

  constructor(
    private readonly config: NonNullable<Config['captcha']>,
    private readonly fetcher: typeof fetch = fetch,
    private readonly timeoutMs = 10_000,
    /**
     * The host the widget must have been solved on (public_base's): the providers report it, and an
     * answer solved on another site with the same site key is refused, as their documentation advises.
     */
    private readonly expectedHostname?: string,
  ) {
    this.provider = CAPTCHA_PROVIDERS[config.service];
    this.#verifyUrl = config.verifyUrl ?? this.provider.verifyUrl;
  }

  get siteKey(): string {
    return this.config.siteKey;
  }

  /** The answer the widget put in a submitted form, if any. */
  responseIn(form: Record<string, string>): string | undefined {
    const value = form[this.provider.responseField];
    return value && value.length <= MAX_RESPONSE_LENGTH ? value : undefined;
  }

  async verify(
    response: string | undefined,
    remoteIp: string | undefined,
  ): Promise<Result<void, CaptchaProblem>> {
    if (!response) return err({ kind: 'missing' });
    const body = new URLSearchParams({ secret: this.config.secretKey, response });
    if (remoteIp) body.set('remoteip', remoteIp);
    let answer: unknown;
    try {
      const reply = await this.fetcher(this.#verifyUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!reply.ok) {
        await reply.body?.cancel();
        return err({ kind: 'unavailable', reason: `siteverify answered ${reply.status}` });
      }
      answer = await reply.json();
    } catch (e) {
      return err({ kind: 'unavailable', reason: (e as Error).message });
    }
    if (
      typeof answer !== 'object' ||
      answer === null ||
      typeof (answer as { success?: unknown }).success !== 'boolean'
    )
      return err({ kind: 'unavailable', reason: 'siteverify answered without a success flag' });
    const {
      success,
      hostname,
      'error-codes': codes,
    } = answer as { success: boolean; hostname?: unknown; 'error-codes'?: unknown };
    if (
      success &&
      typeof hostname === 'string' &&
      this.expectedHostname &&
      hostname !== this.expectedHostname
    )
      return err({ kind: 'failed', codes: ['hostname-mismatch'] });
    if (success) return ok(undefined);
    return err({
      kind: 'failed',
      codes: Array.isArray(codes) ? codes.filter((c): c is string => typeof c === 'string') : [],
    });
  }
}
