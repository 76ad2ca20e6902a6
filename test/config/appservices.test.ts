import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { loadConfigFile, parseConfig } from '../../src/config/load.js';
import { formatProblem } from '../../src/config/problems.js';
import { testConfig } from '../helpers/config.js';

const dir = mkdtempSync(join(tmpdir(), 'mxauth-appservices-'));
const write = (name: string, data: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof data === 'string' ? data : stringify(data));
  return path;
};
const problems = (result: ReturnType<typeof parseConfig>) =>
  result.ok ? [] : result.error.map(formatProblem);

// A registration as a bridge writes it for Synapse (mautrix style), with keys mxauth ignores.
const bridge = {
  id: 'whatsapp',
  url: 'http://localhost:29318',
  as_token: 'wa-as-token',
  hs_token: 'wa-hs-token',
  sender_localpart: 'whatsappbot',
  rate_limited: false,
  namespaces: {
    users: [
      { regex: '^@whatsappbot:example\\.test$', exclusive: true },
      { regex: '^@whatsapp_.*:example\\.test$', exclusive: true },
    ],
    aliases: [],
  },
  'de.sorunome.msc2409.push_ephemeral': true,
  receive_ephemeral: true,
};

test('no appservices by default', () => {
  const loaded = parseConfig(testConfig());
  assert.ok(loaded.ok);
  assert.deepEqual(loaded.value.appservices, []);
});

test('an inline registration is resolved: token, sender id, compiled namespaces', () => {
  const loaded = parseConfig(testConfig({ appservices: [bridge] }));
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.error));
  const [as] = loaded.value.appservices;
  assert.equal(as?.id, 'whatsapp');
  assert.equal(as?.asToken, 'wa-as-token');
  assert.equal(as?.sender, '@whatsappbot:example.test');
  assert.equal(as?.file, undefined);
  assert.deepEqual(
    as?.userNamespaces.map((n) => n.exclusive),
    [true, true],
  );
  assert.equal(as?.userNamespaces[1]?.regex.test('@whatsapp_1:example.test'), true);
});

test('a registration file is read, relative to the configuration file', () => {
  mkdirSync(join(dir, 'registrations'), { recursive: true });
  write('registrations/whatsapp.yaml', bridge);
  const config = write(
    'with-file.yaml',
    stringify(testConfig({ appservices: [{ file: 'registrations/whatsapp.yaml' }] })),
  );
  const loaded = loadConfigFile(config);
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.error));
  assert.equal(loaded.value.appservices[0]?.asToken, 'wa-as-token');
  assert.equal(loaded.value.appservices[0]?.file, join(dir, 'registrations/whatsapp.yaml'));
});

test('a missing registration file is a problem at its config path', () => {
  const config = write('missing.yaml', stringify(testConfig({ appservices: [{ file: 'nope.yaml' }] })));
  const loaded = loadConfigFile(config);
  assert.deepEqual(problems(loaded), [
    `appservices.0.file: cannot read ${join(dir, 'nope.yaml')}: no such file`,
  ]);
});

test('a bad regex is a problem at its config path, inline or in a file', () => {
  const bad = { ...bridge, namespaces: { users: [{ exclusive: true, regex: '@whatsapp_(.*' }] } };
  const inline = problems(parseConfig(testConfig({ appservices: [bad] })));
  assert.equal(inline.length, 1, inline.join('\n'));
  assert.match(inline[0]!, /^appservices\.0\.namespaces\.users\.0\.regex: not a usable regular expression/);
  const file = write('bad-regex.yaml', bad);
  const fromFile = problems(parseConfig(testConfig({ appservices: [{ file }] })));
  assert.equal(fromFile.length, 1, fromFile.join('\n'));
  assert.match(
    fromFile[0]!,
    /^appservices\.0\.file: .*bad-regex\.yaml: namespaces\.users\.0\.regex: not a usable/,
  );
});

test('as_token is required, inline and in a file', () => {
  const { as_token: _, ...tokenless } = bridge;
  assert.deepEqual(problems(parseConfig(testConfig({ appservices: [tokenless] }))), [
    'appservices.0.as_token: is required',
  ]);
  const file = write('tokenless.yaml', tokenless);
  assert.deepEqual(problems(parseConfig(testConfig({ appservices: [{ file }] }))), [
    `appservices.0.file: ${file}: as_token: is required`,
  ]);
});

test('duplicate ids are refused, and so is one as_token for two appservices', () => {
  const file = write('dup.yaml', { ...bridge, as_token: 'other' });
  assert.deepEqual(problems(parseConfig(testConfig({ appservices: [bridge, { file }] }))), [
    `appservices.1.file: ${file}: id: appservice id "whatsapp" is used twice`,
  ]);
  assert.deepEqual(problems(parseConfig(testConfig({ appservices: [bridge, { ...bridge, id: 'other' }] }))), [
    'appservices.1.as_token: the as_token of appservice "other" is also another appservice\'s',
  ]);
});

test('a registration file that is not YAML or not a registration is named', () => {
  const file = write('garbage.yaml', 'id: [unclosed\n');
  const found = problems(parseConfig(testConfig({ appservices: [{ file }] })));
  assert.equal(found.length, 1, found.join('\n'));
  assert.match(found[0]!, /^appservices\.0\.file: .*garbage\.yaml:\d+:\d+: invalid YAML/);
  const wrong = write('wrong.yaml', { ...bridge, namespaces: { users: [{ regex: '@a.*' }] } });
  assert.deepEqual(problems(parseConfig(testConfig({ appservices: [{ file: wrong }] }))), [
    `appservices.0.file: ${wrong}: namespaces.users.0.exclusive: is required`,
  ]);
});
