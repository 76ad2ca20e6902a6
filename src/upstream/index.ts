import type { Config } from '../config/config.js';
import type { Clock } from '../domain/clock.js';
import type { Rng } from '../domain/random.js';
import type { Outbox } from '../jobs/outbox.js';
import type { EngineInteractions } from '../oauth/interactions.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { OAuthSessionService } from '../services/oauth-sessions.js';
import { SecretBox } from '../services/secret-box.js';
import type { UserService } from '../services/users.js';
import type { Storage } from '../storage/storage.js';
import { UpstreamAccounts } from './accounts.js';
import { BrowserBinding } from './browser-binding.js';
import { UpstreamFlow } from './flow.js';
import { type UpstreamHandlers, upstreamHandlers } from './http.js';
import { UpstreamLogout } from './logout.js';
import { type UpstreamMetrics, upstreamMetrics } from './metrics.js';
import { OidcUpstream } from './oidc/client.js';

/** Every call to a provider (discovery, token, userinfo, JWKS) gives up after this. */
const UPSTREAM_TIMEOUT_MS = 10_000;

export interface Upstream {
  handlers: UpstreamHandlers;
  flow: UpstreamFlow;
  accounts: UpstreamAccounts;
  binding: BrowserBinding;
  metrics: UpstreamMetrics;
  /** For the engine's resume hook: the browser session an upstream sign-in ended in. */
  signedIn(authorizationId: string, browserSessionUid: string): Promise<void>;
}

/**
 * Sign-in through upstream providers, composed: one OpenID Connect client per enabled provider, the flow
 * (authorize and callback), what identities mean for accounts, back-channel logout, and its routes.
 * Undefined when no provider is enabled.
 */
export function buildUpstream(
  config: Config,
  deps: {
    storage: Storage;
    users: UserService;
    outbox: Outbox;
    sessions: OAuthSessionService;
    interactions: EngineInteractions;
    encryptionKey: Buffer;
    clock: Clock;
    rng: Rng;
    logger: Logger;
    metrics?: Metrics | undefined;
  },
): Upstream | undefined {
  const enabled = config.upstream.filter((p) => p.enabled);
  if (enabled.length === 0) return undefined;
  const clients = new Map(
    enabled.map((p) => [
      p.id,
      new OidcUpstream(p, {
        keys: config.secrets.keys,
        timeoutMs: UPSTREAM_TIMEOUT_MS,
        now: () => deps.clock.now().getTime(),
      }),
    ]),
  );
  const callbackBase = config.http.publicBase;
  const flow = new UpstreamFlow({
    storage: deps.storage,
    box: new SecretBox(deps.encryptionKey, deps.rng),
    clock: deps.clock,
    clients,
    redirectUri: (p) => new URL(`upstream/callback/${p.id}`, callbackBase).href,
  });
  const accounts = new UpstreamAccounts({
    storage: deps.storage,
    users: deps.users,
    outbox: deps.outbox,
    passwordsEnabled: config.passwords.enabled,
    providerEnabled: (id) => clients.has(id),
  });
  const binding = new BrowserBinding(config, deps.rng);
  const metrics = upstreamMetrics(deps.metrics);
  const logout = new UpstreamLogout({ storage: deps.storage, sessions: deps.sessions });
  const handlers = upstreamHandlers({
    config,
    flow,
    binding,
    interactions: deps.interactions,
    logout,
    metrics,
    logger: deps.logger,
  });
  return {
    handlers,
    flow,
    accounts,
    binding,
    metrics,
    signedIn: (id, uid) => deps.storage.upstreamAuthorizations.attachBrowserSession(id, uid),
  };
}
