import type { Command } from 'commander';
import { openDatabase } from '../../storage/database.js';
import { migrateToLatest } from '../../storage/migrate.js';
import { configPath, loadConfigOrExit } from '../context.js';
import { CliError, type CliIo } from '../io.js';

export function databaseCommands(program: Command, io: CliIo): void {
  const database = program.command('database').description('Manage the database schema');

  database
    .command('migrate')
    .description('Apply pending schema migrations (all or nothing)')
    .option('-c, --config <file>', 'configuration file (default: $MXAUTH_CONFIG or config.yaml)')
    .action(async (options) => {
      const config = loadConfigOrExit(io, configPath(io, options.config));
      const opened = await openDatabase(config.database.uri, {
        connectTimeoutMs: config.database.connectTimeoutMs,
      });
      if (!opened.ok) throw new CliError(opened.error);
      try {
        const result = await migrateToLatest(opened.value);
        if (!result.ok) throw new CliError(result.error);
        const { applied, alreadyApplied } = result.value;
        io.out(
          applied.length === 0
            ? `${opened.value.description}: up to date (${alreadyApplied} migrations)\n`
            : `${opened.value.description}: applied ${applied.join(', ')}\n`,
        );
      } finally {
        await opened.value.close();
      }
    });
}
