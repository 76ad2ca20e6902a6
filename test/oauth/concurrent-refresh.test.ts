import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type * as oidc from 'openid-client';
import { ManualClock } from '../../src/domain/clock.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { signInDevice } from '../helpers/homeserver-flows.js';
import {
  introspect,
  type RunningMxauth,
  registerClient,
  startMxauth,
  tokenRequest,
} from '../helpers/oauth-server.js';

// Concurrent refreshes of one refresh token (a client sending twice, two tabs) must all succeed and
// leave one chain: never invalid_grant (which Matrix clients take as a sign-out), never two live tokens.

const PASSWORD = 'correct horse battery staple';
const CONCURRENT = 16;
const ROUNDS: Record<string, number> = { postgres: 50, sqlite: 10 };

for (const kind of DATABASE_KINDS) {
  describe(`concurrent refreshes [${kind}]`, () => {
    let server: RunningMxauth;
    let client: oidc.Configuration;
    // Moves only when told: the lost-response retry below comes after identical refreshes share an answer.
    const clock = new ManualClock(Date.now());

    before(async () => {
      server = await startMxauth(kind, {}, { mxauth: { clock } });
      assert.ok((await server.mxauth.users.register({ localpart: 'cora', password: PASSWORD })).ok);
      client = await registerClient(server, { grant_types: ['authorization_code', 'refresh_token'] });
    });
    after(() => server.close());

    async function signIn(device: string) {
      const answer = await signInDevice(
        server.base,
        client,
        { localpart: 'cora', password: PASSWORD },
        device,
      );
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return { access_token: answer.body.access_token!, refresh_token: answer.body.refresh_token! };
    }

    /** A refresh as a client sends it; the raw answer. */
    const refresh = (refreshToken: string) =>
      tokenRequest(server.base, client.clientMetadata().client_id, {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
      });

    test(`${CONCURRENT} concurrent refreshes of one token all succeed with one pair, which keeps working`, async () => {
      let current = (await signIn('CONCUR0001')).refresh_token!;
      for (let round = 0; round < ROUNDS[kind]!; round++) {
        const answers = await Promise.all(Array.from({ length: CONCURRENT }, () => refresh(current)));
        for (const answer of answers)
          assert.equal(answer.status, 200, `round ${round}: ${JSON.stringify(answer.body)}`);
        // One chain, and whichever answer a client kept is it: no fork, nothing that later says invalid_grant.
        const pairs = new Set(answers.map((a) => `${a.body.access_token} ${a.body.refresh_token}`));
        assert.equal(pairs.size, 1, `round ${round}: ${pairs.size} different answers`);
        assert.equal((await introspect(server, answers[0]!.body.access_token!)).active, true);
        current = answers[0]!.body.refresh_token!;
      }
      const last = await refresh(current);
      assert.equal(last.status, 200);
      assert.equal((await introspect(server, last.body.access_token!)).active, true);
    });

    test("a lost-response retry retires the superseded answer's access token", async () => {
      const tokens = await signIn('RETRY00001');
      const lost = await refresh(tokens.refresh_token!);
      assert.equal(lost.status, 200);
      // Long after (a repeat within seconds gets the same answer, above): the answer was lost.
      clock.advance(60_000);
      const retried = await refresh(tokens.refresh_token!);
      assert.equal(retried.status, 200);
      assert.equal((await introspect(server, lost.body.access_token!)).active, false);
      assert.equal((await introspect(server, retried.body.access_token!)).active, true);
      assert.equal((await refresh(retried.body.refresh_token!)).status, 200);
    });
  });
}
