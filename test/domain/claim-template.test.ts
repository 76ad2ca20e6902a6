import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileTemplate } from '../../src/domain/claim-template.js';

const context = {
  id_token_claims: { sub: 'u1', preferred_username: 'Alice.Liddell', email: 'alice@example.com' },
  userinfo_claims: {
    sub: 'u1',
    groups: ['staff', 'admins'],
    blob: Buffer.from('{"role":"ops"}').toString('base64'),
  },
  user: {
    sub: 'u1',
    preferred_username: 'Alice.Liddell',
    email: 'alice@example.com',
    groups: ['staff', 'admins'],
  },
};

const render = (source: string) => {
  const compiled = compileTemplate(source);
  assert.ok(compiled.ok, `${source}: ${!compiled.ok && compiled.error}`);
  return compiled.value.render(context);
};

test('MAS templates render as they do in MAS', () => {
  const cases: [string, string][] = [
    ['{{ user.preferred_username | lower }}', 'alice.liddell'],
    ["{{ (user.email | split('@'))[0] }}", 'alice'],
    ["{{ user.email.split('@')[0] }}", 'alice'],
    ['{{ userinfo_claims.blob | b64decode | from_json | string }}', '{"role":"ops"}'],
    ['{{ (userinfo_claims.blob | b64decode | from_json).role }}', 'ops'],
    ['{{ id_token_claims.sub | b64encode }}', 'dTE='],
    ["{% if 'admins' in user.groups %}yes{% else %}no{% endif %}", 'yes'],
    ["{{ user.missing | default('none given') }}", 'none given'],
    ['{{ user.missing }}', ''],
    ['@{{ user.preferred_username }}', '@Alice.Liddell'],
  ];
  for (const [source, expected] of cases)
    assert.deepEqual(render(source), { ok: true, value: expected }, source);
});

test('a template reaches the claims and nothing of the process behind them', () => {
  for (const source of [
    '{{ user.constructor }}',
    '{{ user.__proto__ }}',
    "{{ user['constructor'] }}",
    '{{ process }}',
  ])
    assert.deepEqual(render(source), { ok: true, value: '' }, source);
});

test('a template that cannot be read or fails on the data says why instead of throwing', () => {
  const broken = compileTemplate('{{ user.');
  assert.equal(broken.ok, false);
  assert.match(!broken.ok ? broken.error : '', /not a valid template/);
  const failing = render("{{ user.nothere | split('@') }}");
  assert.equal(failing.ok, false);
});
