import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually } from '../helpers/eventually.js';
import { QUICK_OUTBOX } from '../helpers/homeserver-flows.js';
import { startMxauth } from '../helpers/oauth-server.js';
import { captureLogs } from './log-capture.js';
import { sendCode } from './send-code.js';

test('the log transport writes the whole mail, its code included, to the log, and warns once at start that it does', async () => {
  const logs = captureLogs();
  const running = await startMxauth(
    'sqlite',
    { email: { transport: 'log' } },
    { mxauth: { outbox: QUICK_OUTBOX, logger: logs.logger } },
  );
  try {
    const warnings = logs
      .lines()
      .filter((line) => line.level === 'warn' && /email\.transport is log/.test(String(line.msg)));
    assert.equal(warnings.length, 1, 'one warning, at start');
    assert.match(String(warnings[0]!.msg), /development only/);

    await sendCode(running.mxauth.services, 'frida@example.org');
    await eventually('the mail is logged', () =>
      logs.text().includes('development mail to frida@example.org'),
    );
    const line = logs.lines().find((l) => String(l.msg).startsWith('development mail to frida@example.org'));
    const mail = line?.development_mail as { to: string; kind: string; subject: string; text: string };
    assert.equal(line?.level, 'info');
    assert.equal(mail.to, 'frida@example.org');
    assert.equal(mail.kind, 'verification_code');
    assert.match(mail.subject, /code/i);
    assert.match(mail.text, /\b\d{6}\b/, 'the code a person types is in the log');
    await sendCode(running.mxauth.services, 'gerd@example.org');
    await eventually('the second mail is logged', () =>
      logs.text().includes('development mail to gerd@example.org'),
    );
    assert.equal(
      logs.lines().filter((l) => /email\.transport is log/.test(String(l.msg))).length,
      1,
      'still one warning',
    );
  } finally {
    await running.close();
  }
});
