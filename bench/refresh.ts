import { createHash, randomBytes } from 'node:crypto';
import { FormBrowser } from '../test/helpers/browser.js';
import { type LoadResult, summarize } from './load.js';

/**
 * Token refresh throughput: `chains` devices each sign in once through the real pages, then refresh in a
 * closed loop (every refresh rotates the token, so each request uses the previous answer's token).
 */
export async function refreshChains(base: string, chains: number, durationMs: number): Promise<LoadResult> {
  const registration = await fetch(`${base}/oauth2/registration`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_uri: 'https://bench.example.com/',
      redirect_uris: ['https://bench.example.com/cb'],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'none',
    }),
  });
  const { client_id } = (await registration.json()) as { client_id: string };
  const tokens: string[] = [];
  for (let i = 0; i < chains; i++) tokens.push(await signIn(base, client_id, i));

  const latencies: number[] = [];
  let errors = 0;
  let stop = false;
  const started = process.hrtime.bigint();
  setTimeout(() => {
    stop = true;
  }, durationMs);
  await Promise.all(
    tokens.map(async (first) => {
      let refreshToken = first;
      while (!stop) {
        const t0 = process.hrtime.bigint();
        const response = await fetch(`${base}/oauth2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id }),
        });
        const body = (await response.json()) as { refresh_token?: string };
        if (response.status !== 200 || !body.refresh_token) {
          errors++;
          return;
        }
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        refreshToken = body.refresh_token;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return summarize(latencies, errors, seconds);
}

async function signIn(base: string, clientId: string, i: number): Promise<string> {
  const verifier = randomBytes(32).toString('base64url');
  const browser = new FormBrowser(`${base}/`, { 'x-forwarded-for': `198.51.100.${(i % 250) + 1}` });
  const url = new URL(`${base}/authorize`);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: 'https://bench.example.com/cb',
    scope: `urn:matrix:client:api:* urn:matrix:client:device:BENCH${i}`,
    state: 's',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  let page = await browser.get(url.href);
  page = await browser.submit(page, { username: 'bench', password: 'bench password' });
  page = await browser.submit(page, { decision: 'allow' });
  const code = new URL(page.url).searchParams.get('code');
  const response = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: code ?? '',
      redirect_uri: 'https://bench.example.com/cb',
      client_id: clientId,
      code_verifier: verifier,
    }),
  });
  const body = (await response.json()) as { refresh_token?: string };
  if (!body.refresh_token) throw new Error(`sign-in ${i} failed: ${JSON.stringify(body)}`);
  return body.refresh_token;
}
