import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { scrubError } from '../../src/messaging/delivery.js';
import { secretsOf } from '../../src/services/messages.js';
import { type Brand, renderMail, renderSms } from '../../src/web/mail-render.js';

const brand: Brand = {
  serviceName: 'Example Chat',
  serverName: 'example.org',
  accountUrl: 'https://auth.example.org/account/',
  host: 'auth.example.org',
  accent: '#7a1fa2',
};

const recovery = {
  kind: 'recovery_link',
  localpart: 'alice',
  url: 'https://auth.example.org/recover?ticket=T0k3n-secret&lang=en',
  expiresInMinutes: 60,
} as const;

describe('what mails and texts say', () => {
  test('a recovery mail names the account, links the ticket once as a button and once in full, and says how long it lasts', () => {
    const mail = renderMail(brand, { to: 'alice@example.org', language: 'en', message: recovery });
    assert.equal(mail.subject, 'Reset your password for Example Chat');
    assert.match(mail.text, /the password of @alice:example\.org at Example Chat/);
    assert.ok(mail.text.includes(`Choose a new password:\n${recovery.url}`));
    assert.match(mail.text, /valid for 60 minutes and works once/);
    const href = 'https://auth.example.org/recover?ticket=T0k3n-secret&amp;lang=en';
    assert.equal(mail.html.split(`href="${href}"`).length - 1, 2, 'the button and the fallback link');
    assert.match(mail.html, /background:#7a1fa2;color:#ffffff/);
    assert.ok(!mail.html.includes('&lang=en'), 'the URL is escaped in the markup');
  });

  test('the same mail in German', () => {
    const mail = renderMail(brand, { to: 'alice@example.org', language: 'de', message: recovery });
    assert.equal(mail.subject, 'Setze dein Passwort für Example Chat zurück');
    assert.equal(mail.language, 'de');
    assert.match(mail.text, /^Hallo,\n\nJemand, hoffentlich du, möchte das Passwort von @alice:example\.org/);
    assert.match(mail.html, /Neues Passwort wählen/);
  });

  test('a language mxauth does not have falls back to English', () => {
    const mail = renderMail(brand, { to: 'a@example.org', language: 'xx', message: recovery });
    assert.equal(mail.language, 'en');
    assert.equal(mail.subject, 'Reset your password for Example Chat');
  });

  test('a password change notice links the account page', () => {
    const mail = renderMail(brand, {
      to: 'alice@example.org',
      language: 'en',
      message: { kind: 'password_changed', localpart: 'alice' },
    });
    assert.equal(mail.subject, 'Your password for Example Chat was changed');
    assert.match(mail.text, /If you did not do this, reset your password right away/);
    assert.ok(mail.text.includes('Review your account:\nhttps://auth.example.org/account/'));
    assert.ok(mail.html.includes('href="https://auth.example.org/account/"'));
    assert.match(mail.text, /\n-- \nThis mail was sent automatically by Example Chat\.\n$/);
  });

  test('a text starts with the code and ends with the origin-bound line browsers fill codes from', () => {
    const text = renderSms(brand, {
      to: '+4930123456',
      language: 'en',
      message: { kind: 'verification_code', purpose: 'add_phone', code: '042917' },
    });
    assert.equal(
      text,
      '042917 is your code for Example Chat. Do not share it with anyone.\n\n@auth.example.org #042917',
    );
  });

  test('errors are scrubbed of what the message carried, put on one line and shortened', () => {
    assert.deepEqual(secretsOf({ kind: 'verification_code', purpose: 'add_email', code: '042917' }), [
      '042917',
    ]);
    assert.equal(
      scrubError('550 5.7.1 rejected:\r\n "042917 is your code"', ['042917']),
      '550 5.7.1 rejected: "[redacted] is your code"',
    );
    const scrubbed = scrubError(`bad ${recovery.url} and ticket=T0k3n-secret&lang=en`, secretsOf(recovery));
    assert.ok(!scrubbed.includes('T0k3n'));
    const inPath = {
      kind: 'recovery_link',
      localpart: 'alice',
      url: 'https://auth.example.org/recover/Zq3kP9xLm2Wv8RtY4nBc6DhJ',
      expiresInMinutes: 60,
    } as const;
    assert.equal(
      scrubError('rejected token Zq3kP9xLm2Wv8RtY4nBc6DhJ', secretsOf(inPath)),
      'rejected token [redacted]',
      'a token in the path, echoed alone',
    );
    assert.equal(scrubError('x'.repeat(1000), []).length, 300);
  });
});
