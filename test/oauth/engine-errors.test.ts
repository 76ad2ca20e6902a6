import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import Provider from 'oidc-provider';
import { classifyEngineError, SESSION_NOT_PERSISTED } from '../../src/oauth/engine-errors.js';

// The engine's ways of saying "the browser's state is gone", checked against the engine itself: when an
// upgrade changes them, this fails instead of the pages answering 500.

test('an interaction without its cookie is classified as gone, as the engine reports it', async () => {
  const engine = new Provider('http://127.0.0.1/', {});
  const req = new IncomingMessage(new Socket());
  req.url = '/interaction/abc';
  req.headers = {};
  const failure = await engine.interactionDetails(req, new ServerResponse(req)).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(failure, 'the engine refused');
  assert.equal(classifyEngineError(failure), 'interaction_gone');
});

test("the engine's lost-session message is the one classified", () => {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('oidc-provider/package.json'));
  const source = readFileSync(join(root, 'lib/models/session.js'), 'utf8');
  const thrown = /throw new TypeError\('([^']*persisted[^']*)'\)/.exec(source)?.[1];
  assert.ok(thrown, 'the engine still throws a TypeError about persisting sessions');
  assert.match(thrown, SESSION_NOT_PERSISTED);
  assert.equal(classifyEngineError(new TypeError(thrown)), 'session_lost');
  assert.equal(classifyEngineError(new TypeError('something else')), undefined);
  assert.equal(classifyEngineError(new Error('database down')), undefined);
});
