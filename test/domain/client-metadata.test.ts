import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkClientMetadata } from '../../src/domain/client-metadata.js';

const web = (extra: Record<string, unknown>) => ({ client_uri: 'https://example.com/', ...extra });
const native = (redirect: string) => ({
  client_uri: 'https://example.com/',
  application_type: 'native',
  redirect_uris: [redirect],
});
const outcome = (input: unknown) => {
  const result = checkClientMetadata(input);
  if (result.ok) return 'ok';
  const code = result.error.field === 'redirect_uris' ? 'invalid_redirect_uri' : 'invalid_client_metadata';
  return `${code}: ${result.error.description}`;
};

test('redirect URIs that follow the Matrix rules are accepted', () => {
  for (const uri of ['https://example.com/cb', 'https://app.example.com/cb?x=1'])
    assert.equal(outcome(web({ redirect_uris: [uri] })), 'ok', uri);
  for (const uri of [
    'com.example:/cb',
    'com.example.app:/cb',
    'http://localhost/cb',
    'http://127.0.0.1/',
    'http://[::1]/cb',
    'https://example.com/native',
  ])
    assert.equal(outcome(native(uri)), 'ok', uri);
});

test('redirect URIs that break them are refused with invalid_redirect_uri and the reason', () => {
  const cases: [unknown, RegExp][] = [
    [web({ redirect_uris: ['https://evil.com/cb'] }), /must be on example.com/],
    [web({ redirect_uris: ['https://example.com.evil.com/cb'] }), /must be on example.com/],
    [web({ redirect_uris: ['http://example.com/cb'] }), /must use https/],
    [web({ redirect_uris: ['https://example.com/cb#frag'] }), /fragment/],
    [native('com.example.app://cb'), /no authority: use com.example.app:\/path/],
    [native('https://localhost/cb'), /loopback redirect URIs must use http/],
    [native('http://localhost:1234/cb'), /registered without a port/],
    [native('http://example.com/cb'), /only allowed on localhost/],
    [native('org.other.app:/cb'), /the scheme must be example.com .* in reverse/],
    [native('myapp:/cb'), /reverse domain names/],
  ];
  for (const [input, reason] of cases) {
    const text = outcome(input);
    assert.match(text, /^invalid_redirect_uri: /, JSON.stringify(input));
    assert.match(text, reason);
  }
});

test('client_uri is required and every other URI lives on its site', () => {
  assert.match(
    outcome({ redirect_uris: ['https://example.com/cb'] }),
    /^invalid_client_metadata: client_uri is required/,
  );
  assert.match(outcome(web({ client_uri: 'http://example.com/' })), /client_uri must use https/);
  assert.match(outcome(web({ client_uri: 'https://user:pw@example.com/' })), /user name or password/);
  assert.match(
    outcome(web({ logo_uri: 'https://cdn.other.net/logo.png' })),
    /^invalid_client_metadata: logo_uri must be on example.com/,
  );
  assert.equal(
    outcome(web({ tos_uri: 'https://legal.example.com/tos', policy_uri: 'https://example.com/p' })),
    'ok',
  );
  assert.match(outcome(web({ application_type: 'desktop' })), /application_type/);
  assert.match(
    outcome(web({ post_logout_redirect_uris: ['https://evil.com/bye'] })),
    /^invalid_client_metadata: post_logout_redirect_uris: https:\/\/evil.com\/bye: must be on example.com/,
  );
  assert.match(
    outcome(web({ backchannel_logout_uri: 'http://example.com/bcl' })),
    /backchannel_logout_uri must use https/,
  );
  assert.equal(
    outcome(
      web({
        backchannel_logout_uri: 'https://api.example.com/bcl',
        post_logout_redirect_uris: ['https://example.com/bye'],
      }),
    ),
    'ok',
  );
  assert.match(outcome([]), /JSON object/);
});

test('localized names and URIs are kept apart and checked like the plain ones', () => {
  const result = checkClientMetadata(
    web({
      client_name: 'Example',
      'client_name#fr': 'Exemple',
      'tos_uri#de': 'https://example.com/agb',
      redirect_uris: [],
    }),
  );
  assert.ok(result.ok);
  assert.deepEqual(result.value.metadata, {
    client_uri: 'https://example.com/',
    client_name: 'Example',
    redirect_uris: [],
  });
  assert.deepEqual(result.value.localized, [
    { field: 'client_name', language: 'fr', value: 'Exemple' },
    { field: 'tos_uri', language: 'de', value: 'https://example.com/agb' },
  ]);
  assert.match(
    outcome(web({ 'logo_uri#fr': 'https://evil.com/l.png' })),
    /logo_uri#fr must be on example.com/,
  );
  assert.match(outcome(web({ 'client_name#not a tag': 'x' })), /not a language tag/);
  assert.match(outcome(web({ 'scope#fr': 'x' })), /only client_name and the URIs/);
});
