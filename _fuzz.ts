import { startMxauth } from './test/helpers/oauth-server.js';
const server = await startMxauth('sqlite');
const paths = ['authorize', 'oauth2/token', 'oauth2/registration', 'oauth2/revoke', 'oauth2/introspect', 'oauth2/userinfo', 'oauth2/device', 'link', 'oauth2/logout', 'interaction/abc', 'interaction/abc/login', 'interaction/abc/consent', 'interaction/abc/register', 'account/', 'account/callback', 'account/sessions/x/end', 'oauth2/keys.json', '.well-known/openid-configuration', 'assets/mxauth.css', 'health', 'metrics', 'oauth2/par', 'authorize/xyz', 'link/xyz', 'oauth2/registration/abc'];
const bodies: [string, string][] = [['application/json', '{"a":'], ['application/json', '[]'], ['application/x-www-form-urlencoded', 'a=%ZZ&&=='], ['application/x-www-form-urlencoded', 'token=' + 'x'.repeat(70000)], ['text/plain', 'hello'], ['application/json', JSON.stringify({ client_uri: 'https://a.example/', redirect_uris: 'notalist' })], ['application/x-www-form-urlencoded', 'csrf=x&username=%00&password=' ]];
const found = new Map<string, string>();
for (const path of paths) {
  for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS']) {
    for (const [type, body] of method === 'GET' || method === 'OPTIONS' ? [['', '']] as [string,string][] : bodies) {
      for (const query of ['', '?client_id=%ZZ', '?response_type=code&client_id=nope&redirect_uri=javascript:alert(1)']) {
        try {
          const r = await fetch(new URL(path + query, server.base), { method, headers: type ? { 'content-type': type, authorization: 'Basic %%%' } : { authorization: 'Bearer' }, body: body || undefined, redirect: 'manual' });
          if (r.status >= 500) found.set(`${method} /${path}`, `${r.status} q=${query.slice(0, 20)} ${type} ${body.slice(0, 20)} :: ${(await r.text()).slice(0, 100)}`);
        } catch (e) { found.set(`${method} /${path}`, `ERR ${(e as Error).message}`); }
      }
    }
  }
}
console.log([...found].map(([k, v]) => `${k} ${v}`).join('\n') || 'no 5xx');
await server.close();
