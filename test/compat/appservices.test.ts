import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppserviceRegistry, compileNamespaceRegex } from '../../src/compat/appservices.js';
import { parseConfig } from '../../src/config/load.js';
import { testConfig } from '../helpers/config.js';

const SERVER = 'example.test';

function registry(): AppserviceRegistry {
  const loaded = parseConfig(
    testConfig({
      matrix: { homeserver: SERVER },
      appservices: [
        {
          id: 'whatsapp',
          as_token: 'wa-token',
          hs_token: 'wa-hs',
          url: null,
          sender_localpart: 'whatsappbot',
          namespaces: {
            users: [
              { exclusive: true, regex: '@whatsapp_.*:example\\.test' },
              { exclusive: false, regex: '@shared_.*' },
            ],
            aliases: [{ exclusive: true, regex: '#whatsapp_.*' }],
          },
        },
        {
          id: 'telegram',
          as_token: 'tg-token',
          sender_localpart: 'telegrambot',
          namespaces: { users: [{ exclusive: true, regex: '@telegram_.*' }] },
        },
      ],
    }),
  );
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.error));
  return AppserviceRegistry.fromConfig(loaded.value);
}

test('the token names its appservice; a wrong, empty or near token names none', () => {
  const r = registry();
  assert.equal(r.authenticate('wa-token')?.id, 'whatsapp');
  assert.equal(r.authenticate('tg-token')?.id, 'telegram');
  assert.equal(r.authenticate('wa-token2'), undefined);
  assert.equal(r.authenticate('wa-toke'), undefined);
  assert.equal(r.authenticate(''), undefined);
  assert.equal(r.authenticate('wa-hs'), undefined, 'the hs_token is not a login token');
  assert.equal(r.enabled, true);
  assert.equal(new AppserviceRegistry([], SERVER).enabled, false);
});

test('a user of an exclusive namespace may be signed in; one outside it may not', () => {
  const r = registry();
  const wa = r.authenticate('wa-token')!;
  assert.equal(r.mayLogin(wa, 'whatsapp_123'), true);
  assert.equal(r.mayLogin(wa, 'alice'), false);
  assert.equal(r.mayLogin(wa, 'xwhatsapp_123'), false, 'anchored at the start, as re.match');
});

test('a user of a non-exclusive namespace may not be signed in', () => {
  const r = registry();
  assert.equal(r.mayLogin(r.authenticate('wa-token')!, 'shared_1'), false);
});

test("the appservice's sender may be signed in", () => {
  const r = registry();
  assert.equal(r.mayLogin(r.authenticate('wa-token')!, 'whatsappbot'), true);
  assert.equal(r.mayLogin(r.authenticate('tg-token')!, 'whatsappbot'), false);
});

test("two appservices do not see each other's users", () => {
  const r = registry();
  const wa = r.authenticate('wa-token')!;
  const tg = r.authenticate('tg-token')!;
  assert.equal(r.mayLogin(tg, 'telegram_9'), true);
  assert.equal(r.mayLogin(wa, 'telegram_9'), false);
  assert.equal(r.mayLogin(tg, 'whatsapp_123'), false);
});

test('namespace regexes match from the start only, on the full user id of this server', () => {
  const r = registry();
  const wa = r.authenticate('wa-token')!;
  // `@whatsapp_.*:example\.test` is not anchored at the end (re.match): a longer server name matches too,
  // but mayLogin only ever asks about this server's users.
  assert.equal(r.mayLogin(wa, 'whatsapp_1'), true);
  const regex = compileNamespaceRegex('@a_.*:example\\.test');
  assert.ok(regex.ok);
  assert.equal(regex.value.test('@a_1:example.test.evil'), true, 'not anchored at the end');
  assert.equal(regex.value.test('x@a_1:example.test'), false, 'anchored at the start');
  const strict = compileNamespaceRegex('@a_.*:example\\.test\\Z');
  assert.ok(strict.ok);
  assert.equal(strict.value.test('@a_1:example.test.evil'), false, '\\Z ends the match');
  assert.equal(strict.value.test('@a_1:example.test'), true);
});

test('Python regex spellings are translated: named groups and leading flags', () => {
  const named = compileNamespaceRegex('@(?P<p>irc)_(?P=p)_.*');
  assert.ok(named.ok, !named.ok ? named.error : '');
  assert.equal(named.value.test('@irc_irc_bob:x'), true);
  assert.equal(named.value.test('@irc_xyz_bob:x'), false);
  const caseless = compileNamespaceRegex('(?i)@BRIDGE_.*');
  assert.ok(caseless.ok);
  assert.equal(caseless.value.test('@bridge_1:x'), true);
  assert.equal(compileNamespaceRegex('@a_[').ok, false);
  assert.equal(compileNamespaceRegex('(?x)@a').ok, false);
});
