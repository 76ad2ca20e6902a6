import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setImmediate as immediate, setTimeout as sleep } from 'node:timers/promises';
import * as oidc from 'openid-client';
import { ManualClock } from '../../src/domain/clock.js';
import { ContextGate } from '../../src/observability/context-gate.js';
import { newBrowser } from '../helpers/browser.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { introspect, type RunningMxauth, registerClient, startMxauth } from '../helpers/oauth-server.js';

// The engine's request context, the instance the gate switches off (see src/observability/context-gate.ts and src/oauth/provider.ts).
const ENGINE_CONTEXT = 'oidc-provider/lib/helpers/als.js';
const engineContext = ((await import(ENGINE_CONTEXT)) as { default: AsyncLocalStorage<unknown> }).default;
/** Node's own state of an instance (not documented, stable since Node 13): false once disabled. */
const enabled = (context: AsyncLocalStorage<unknown>) => (context as unknown as { enabled: boolean }).enabled;

describe('context gate', () => {
  test('switches the contexts off only when the last request it counts has settled', async () => {
    const gate = new ContextGate();
    let disabled = 0;
    gate.add({ disable: () => disabled++ });
    assert.equal(disabled, 1, 'off at once when nothing runs');
    const settle: ((error?: Error) => void)[] = [];
    for (let i = 0; i < 2; i++)
      gate.track(new Promise<void>((resolve, reject) => settle.push((e) => (e ? reject(e) : resolve()))));
    settle[0]!();
    await immediate();
    assert.equal(disabled, 1, 'one request still runs');
    settle[1]!(new Error('a failed request settles too'));
    await immediate();
    assert.equal(disabled, 2);
  });

  test('requests in flight keep their store through every kind of async step while others come and go', async () => {
    const gate = new ContextGate();
    const context = new AsyncLocalStorage<number>();
    gate.add(context);
    const seen: [number, number | undefined][] = [];
    const request = async (id: number) => {
      await sleep(Math.random() * 5);
      const work = context.run(id, async () => {
        for (let step = 0; step < 5; step++) {
          if (step % 3 === 0) await sleep(Math.random() * 3);
          else if (step % 3 === 1) await immediate();
          else await new Promise<void>((resolve) => process.nextTick(resolve));
          seen.push([id, context.getStore()]);
        }
      });
      gate.track(work);
      await work;
    };
    // Untracked work meanwhile (the fast path) sees no store, and must not end anyone else's.
    const untracked = (async () => {
      for (let i = 0; i < 50; i++) {
        await immediate();
        assert.equal(context.getStore(), undefined);
      }
    })();
    await Promise.all([...Array.from({ length: 200 }, (_, i) => request(i)), untracked]);
    assert.equal(seen.length, 200 * 5);
    for (const [id, store] of seen) assert.equal(store, id);
    assert.equal(enabled(context), false, 'off again once every request has settled');
  });
});

const PASSWORD = 'correct horse battery staple';
const REDIRECT = 'https://app.example.com/cb';
const API = 'urn:matrix:client:api:*';

for (const kind of DATABASE_KINDS) {
  describe(`context gate with the engine [${kind}]`, () => {
    let server: RunningMxauth;
    let config: oidc.Configuration;
    // Moves only when told: a retry a minute later is a lost response, not a repeat (refresh-turns.ts).
    const clock = new ManualClock(Date.now());

    before(async () => {
      server = await startMxauth(kind, {}, { mxauth: { clock } });
      assert.ok((await server.mxauth.users.register({ localpart: 'gina', password: PASSWORD })).ok);
      config = await registerClient(server, { grant_types: ['authorization_code', 'refresh_token'] });
    });
    after(() => server.close());

    async function signIn(device: string) {
      const browser = newBrowser(server.base);
      const verifier = randomBytes(32).toString('base64url');
      let page = await browser.get(
        oidc.buildAuthorizationUrl(config, {
          redirect_uri: REDIRECT,
          scope: `${API} urn:matrix:client:device:${device}`,
          state: 's',
          code_challenge: createHash('sha256').update(verifier).digest('base64url'),
          code_challenge_method: 'S256',
        }).href,
      );
      page = await browser.submit(page, { username: 'gina', password: PASSWORD });
      page = await browser.submit(page, { decision: 'allow' });
      return oidc.authorizationCodeGrant(config, new URL(page.url), {
        pkceCodeVerifier: verifier,
        expectedState: 's',
      });
    }

    test('concurrent engine requests keep their context while introspections run beside them', async () => {
      const devices = Array.from({ length: 8 }, (_, i) => `GATE${String(i).padStart(4, '0')}`);
      const signedIn = await Promise.all(devices.map(signIn));
      const issuer = server.base;

      // A refresh retried with the same token: the engine's adapter reads the request's context to link
      // the rotation, and only through that link does presenting the first replacement end the session.
      // Without its context a refresh would still succeed, and the replayed token would go on working.
      const retriedRefresh = async (i: number) => {
        const first = signedIn[i]!;
        const a = await oidc.refreshTokenGrant(config, first.refresh_token!);
        clock.advance(60_000);
        const b = await oidc.refreshTokenGrant(config, first.refresh_token!);
        await assert.rejects(oidc.refreshTokenGrant(config, a.refresh_token!), { error: 'invalid_grant' });
        return b;
      };
      // Introspections of the devices no refresh touches, and discovery, all through the same listener.
      const steady = signedIn.slice(4);
      const introspections = async () => {
        for (let n = 0; n < 40; n++) {
          const i = n % steady.length;
          const answer = await introspect(server, steady[i]!.access_token);
          assert.equal(answer.active, true);
          assert.equal(answer.device_id, devices[4 + i]);
        }
      };
      const discovery = async () => {
        for (let n = 0; n < 10; n++) {
          const response = await fetch(`${server.base}.well-known/openid-configuration`);
          assert.equal(((await response.json()) as { issuer: string }).issuer, issuer);
        }
      };
      const [retried] = await Promise.all([
        Promise.all([0, 1, 2, 3].map(retriedRefresh)),
        introspections(),
        introspections(),
        discovery(),
      ]);
      for (const tokens of retried)
        assert.deepEqual(await introspect(server, tokens.access_token), { active: false });
      assert.equal(enabled(engineContext), false, "the engine's context is off once its requests are done");
    });
  });
}
