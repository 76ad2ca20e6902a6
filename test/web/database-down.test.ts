import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLogger } from '../../src/observability/logger.js';
import { newBrowser } from '../helpers/browser.js';
import { createTestDatabase, DATABASE_KINDS } from '../helpers/databases.js';
import { databaseOutage } from '../helpers/db-outage.js';
import { registerClient, startMxauth } from '../helpers/oauth-server.js';

for (const kind of DATABASE_KINDS) {
  describe(`while the database is down [${kind}]`, () => {
    test('pages say "temporarily unavailable" with 503 and Retry-After, APIs answer 503 in their format, the log says it once', async () => {
      const database = await createTestDatabase(kind);
      const outage = await databaseOutage(database);
      const lines: Record<string, unknown>[] = [];
      const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) });
      const server = await startMxauth(
        kind,
        { database: { uri: outage.uri } },
        { database, mxauth: { logger } },
      );
      try {
        const clientId = (await registerClient(server)).clientMetadata().client_id;
        const authorize = new URL('authorize', server.base);
        authorize.search = new URLSearchParams({
          client_id: clientId,
          response_type: 'code',
          scope: 'openid',
          redirect_uri: 'https://app.example.com/cb',
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
        }).toString();
        const browser = newBrowser(server.base, { accept: 'text/html', 'accept-language': 'de' });
        const login = await browser.get(authorize.href);
        assert.equal(login.status, 200, 'the sign-in page, before the outage');

        await outage.cut(server.mxauth);

        // A page of mxauth's own (the sign-in page reads its interaction).
        const again = await browser.get(login.url);
        assert.equal(again.status, 503);
        assert.equal(again.headers.get('retry-after'), '30');
        assert.match(again.html, /<html lang="de"/);
        assert.match(again.html, /example\.test ist vorübergehend nicht erreichbar/);
        assert.match(again.html, /href="\/">Zur Startseite</);
        assert.doesNotMatch(again.html, /oops|Etwas ist schiefgelaufen/);

        // A page of the engine's (it reads the client first).
        const engine = await fetch(authorize, { headers: { accept: 'text/html' } });
        assert.equal(engine.status, 503);
        assert.match(await engine.text(), /example\.test is temporarily unavailable/);

        // The legacy login API answers in Matrix's format.
        const compat = await fetch(new URL('_matrix/client/v3/login', server.base), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            type: 'm.login.password',
            identifier: { type: 'm.id.user', user: 'nobody' },
            password: 'whatever it is',
          }),
        });
        assert.equal(compat.status, 503);
        assert.equal(((await compat.json()) as { errcode: string }).errcode, 'M_UNKNOWN');
        assert.equal(compat.headers.get('retry-after'), '30');

        const outageLines = lines.filter((l) => l.msg === 'requests fail: the database is unavailable');
        assert.equal(outageLines.length, 1, 'three failed requests, one line');
        assert.equal(outageLines[0]!.err, undefined, 'no stack trace');
      } finally {
        await server.close().catch(() => {});
        await outage.close();
        await database.drop();
      }
    });
  });
}
