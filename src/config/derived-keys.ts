import { hkdfSync } from 'node:crypto';
import type { Config } from './config.js';

/**
 * Every key mxauth derives from `secrets.encryption`, one per purpose, so that a value sealed or signed
 * for one purpose never opens or verifies for another. The labels are part of the stored data: changing
 * one makes what was sealed with it unreadable (sessions, sealed jobs, cookies), so they never change.
 */
export const KEY_LABELS = {
  /** The engine's cookie signatures (oauth/provider.ts). */
  engineCookies: 'mxauth cookie signing',
  /** The known-browser cookie's MAC (web/known-browser.ts). */
  knownBrowser: 'mxauth known browser',
  /** The sealed cookies that carry a step of an interaction (web/interaction-state.ts). */
  termsCookie: 'mxauth mxauth-terms',
  registrationCookie: 'mxauth mxauth-registration',
  /** Sealed fields of the engine's stored records (oauth/adapter.ts). */
  oauthRecords: 'mxauth oauth records',
  /** Sealed secrets of upstream sign-ins: nonce, PKCE verifier, ID token (upstream/flow.ts). */
  upstream: 'mxauth upstream',
  /** CSRF token MACs (web/csrf.ts). */
  csrf: 'mxauth csrf',
  /** Sealed mail and SMS jobs (messaging/). */
  messages: 'mxauth messages',
  /** Verification code hashes (services/verification.ts). */
  codes: 'mxauth codes',
} as const;

export type KeyLabel = (typeof KEY_LABELS)[keyof typeof KEY_LABELS];

/** The 32-byte key for `label` (HKDF-SHA-256 over `secrets.encryption`, no salt). */
export function deriveKey(config: Pick<Config, 'secrets'>, label: KeyLabel): Buffer {
  return Buffer.from(hkdfSync('sha256', config.secrets.encryption, Buffer.alloc(0), label, 32));
}
