import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import type { Command } from 'commander';
import { configToYaml, generateConfig } from '../../config/generate.js';
import { createMxauth, StartupError } from '../../server.js';
import { configPath, loadConfigOrExit, refuseUnsafeConfig } from '../context.js';
import { cliCommand } from '../invocation.js';
import { CliError, type CliIo } from '../io.js';

export function serveCommand(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('Run the HTTP service until SIGTERM or SIGINT')
    .option('-c, --config <file>', 'configuration file (default: $MXAUTH_CONFIG or config.yaml)')
    .option('--no-migrate', 'refuse to start while migrations are pending, instead of applying them')
    .option(
      '--generate-config',
      'if the configuration file does not exist, write a development one there first (SQLite beside it, http://localhost:8080/, mail to the log)',
    )
    .action(async (options) => {
      const path = configPath(io, options.config);
      if (options.generateConfig && !existsSync(path)) {
        mkdirSync(dirname(path), { recursive: true });
        const config = await generateConfig({
          publicBase: 'http://localhost:8080/',
          listen: '127.0.0.1:8080',
          internalListen: '127.0.0.1:8081',
          matrixKind: 'none',
          serverName: 'localhost',
          databaseUri: 'sqlite:mxauth.db',
          passwordRegistration: true,
          // Registration asks for an emailed code: with no mail server yet, the code is read from the log.
          mailTransport: 'log',
        });
        writeFileSync(path, configToYaml(config), { mode: 0o600 });
        io.err(`created a development configuration at ${path}\n`);
      }
      const config = loadConfigOrExit(io, path);
      refuseUnsafeConfig(path, config);
      const mxauth = createMxauth(config);
      try {
        await mxauth.start({ listen: true, migrate: options.migrate });
      } catch (e) {
        if (e instanceof StartupError) throw new CliError(e.message);
        throw e;
      }
      const shownConfig = relative(io.cwd, path) || path;
      // Only while there is nobody to sign in as: afterwards the hint is noise at every start.
      const noUserYet = (await mxauth.users.list({ limit: 1 })).length === 0;
      io.err(
        [
          '',
          `mxauth is running at ${config.http.publicBase.href}`,
          `  listening on ${mxauth.listening.map((s) => s.address).join(', ')}`,
          ...(noUserYet
            ? [`  create a first user: ${cliCommand(io)} manage register-user alice --config ${shownConfig}`]
            : []),
          '',
          '',
        ].join('\n'),
      );
      const signal = await io.stopSignal();
      mxauth.logger.info({ signal }, 'shutting down');
      await mxauth.close();
    });
}
