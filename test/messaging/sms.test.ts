import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Services } from '../../src/compose.js';
import type { Job } from '../../src/domain/job.js';
import { DATABASE_KINDS } from '../helpers/databases.js';
import { eventually } from '../helpers/eventually.js';
import { PAST_QUICK_RETRY, QUICK_OUTBOX } from '../helpers/homeserver-flows.js';
import { retryThrough } from '../helpers/jobs.js';
import { type RunningMxauth, startMxauth } from '../helpers/oauth-server.js';
import { captureLogs } from './log-capture.js';

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Answer = { status: number; json?: unknown };

/** An HTTP service on 127.0.0.1 standing in for an SMS provider: records requests, answers as told. */
async function startStandIn(
  answer: (request: Received, index: number) => Answer,
): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(request);
      const { status, json } = answer(request, received.length);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(json === undefined ? '' : JSON.stringify(json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The account phone numbers are added to (codes are bound to a user). */
async function userId(services: Services): Promise<string> {
  const found = await services.storage.users.findByLocalpart('alice');
  if (found) return found.id;
  const created = await services.storage.users.create({ localpart: 'alice' });
  assert.ok(created.ok);
  return created.value.id;
}

/** Sends a phone verification code as the account page does; returns its id. */
async function sendPhoneCode(services: Services, phone: string, language = 'en'): Promise<string> {
  const sent = await services.verification.send({
    purpose: 'add_phone',
    channel: 'sms',
    target: phone,
    userId: await userId(services),
    context: null,
    language,
  });
  assert.ok(sent.ok);
  return sent.value.id;
}

/** The text to `to`, in whatever state, or undefined before it is queued. */
async function textTo(services: Services, to: string): Promise<Job | undefined> {
  const states: Job['state'][] = ['pending', 'running', 'done', 'failed'];
  const jobs = await services.storage.jobs.list({ states, limit: 100 });
  return jobs.find((job) => job.queue === 'sms' && services.messages.open(job)?.to === to);
}

async function jobTo(services: Services, to: string, states: Job['state'][]): Promise<Job> {
  let found: Job | undefined;
  await eventually(`the text to ${to} is ${states.join('/')}`, async () => {
    const jobs = await services.storage.jobs.list({ states, limit: 100 });
    found = jobs.find((job) => job.queue === 'sms' && services.messages.open(job)?.to === to);
    return found !== undefined;
  });
  return found!;
}

const codeOf = (text: string) => /^(\d{6}) /.exec(text)?.[1] ?? assert.fail(`no code in ${text}`);

for (const kind of DATABASE_KINDS) {
  describe(`texts through the webhook sender [${kind}]`, () => {
    let gateway: Awaited<ReturnType<typeof startStandIn>>;
    let running: RunningMxauth;
    let services: Services;
    const logs = captureLogs();

    before(async () => {
      gateway = await startStandIn((request, index) => {
        const { to } = JSON.parse(request.body) as { to: string };
        // +49301111111 is down for its first two requests; +49302222222 is refused, echoing the text.
        if (to === '+49301111111' && received(to) <= 2) return { status: 503 };
        if (to === '+49302222222') return { status: 400, json: { error: 'rejected', echo: request.body } };
        return { status: index % 2 === 0 ? 202 : 200, json: { ok: true } };
      });
      const received = (to: string) => gateway.received.filter((r) => r.body.includes(`"to":"${to}"`)).length;
      running = await startMxauth(
        kind,
        {
          sms: { sender: 'webhook', webhook: { url: `${gateway.url}hooks/sms?tenant=1`, secret: 's3cret' } },
          branding: { service_name: 'Example Chat' },
        },
        { mxauth: { outbox: QUICK_OUTBOX, logger: logs.logger } },
      );
      services = running.mxauth.services;
    });
    after(async () => {
      await running.close();
      await gateway.close();
    });

    test('the gateway receives the documented request: a JSON POST {to, body} with the bearer secret', async () => {
      const id = await sendPhoneCode(services, '+4930123456');
      await eventually('the text is posted', () => gateway.received.length > 0);
      const [request] = gateway.received;
      assert.equal(request!.method, 'POST');
      assert.equal(request!.path, '/hooks/sms?tenant=1');
      assert.equal(request!.headers.authorization, 'Bearer s3cret');
      assert.equal(request!.headers['content-type'], 'application/json');
      const payload = JSON.parse(request!.body) as Record<string, string>;
      assert.deepEqual(Object.keys(payload).sort(), ['body', 'to']);
      assert.equal(payload.to, '+4930123456');
      const code = codeOf(payload.body!);
      assert.equal(
        payload.body,
        `${code} is your code for Example Chat. Do not share it with anyone.\n\n@127.0.0.1 #${code}`,
      );
      const checked = await services.verification.check({
        id,
        code,
        purpose: 'add_phone',
        userId: await userId(services),
        context: null,
      });
      assert.ok(checked.ok, 'the texted code is the one the service accepts');
      assert.equal((await jobTo(services, '+4930123456', ['done'])).attempts, 1);
    });

    test('a text in German is written in German', async () => {
      await sendPhoneCode(services, '+4930654321', 'de');
      await eventually('the text is posted', () =>
        gateway.received.some((r) => r.body.includes('+4930654321')),
      );
      const payload = JSON.parse(gateway.received.find((r) => r.body.includes('+4930654321'))!.body);
      assert.match(payload.body, /^\d{6} ist dein Code für Example Chat\./);
    });

    test('a gateway outage delays the text; it is delivered when the gateway is back', async () => {
      await sendPhoneCode(services, '+49301111111');
      await retryThrough(running, 2, () => textTo(services, '+49301111111'), PAST_QUICK_RETRY);
      const job = await jobTo(services, '+49301111111', ['done']);
      assert.equal(job.attempts, 3, 'two 503s, then accepted');
      assert.equal(gateway.received.filter((r) => r.body.includes('+49301111111')).length, 3);
    });

    test('a refusal (4xx) fails the job without retries, and the error does not repeat what the gateway echoed', async () => {
      await sendPhoneCode(services, '+49302222222');
      const job = await jobTo(services, '+49302222222', ['failed']);
      assert.equal(job.attempts, 1);
      assert.equal(job.lastError, 'the SMS webhook answered HTTP 400');
      const echoed = gateway.received.find((r) => r.body.includes('+49302222222'))!;
      const code = codeOf((JSON.parse(echoed.body) as { body: string }).body);
      assert.ok(!logs.text().includes(code));
    });

    test('no code reaches the log', () => {
      const codes = gateway.received.map((r) => codeOf((JSON.parse(r.body) as { body: string }).body));
      assert.ok(codes.length >= 6);
      for (const code of codes) assert.ok(!logs.text().includes(code), `code ${code} is not in the log`);
      assert.match(logs.text(), /outbox: delivery failed, will retry/);
    });
  });
}

describe('texts through the Twilio sender', () => {
  const SID = 'AC0123456789abcdef0123456789abcdef';
  const TOKEN = 'twilio-auth-token';
  let twilio: Awaited<ReturnType<typeof startStandIn>>;

  before(async () => {
    // The documented Messages API: Basic auth with AccountSid:AuthToken, a form with To, From or
    // MessagingServiceSid, and Body; 201 with the message resource, or an error object.
    twilio = await startStandIn((request) => {
      const expectedAuth = `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`;
      if (request.headers.authorization !== expectedAuth)
        return {
          status: 401,
          json: {
            code: 20003,
            message: 'Authenticate',
            more_info: 'https://www.twilio.com/docs/errors/20003',
            status: 401,
          },
        };
      if (request.method !== 'POST' || request.path !== `/2010-04-01/Accounts/${SID}/Messages.json`)
        return {
          status: 404,
          json: { code: 20404, message: 'The requested resource was not found', status: 404 },
        };
      const form = new URLSearchParams(request.body);
      const to = form.get('To') ?? '';
      if (!/^\+[1-9]\d{6,14}$/.test(to))
        return {
          status: 400,
          json: { code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, status: 400 },
        };
      if (!form.get('From') && !form.get('MessagingServiceSid'))
        return {
          status: 400,
          json: { code: 21603, message: "A 'From' phone number is required.", status: 400 },
        };
      const attempts = twilio.received.filter((r) => new URLSearchParams(r.body).get('To') === to).length;
      if (to === '+15550001111' && attempts === 1)
        return { status: 429, json: { code: 20429, message: 'Too Many Requests', status: 429 } };
      if (to === '+15550001111' && attempts === 2) return { status: 503 };
      return {
        status: 201,
        json: {
          sid: `SM${'0'.repeat(32)}`,
          status: 'queued',
          to,
          from: form.get('From'),
          body: form.get('Body'),
        },
      };
    });
  });
  after(() => twilio.close());

  async function withTwilio(
    twilioConfig: Record<string, unknown>,
    run: (services: Services, logs: ReturnType<typeof captureLogs>, running: RunningMxauth) => Promise<void>,
  ): Promise<void> {
    const logs = captureLogs();
    const running = await startMxauth(
      'sqlite',
      {
        sms: {
          sender: 'twilio',
          twilio: { account_sid: SID, auth_token: TOKEN, api_base: twilio.url, ...twilioConfig },
        },
        branding: { service_name: 'Example Chat' },
      },
      { mxauth: { outbox: QUICK_OUTBOX, logger: logs.logger } },
    );
    try {
      await run(running.mxauth.services, logs, running);
    } finally {
      await running.close();
    }
  }

  const requestsTo = (to: string) =>
    twilio.received.filter((r) => new URLSearchParams(r.body).get('To') === to);

  test('a text is the documented request: form-encoded To, From, Body with Basic auth; 201 is delivered', async () => {
    await withTwilio({ from: '+15005550006' }, async (services) => {
      await sendPhoneCode(services, '+15551234567');
      await jobTo(services, '+15551234567', ['done']);
      const [request] = requestsTo('+15551234567');
      assert.equal(request!.method, 'POST');
      assert.equal(request!.path, `/2010-04-01/Accounts/${SID}/Messages.json`);
      assert.equal(request!.headers['content-type'], 'application/x-www-form-urlencoded');
      const form = new URLSearchParams(request!.body);
      assert.deepEqual([...form.keys()].sort(), ['Body', 'From', 'To']);
      assert.equal(form.get('From'), '+15005550006');
      assert.match(form.get('Body') ?? '', /^\d{6} is your code for Example Chat\./);
    });
  });

  test('a messaging service is named instead of a From number when configured', async () => {
    await withTwilio({ messaging_service_sid: 'MG0123456789abcdef0123456789abcdef' }, async (services) => {
      await sendPhoneCode(services, '+15557654321');
      await jobTo(services, '+15557654321', ['done']);
      const form = new URLSearchParams(requestsTo('+15557654321')[0]!.body);
      assert.equal(form.get('MessagingServiceSid'), 'MG0123456789abcdef0123456789abcdef');
      assert.equal(form.get('From'), null);
    });
  });

  test('429 and 5xx are retried until Twilio accepts the text', async () => {
    await withTwilio({ from: '+15005550006' }, async (services, _logs, running) => {
      await sendPhoneCode(services, '+15550001111');
      await retryThrough(running, 2, () => textTo(services, '+15550001111'), PAST_QUICK_RETRY);
      const job = await jobTo(services, '+15550001111', ['done']);
      assert.equal(job.attempts, 3);
      assert.equal(requestsTo('+15550001111').length, 3);
    });
  });

  test("a refused number fails the job with Twilio's reason, without retries", async () => {
    await withTwilio({ from: '+15005550006' }, async (services) => {
      // Not a number Twilio takes: the page validates E.164, but the provider has the last word.
      await sendPhoneCode(services, '+0000');
      const job = await jobTo(services, '+0000', ['failed']);
      assert.equal(job.attempts, 1);
      assert.equal(
        job.lastError,
        "Twilio answered HTTP 400: 21211 The 'To' number +0000 is not a valid phone number.",
      );
    });
  });

  test('a wrong auth token is reported as Twilio words it, and no code reaches the log', async () => {
    await withTwilio({ from: '+15005550006', auth_token: 'wrong' }, async (services, logs) => {
      await sendPhoneCode(services, '+15559998888');
      const job = await jobTo(services, '+15559998888', ['failed']);
      assert.equal(job.lastError, 'Twilio answered HTTP 401: 20003 Authenticate');
      const sent = requestsTo('+15559998888')[0]!;
      const code = /^(\d{6})/.exec(new URLSearchParams(sent.body).get('Body') ?? '')![1]!;
      assert.ok(!logs.text().includes(code));
      assert.ok(!logs.text().includes('wrong'), 'nor the credentials');
    });
  });
});
