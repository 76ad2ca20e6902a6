import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { HomeserverConnector } from '../../src/homeserver/connector.js';
import { SynapseConnector } from '../../src/homeserver/synapse.js';
import { ContractHomeserver, newContractUser } from '../helpers/contract-homeserver.js';

/** The `/_synapse/mas/` connector on its own, against the contract homeserver: every failure is a value. */
describe('SynapseConnector', () => {
  const homeserver = new ContractHomeserver('example.test', 'secret');
  let connector: SynapseConnector;

  before(async () => {
    await homeserver.start();
    connector = new SynapseConnector({
      endpoint: new URL(homeserver.endpoint),
      secret: 'secret',
      timeoutMs: 300,
    });
  });
  after(async () => {
    await homeserver.stop();
    assert.deepEqual(homeserver.violations, []);
  });

  const everyCall = (c: HomeserverConnector) => [
    c.queryUser('kim'),
    c.isLocalpartAvailable('kim'),
    c.provisionUser({ localpart: 'kim', displayName: 'Kim', emails: ['kim@example.org'], locked: false }),
    c.upsertDevice('kim', 'KIMPC', 'Element'),
    c.updateDeviceDisplayName('kim', 'KIMPC', 'Desk'),
    c.deleteDevice('kim', 'KIMPC'),
    c.syncDevices('kim', ['KIMPC']),
    c.deleteUser('kim', false),
    c.reactivateUser('kim'),
    c.setDisplayName('kim', null),
    c.allowCrossSigningReset('kim'),
  ];

  test('answers as typed results: unknown user, taken name, reserved name, wrong secret', async () => {
    const unknown = await connector.upsertDevice('nobody', 'DEV');
    assert.equal(!unknown.ok && unknown.error.kind, 'not_found');
    homeserver.users.set('taken', newContractUser());
    const taken = await connector.isLocalpartAvailable('taken');
    assert.equal(!taken.ok && taken.error.kind, 'user_in_use');
    homeserver.exclusive.add('irc_bob');
    const reserved = await connector.isLocalpartAvailable('irc_bob');
    assert.equal(!reserved.ok && reserved.error.kind, 'exclusive');
    const wrong = new SynapseConnector({ endpoint: new URL(homeserver.endpoint), secret: 'nope' });
    const refused = await wrong.queryUser('taken');
    assert.equal(!refused.ok && refused.error.kind, 'unauthorized');
  });

  test('a homeserver that errs, answers garbage, is silent or is gone gives transient failures, never a throw', async () => {
    for (const mode of ['error500', 'garbage', 'hang'] as const) {
      homeserver.misbehave = mode;
      const results = await Promise.all(everyCall(connector));
      for (const result of results)
        assert.equal(!result.ok && result.error.kind, 'transient', `${mode}: ${JSON.stringify(result)}`);
    }
    homeserver.misbehave = 'no';
    await homeserver.stop();
    try {
      for (const result of await Promise.all(everyCall(connector)))
        assert.equal(!result.ok && result.error.kind, 'transient', 'down');
    } finally {
      await homeserver.start();
    }
  });
});
