import type { StaticClient } from './config.js';
import type { Resolution } from './resolution.js';
import type { ConfigFile } from './schema.js';

/** The clients of the configuration file, with the grant types they get when none are listed. */
export function staticClients(file: ConfigFile, r: Resolution): StaticClient[] {
  const clients: StaticClient[] = [];
  file.clients.forEach((client, i) => {
    const where = `clients.${i}`;
    const secret = r.secret(client, 'client_secret', where, client.client_auth_method !== 'none')?.trim();
    if (client.client_auth_method === 'none' && secret !== undefined)
      r.at(`${where}.client_secret`)('a client with client_auth_method none has no secret');
    if (clients.some((c) => c.clientId === client.client_id))
      r.at(`${where}.client_id`)(`"${client.client_id}" is used twice`);
    const grantTypes = grantTypesOf(client);
    checkGrantTypes(client, grantTypes, (key) => r.at(`${where}.${key}`));
    clients.push({
      clientId: client.client_id,
      authMethod: client.client_auth_method,
      secret,
      name: client.client_name,
      redirectUris: client.redirect_uris,
      grantTypes,
    });
  });
  return clients;
}

type ClientFile = ConfigFile['clients'][number];

function grantTypesOf(client: ClientFile): StaticClient['grantTypes'] {
  return (
    client.grant_types ??
    (client.redirect_uris.length > 0 ? ['authorization_code', 'refresh_token'] : ['client_credentials'])
  );
}

function checkGrantTypes(
  client: ClientFile,
  grantTypes: StaticClient['grantTypes'],
  at: (key: string) => (message: string) => void,
): void {
  if (grantTypes.includes('client_credentials') && client.client_auth_method === 'none')
    at('grant_types')('client_credentials needs a confidential client (a client_auth_method with a secret)');
  if (grantTypes.includes('authorization_code') && client.redirect_uris.length === 0)
    at('redirect_uris')('a client using authorization_code needs at least one redirect URI');
}
