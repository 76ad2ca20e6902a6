import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
process.on('SIGUSR2', () => void session.post('Profiler.start'));
process.on('SIGHUP', async () => {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync('/tmp/prof/load.cpuprofile', JSON.stringify(profile));
  process.stderr.write('profile written\n');
});
await import('./target.js');
