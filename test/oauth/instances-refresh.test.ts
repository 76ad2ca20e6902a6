import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type * as oidc from 'openid-client';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { signInDevice } from '../helpers/homeserver-flows.js';
import {
  introspect,
  type RunningMxauth,
  registerClient,
  startMxauth,
  tokenRequest,
} from '../helpers/oauth-server.js';

// The same refresh reaching two instances behind a load balancer (a client sending twice, two tabs):
// every answer succeeds and one chain remains, with one live access token; the answer that lost is
// retired as a lost response's is. PostgreSQL only: SQLite serves one instance (docs/operations.md).

const PASSWORD = 'correct horse battery staple';
const PER_INSTANCE = 8;
const ROUNDS = 25;

describe('concurrent refreshes across two instances on one PostgreSQL database', () => {
  let database: TestDatabase;
  let a: RunningMxauth;
  let b: RunningMxauth;
  let client: oidc.Configuration;

  before(async () => {
    database = await createTestDatabase('postgres');
    a = await startMxauth('postgres', {}, { database });
    b = await startMxauth('postgres', {}, { database });
    assert.ok((await a.mxauth.users.register({ localpart: 'ida', password: PASSWORD })).ok);
    client = await registerClient(a, { grant_types: ['authorization_code', 'refresh_token'] });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  const refresh = (server: RunningMxauth, refreshToken: string) =>
    tokenRequest(server.base, client.clientMetadata().client_id, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });

  test('every answer succeeds, one answer stays live and refreshes, a retired one ends the session', async () => {
    const first = await signInDevice(a.base, client, { localpart: 'ida', password: PASSWORD }, 'MULTI00001');
    assert.equal(first.status, 200);
    let current = first.body.refresh_token!;
    let retired: string | undefined;
    for (let round = 0; round < ROUNDS; round++) {
      const answers = await Promise.all(
        Array.from({ length: PER_INSTANCE * 2 }, (_, i) => refresh(i % 2 ? b : a, current)),
      );
      for (const answer of answers)
        assert.equal(answer.status, 200, `round ${round}: ${JSON.stringify(answer.body)}`);
      const distinct = [...new Map(answers.map((x) => [x.body.access_token!, x.body])).values()];
      const live: (typeof distinct)[number][] = [];
      for (const pair of distinct) if ((await introspect(a, pair.access_token!)).active) live.push(pair);
      assert.equal(live.length, 1, `round ${round}: ${live.length} of ${distinct.length} answers live`);
      retired ??= distinct.find((pair) => pair !== live[0])?.refresh_token;
      current = live[0]!.refresh_token!;
    }
    const last = await refresh(b, current);
    assert.equal(last.status, 200, JSON.stringify(last.body));
    assert.equal((await introspect(a, last.body.access_token!)).active, true);

    // A retired answer's refresh token is treated as a replay, as after a lost-response retry.
    assert.ok(retired, 'some round had two answers (one per instance)');
    const replay = await refresh(a, retired);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    assert.equal((await introspect(b, last.body.access_token!)).active, false);
  });
});
