import { err, ok, type Result } from '../domain/result.js';
import { resolveAppservices } from './appservices.js';
import { checkBranding } from './branding.js';
import { staticClients } from './clients.js';
import type { Config } from './config.js';
import { httpConfig } from './http.js';
import { captchaConfig, emailConfig, smsConfig } from './messaging.js';
import type { ConfigProblem } from './problems.js';
import { Resolution } from './resolution.js';
import type { ConfigFile } from './schema.js';
import { encryptionKey, passwordSchemes, signingKeys } from './secrets.js';
import {
  accountConfig,
  databaseConfig,
  matrixConfig,
  passwordsConfig,
  rateLimitingConfig,
  tokensConfig,
} from './sections.js';
import { upstreamProviders } from './upstream.js';

/**
 * Turns a validated file into the configuration the code uses: secrets read, paths resolved, defaults
 * derived. The steps run in the file's order, so its problems are reported in that order too.
 */
export function resolveConfig(file: ConfigFile, baseDir: string): Result<Config, ConfigProblem[]> {
  const r = new Resolution(baseDir);
  const matrix = matrixConfig(file, r);
  const secrets = { encryption: encryptionKey(file, r), keys: signingKeys(file, r) };
  const schemes = passwordSchemes(file, r);
  const clients = staticClients(file, r);
  const appservices = resolveAppservices(file, r);
  const http = httpConfig(file);
  const email = emailConfig(file, r);
  const sms = smsConfig(file, r);
  const captcha = captchaConfig(file, r);
  const templates = { path: file.templates.path === undefined ? undefined : r.path(file.templates.path) };
  checkBranding(file.branding, templates.path, r.at);
  const upstream = upstreamProviders(file, r);
  if (r.problems.length > 0) return err(r.problems);
  return ok({
    http,
    database: databaseConfig(file, baseDir),
    matrix,
    secrets,
    passwords: passwordsConfig(file, schemes),
    account: accountConfig(file),
    clients,
    tokens: tokensConfig(file),
    log: file.log,
    rateLimiting: rateLimitingConfig(file),
    appservices,
    email,
    sms,
    captcha,
    branding: file.branding,
    templates,
    upstream,
  });
}
