import type { EngineInteractions } from '../../oauth/interactions.js';
import type { InteractionReads } from '../../services/interaction-reads.js';

/** How a client is presented to the person signing in to it. */
export interface ClientPresentation {
  name: string;
  /** The logo, only when the browser may fetch it (see `shownLogo`); else the page shows the initial. */
  logoUri: string | undefined;
  host: string | undefined;
  /** The client's own terms of service and privacy policy: http(s) URLs only. */
  tosUri: string | undefined;
  policyUri: string | undefined;
}

export type ClientNames = (clientId: string, language: string) => Promise<ClientPresentation>;

/** A client's name, logo and host in the page's language (`client_name#fr`), else as registered. */
export function clientNames(interactions: EngineInteractions, reads: InteractionReads): ClientNames {
  return async (clientId, language) => {
    const client = await interactions.client(clientId);
    const localized = await reads.clientLocalizations(clientId);
    const pick = (field: string, fallback: unknown) =>
      localized.find((l) => l.field === field && l.language === language)?.value ??
      localized.find((l) => l.field === field && l.language.split('-')[0] === language)?.value ??
      (typeof fallback === 'string' ? fallback : undefined);
    const clientUri = pick('client_uri', client?.clientUri);
    return {
      name: pick('client_name', client?.clientName) ?? clientId,
      logoUri: shownLogo(pick('logo_uri', client?.logoUri), clientUri),
      host: clientUri ? URL.parse(clientUri)?.host : undefined,
      tosUri: webLink(pick('tos_uri', client?.tosUri)),
      policyUri: webLink(pick('policy_uri', client?.policyUri)),
    };
  };
}

/**
 * The logo a person's browser may fetch: `https`, with no user name or password, on exactly the host of
 * the client's `client_uri` (the site the consent page names). Anything else (another host, a subdomain,
 * plain http, a `data:` URI) is never fetched: the page shows the client's initial instead, so a client
 * cannot make every browser that sees its consent page call a host of its choosing.
 */
export function shownLogo(logoUri: string | undefined, clientUri: string | undefined): string | undefined {
  if (!logoUri || !clientUri) return undefined;
  const logo = URL.parse(logoUri);
  const site = URL.parse(clientUri);
  if (!logo || !site || logo.protocol !== 'https:' || logo.username || logo.password) return undefined;
  return logo.host === site.host ? logo.href : undefined;
}

/** `uri` when it is an http(s) URL a link may point at, else nothing (no `javascript:`, no `data:`). */
function webLink(uri: string | undefined): string | undefined {
  const url = uri ? URL.parse(uri) : null;
  return url && (url.protocol === 'https:' || url.protocol === 'http:') ? url.href : undefined;
}
