import assert from 'node:assert/strict';
import type { Services } from '../../src/compose.js';

/** Sends a registration code to `to` the way the registration page does, and returns the code's id. */
export async function sendCode(services: Services, to: string, language = 'en'): Promise<string> {
  const sent = await services.verification.send({
    purpose: 'registration_email',
    channel: 'email',
    target: to,
    userId: null,
    context: `interaction-${to}`,
    language,
  });
  assert.ok(sent.ok, 'the code is sent (not throttled)');
  return sent.value.id;
}
