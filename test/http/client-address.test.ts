import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ClientAddressResolver, parseForwardedEntry } from '../../src/http/client-address.js';

// MAS's default list, mxauth's default too (src/config/schema.ts).
const DEFAULT = ['192.168.0.0/16', '172.16.0.0/12', '10.0.0.0/10', '127.0.0.1/8', 'fd00::/8', '::1/128'];

describe('one X-Forwarded-For entry', () => {
  test('addresses with and without ports, IPv6 with and without brackets', () => {
    const cases: [string, string | undefined][] = [
      ['203.0.113.7', '203.0.113.7'],
      [' 203.0.113.7 ', '203.0.113.7'],
      ['203.0.113.7:4711', '203.0.113.7'],
      ['203.0.113.7:65535', '203.0.113.7'],
      ['2001:db8::1', '2001:db8::1'],
      ['2001:DB8::1', '2001:db8::1'],
      // Bare IPv6: the last group is part of the address, never a port.
      ['2001:db8::1:80', '2001:db8::1:80'],
      ['[2001:db8::1]', '2001:db8::1'],
      ['[2001:db8::1]:443', '2001:db8::1'],
      ['::ffff:203.0.113.7', '203.0.113.7'],
      ['::FFFF:203.0.113.7', '203.0.113.7'],
      ['[::ffff:203.0.113.7]:80', '203.0.113.7'],
      ['::1', '::1'],
    ];
    for (const [entry, expected] of cases) assert.equal(parseForwardedEntry(entry), expected, entry);
  });

  test('anything that is not an address is refused', () => {
    for (const entry of [
      '',
      'unknown',
      '_hidden',
      'example.org',
      '203.0.113.7:',
      '203.0.113.7:65536',
      '203.0.113.7:port',
      '203.0.113.256',
      '203.0.113',
      '[203.0.113.7]:80',
      '[2001:db8::1',
      '[2001:db8::1]:',
      '[2001:db8::1]:99999',
      '2001:db8::1]',
      'fe80::1%eth0',
      '[fe80::1%eth0]:80',
      '"203.0.113.7"',
      '203.0.113.7 198.51.100.1',
    ])
      assert.equal(parseForwardedEntry(entry), undefined, JSON.stringify(entry));
  });
});

describe('the client address behind trusted proxies', () => {
  const resolver = new ClientAddressResolver(DEFAULT);

  test('the header counts only when the connection comes from a trusted proxy', () => {
    assert.equal(resolver.resolve('203.0.113.7', '198.51.100.1'), '203.0.113.7');
    assert.equal(resolver.resolve('::ffff:203.0.113.7', '198.51.100.1'), '203.0.113.7');
    assert.equal(resolver.resolve('127.0.0.1', undefined), '127.0.0.1');
    assert.equal(resolver.resolve('::ffff:127.0.0.1', '198.51.100.1'), '198.51.100.1');
    assert.equal(resolver.resolve(undefined, '198.51.100.1'), undefined);
  });

  test('a proxy that appends: the leftmost entry, written by the client, never wins', () => {
    assert.equal(resolver.resolve('127.0.0.1', '1.1.1.1, 203.0.113.7'), '203.0.113.7');
    assert.equal(resolver.resolve('127.0.0.1', '1.1.1.1, 203.0.113.7:4711'), '203.0.113.7');
    assert.equal(resolver.resolve('127.0.0.1', '1.1.1.1,[2001:db8::7]:4711'), '2001:db8::7');
    assert.equal(resolver.resolve('127.0.0.1', ['1.1.1.1', '2001:db8::7']), '2001:db8::7');
    // The client pretends to be a trusted proxy itself: still the first untrusted hop from the right.
    assert.equal(resolver.resolve('127.0.0.1', '1.1.1.1, 10.0.0.1, 203.0.113.7'), '203.0.113.7');
  });

  test('hops through several trusted proxies are walked back to the client', () => {
    assert.equal(resolver.resolve('127.0.0.1', '203.0.113.7, 10.0.0.5, 192.168.1.1'), '203.0.113.7');
    assert.equal(resolver.resolve('::1', '203.0.113.7, [fd00::5]:80, ::ffff:172.16.0.9'), '203.0.113.7');
    // Every hop trusted: the leftmost one is the furthest known.
    assert.equal(resolver.resolve('127.0.0.1', '10.0.0.1, 10.0.0.2'), '10.0.0.1');
  });

  test('an unreadable entry stops the walk: the last address read stands', () => {
    assert.equal(resolver.resolve('127.0.0.1', '1.1.1.1, garbage'), '127.0.0.1');
    assert.equal(resolver.resolve('127.0.0.1', '1.1.1.1, unknown, 10.0.0.5'), '10.0.0.5');
    assert.equal(resolver.resolve('127.0.0.1', '1.1.1.1, 203.0.113.7:99999'), '127.0.0.1');
    assert.equal(resolver.resolve('127.0.0.1', '1.1.1.1,, 203.0.113.7'), '203.0.113.7');
  });

  test("MAS's default list: 10.0.0.0/10 is 10.0–10.63 only; no list, no header", () => {
    assert.equal(resolver.resolve('10.63.255.255', '203.0.113.7'), '203.0.113.7');
    assert.equal(resolver.resolve('10.64.0.1', '203.0.113.7'), '10.64.0.1');
    assert.equal(resolver.resolve('127.200.0.1', '203.0.113.7'), '203.0.113.7');
    assert.equal(new ClientAddressResolver([]).resolve('127.0.0.1', '203.0.113.7'), '127.0.0.1');
  });
});
