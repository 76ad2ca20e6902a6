// mxauth inside a host process: the host owns the HTTP server and hands mxauth the requests it should
// answer. Run it after `npm run build`:  node examples/embedded.mjs  (PORT=0 picks a free port)
import { createServer } from 'node:http';
import { createMxauth, generateConfig } from 'mxauth';

const config = await generateConfig({ publicBase: 'http://127.0.0.1:8090/' });
config.database = { uri: 'sqlite::memory:' };
config.matrix = { kind: 'none', homeserver: 'example.org' };
config.log = { level: 'warn' };

const mxauth = createMxauth(config);
await mxauth.start(); // migrates the database; binds no port of its own

const server = createServer((req, res) => {
  if (req.url === '/') return res.end('the host application\n');
  mxauth.handler(req, res); // everything else is mxauth's
});
await new Promise((resolve) => server.listen(Number(process.env.PORT ?? 8090), '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;

// The host can also use mxauth's account operations directly.
const alice = await mxauth.users.register({ localpart: 'alice', password: 'correct horse battery staple' });
console.log(alice.ok ? `registered @${alice.value.localpart}:example.org` : alice.error);

const health = await fetch(`${base}/health`);
console.log(`GET /health → ${health.status} ${await health.text()}`);

server.close();
await mxauth.close();
