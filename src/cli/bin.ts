#!/usr/bin/env node
import { runCli } from './program.js';

const stopSignal = () =>
  new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  stdin: process.stdin,
  stdout: process.stdout,
  env: process.env,
  cwd: process.cwd(),
  script: process.argv[1],
  stopSignal,
});
