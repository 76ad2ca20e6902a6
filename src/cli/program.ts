import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { configCommands } from './commands/config.js';
import { databaseCommands } from './commands/database.js';
import { doctorCommand } from './commands/doctor.js';
import { manageCommands } from './commands/manage/index.js';
import { serveCommand } from './commands/serve.js';
import { CliError, type CliIo, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './io.js';

export function buildProgram(io: CliIo): Command {
  const program = new Command('mxauth')
    .description('Authentication service for Matrix homeservers')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  configCommands(program, io);
  databaseCommands(program, io);
  serveCommand(program, io);
  manageCommands(program, io);
  doctorCommand(program, io);
  // Every command reports through exceptions instead of exiting, so the CLI runs in-process in tests.
  const exitOverride = (command: Command) => {
    command.exitOverride();
    command.configureOutput({ writeOut: io.out, writeErr: io.err });
    for (const sub of command.commands) exitOverride(sub);
  };
  exitOverride(program);
  return program;
}

// The same relative path from src/cli (tsx) and dist/cli (built).
const VERSION: string = createRequire(import.meta.url)('../../package.json').version;

/** Runs one command line and returns the process exit code; errors are single readable lines. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are "errors" to commander; usage mistakes were already printed by it.
      return e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (e instanceof CliError) {
      io.err(`error: ${e.message}\n`);
      for (const line of e.details) io.err(`${line}\n`);
      return e.exitCode;
    }
    io.err(`error: ${(e as Error).message ?? String(e)}\n`);
    return EXIT_FAILURE;
  }
}
