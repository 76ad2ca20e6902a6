import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import type { Job } from '../../src/domain/job.js';
import { openMessageJob } from '../../src/jobs/messages.js';
import { type Delivery, refused, tryLater } from '../../src/messaging/delivery.js';
import type { MailTransport, OutgoingMail } from '../../src/messaging/mail-transport.js';
import { mailJobRunner } from '../../src/messaging/runners.js';
import type { MessageRequest } from '../../src/services/messages.js';
import { SecretBox } from '../../src/services/secret-box.js';
import { type Brand, renderMail, renderSms } from '../../src/web/mail-render.js';

const brand: Brand = {
  serviceName: 'Example',
  serverName: 'example.org',
  accountUrl: 'https://auth.example.org/account/',
  host: 'auth.example.org',
  accent: '#0b5cad',
};
const box = new SecretBox(Buffer.alloc(32, 1));
const request: MessageRequest = {
  to: 'alice@example.org',
  language: 'en',
  message: { kind: 'verification_code', purpose: 'add_email', code: '314159' },
};

function job(payload: unknown, createdAt: Date): Job {
  return {
    id: 'job-1',
    queue: 'mail',
    kind: 'verification_code',
    payload,
    orderingKey: null,
    state: 'running',
    attempts: 1,
    runAt: createdAt,
    lockedUntil: null,
    lastError: null,
    createdAt,
    finishedAt: null,
  };
}

function runner(answer: (mail: OutgoingMail) => Promise<Delivery>, clock = new ManualClock()) {
  const sent: OutgoingMail[] = [];
  const transport: MailTransport = {
    description: 'test',
    send: async (mail) => {
      sent.push(mail);
      return answer(mail);
    },
    verify: async () => ({ ok: true, detail: 'test' }),
  };
  const run = mailJobRunner({
    open: (j) => openMessageJob(box, j),
    render: { mail: (request) => renderMail(brand, request), text: (request) => renderSms(brand, request) },
    clock,
    transport,
  });
  return { run, sent, clock };
}

describe('message job runner', () => {
  const sealed = { sealed: box.seal(JSON.stringify(request)) };

  test('a payload sealed with another key (or altered) fails with a clear reason and sends nothing', async () => {
    const { run, sent } = runner(async () => ({ ok: true }));
    const other = new SecretBox(Buffer.alloc(32, 2));
    const foreign = await run(job({ sealed: other.seal(JSON.stringify(request)) }, new Date()));
    assert.deepEqual(foreign, {
      kind: 'fail',
      error: 'the mail cannot be opened: it was sealed with another secrets.encryption key, or altered',
    });
    const tampered = sealed.sealed.slice(0, -2) + (sealed.sealed.endsWith('AA') ? 'BB' : 'AA');
    assert.equal((await run(job({ sealed: tampered }, new Date()))).kind, 'fail');
    assert.equal((await run(job({ to: 'alice@example.org' }, new Date()))).kind, 'fail', 'not sealed at all');
    assert.deepEqual(sent, []);
  });

  test('a temporary refusal is retried, a permanent one fails; neither error carries the code', async () => {
    const clock = new ManualClock();
    const temporary = runner(async (mail) => tryLater(`451 try later (${mail.text.slice(0, 80)})`), clock);
    const outcome = await temporary.run(job(sealed, clock.now()));
    assert.ok(outcome.kind === 'retry', 'retried');
    assert.ok(!outcome.error.includes('314159'), 'the code the server echoed is not kept');
    assert.equal(temporary.sent[0]?.to, 'alice@example.org');

    const permanent = runner(async () => refused('550 no such user; you sent 314159'), clock);
    assert.deepEqual(await permanent.run(job(sealed, clock.now())), {
      kind: 'fail',
      error: '550 no such user; you sent [redacted]',
    });
  });

  test('an exception from a transport is a retry', async () => {
    const { run } = runner(async () => {
      throw new Error('socket hang up');
    });
    assert.deepEqual(await run(job(sealed, new Date())), { kind: 'retry', error: 'socket hang up' });
  });

  test('after 24 hours of temporary failures the message is given up; a success is still taken', async () => {
    const clock = new ManualClock();
    const created = clock.now();
    clock.advance(24 * 3_600_000 + 1);
    const failing = runner(async () => tryLater('ECONNREFUSED'), clock);
    assert.deepEqual(await failing.run(job(sealed, created)), {
      kind: 'fail',
      error: 'given up after 24 hours: ECONNREFUSED',
    });
    const working = runner(async () => ({ ok: true }), clock);
    assert.deepEqual(
      await working.run(job(sealed, created)),
      { kind: 'done' },
      'an operator’s retry still sends',
    );
  });
});
