import type { Repositories } from '../storage/repositories.js';
import type { ClientLocalization } from './interaction-reads.js';

/** The localized metadata (`client_name#fr`…) of dynamically registered clients, which the engine does not keep. */
export class ClientLocalizationService {
  constructor(private readonly storage: Pick<Repositories, 'clientLocalizations'>) {}

  /** Keeps the localized values a client registered with. */
  save(clientId: string, values: ClientLocalization[]): Promise<void> {
    return this.storage.clientLocalizations.save(clientId, values);
  }
}
