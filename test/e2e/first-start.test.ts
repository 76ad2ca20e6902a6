import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { parse as parseYaml } from 'yaml';
import { launchChromium, newContext } from '../helpers/chromium.js';
import { eventually } from '../helpers/eventually.js';

/*
 * The README's first command, `npm start`, on a fresh directory, then a person in Chromium with nothing
 * but the configuration it wrote: register (the code read from the log, as the README says), sign in,
 * sign out, sign in again. Only the port differs from `npm start`'s: 8080 may be taken on this machine.
 */

// The built CLI with `npm start`'s arguments (npm test builds first; package.json "start").
const BIN = new URL('../../dist/cli/bin.js', import.meta.url).pathname;
const START_ARGS = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
  .scripts.start.replace(/^node dist\/cli\/bin\.js /, '')
  .split(' ') as string[];
const PASSWORD = 'a river of paper lanterns';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

let chromium: Browser;
let child: ChildProcess;
let cwd: string;
let base: string;
const logLines: Record<string, unknown>[] = [];

before(async () => {
  chromium = await launchChromium();
  cwd = mkdtempSync(join(tmpdir(), 'mxauth-first-start-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}/`;
  child = spawn(process.execPath, [BIN, ...START_ARGS], {
    cwd,
    env: {
      PATH: process.env.PATH,
      MXAUTH_HTTP__PUBLIC_BASE: base,
      MXAUTH_HTTP__LISTENERS: `[{binds: [{address: "127.0.0.1:${port}"}]}]`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('{')) logLines.push(JSON.parse(line));
  });
  let banner = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    banner += chunk.toString();
  });
  await eventually('the start banner', async () => /mxauth is running at/.test(banner), {
    timeoutMs: 30_000,
  });
});

after(async () => {
  await chromium?.close();
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
});

/** The code of the last development mail to `to`, from the log. */
function codeFromLog(to: string): string | undefined {
  const mails = logLines
    .map((l) => l.development_mail as { to: string; text: string } | undefined)
    .filter((m) => m?.to === to);
  return /\b(\d{6})\b/.exec(mails.at(-1)?.text ?? '')?.[1];
}

test('after the first start a person registers with the code from the log, signs in, signs out and signs in again', async () => {
  const written = parseYaml(readFileSync(join(cwd, 'data/config.yaml'), 'utf8'));
  assert.equal(written.email.transport, 'log');

  const context = await newContext(chromium, { width: 390 });
  const page = await context.newPage();
  try {
    await page.goto(base);
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForSelector('input[name=username]');
    await page.fill('input[name=username]', 'ada');
    await page.fill('input[name=email]', 'ada@example.org');
    await page.fill('input[name=password]', PASSWORD);
    await page.fill('input[name=password_confirm]', PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForSelector('input[name=code]');
    const code = await eventually('the code in the log', async () => codeFromLog('ada@example.org'), {
      timeoutMs: 10_000,
    });
    await page.fill('input[name=code]', code);
    await page.press('input[name=code]', 'Enter');
    await page.waitForURL(`${base}account/`);
    assert.match((await page.textContent('body')) ?? '', /@ada:localhost/);

    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.waitForSelector('text=You are signed out');
    await page.goto(base);
    assert.match((await page.textContent('main')) ?? '', /Sign in/);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.waitForSelector('input[name=password]');
    await page.fill('input[name=username]', 'ada');
    await page.fill('input[name=password]', PASSWORD);
    await page.press('input[name=password]', 'Enter');
    await page.waitForURL(`${base}account/`);
    await page.goto(base);
    assert.match((await page.textContent('main')) ?? '', /You are signed in as @ada:localhost/);
  } finally {
    await context.close();
  }
});
