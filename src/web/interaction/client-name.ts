import type { EngineInteractions } from '../../oauth/interactions.js';
import type { InteractionReads } from '../../services/interaction-reads.js';

/** How a client is presented to the person signing in to it. */
export interface ClientPresentation {
  name: string;
  logoUri: string | undefined;
  host: string | undefined;
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
      logoUri: pick('logo_uri', client?.logoUri),
      host: clientUri ? URL.parse(clientUri)?.host : undefined,
    };
  };
}
