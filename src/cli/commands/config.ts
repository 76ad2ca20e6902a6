import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { generateOptionsFor, readSynapseConfig, synapseSnippet } from '../../config/from-synapse.js';
import { configToYaml, type GenerateOptions, generateConfig } from '../../config/generate.js';
import { formatProblem } from '../../config/problems.js';
import { configJsonSchema } from '../../config/schema.js';
import { lookOf, OverridesError } from '../../web/branding.js';
import { configPath, loadConfigOrExit, refuseUnsafeConfig } from '../context.js';
import { CliError, type CliIo, EXIT_USAGE } from '../io.js';

export function configCommands(program: Command, io: CliIo): void {
  const config = program.command('config').description('Create, check and describe configuration files');

  config
    .command('generate')
    .description('Print a complete configuration with fresh secrets and signing keys')
    .option('-o, --output <file>', 'write it to this file (mode 600) instead of standard output')
    .option('--force', 'overwrite --output if it exists')
    .option('--public-base <url>', 'URL where mxauth is reached', 'http://localhost:8080/')
    .option('--server-name <name>', 'the Matrix server name (matrix.homeserver)', 'localhost:8008')
    .option('--database-uri <uri>', 'sqlite:PATH or postgresql://…', 'sqlite:mxauth.db')
    .option('--listen <address>', 'host:port of the public listener (pages, OAuth, discovery)', '[::]:8080')
    .option(
      '--internal-listen <address>',
      'host:port of the internal listener (/health, /metrics); keep it off the public network',
      '127.0.0.1:8081',
    )
    .option(
      '--synapse-config <file>',
      "fill matrix.*, the password schemes and the upstream providers from Synapse's homeserver.yaml, and print the snippet Synapse needs",
    )
    .action(async (options) => {
      let fromSynapse: Partial<GenerateOptions> = {};
      if (options.synapseConfig) {
        const path = resolve(io.cwd, options.synapseConfig);
        let text: string;
        try {
          text = readFileSync(path, 'utf8');
        } catch (e) {
          throw new CliError(
            `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
            EXIT_USAGE,
          );
        }
        const facts = readSynapseConfig(text);
        if (!facts.ok)
          throw new CliError(`${path} is not a usable Synapse configuration: ${facts.error}`, EXIT_USAGE);
        fromSynapse = generateOptionsFor(facts.value);
        // What could not be carried over goes to the operator, not into the file.
        for (const note of facts.value.notes) io.err(`note: ${note}\n`);
      }
      const generated = await generateConfig({
        publicBase: options.publicBase,
        serverName: options.serverName,
        databaseUri: options.databaseUri,
        listen: options.listen,
        internalListen: options.internalListen,
        ...fromSynapse,
      });
      const yaml = configToYaml(generated);
      // The snippet goes where the configuration does not: the terminal when the config goes to a file.
      const snippet = options.synapseConfig
        ? synapseSnippet(listenerUrl(options.listen), generated.matrix?.secret as string)
        : undefined;
      if (!options.output) {
        io.out(yaml);
        if (snippet) io.err(`\n${snippet}`);
        return;
      }
      const file = resolve(io.cwd, options.output);
      if (existsSync(file) && !options.force)
        throw new CliError(`${file} exists; pass --force to overwrite it`, EXIT_USAGE);
      writeFileSync(file, yaml, { mode: 0o600 });
      io.err(`wrote ${file}\n`);
      if (snippet) io.out(snippet);
    });

  config
    .command('check')
    .description('Validate a configuration file, naming every problem')
    .option('-c, --config <file>', 'configuration file (default: $MXAUTH_CONFIG or config.yaml)')
    .action((options) => {
      const path = configPath(io, options.config);
      const loaded = loadConfigOrExit(io, path);
      refuseUnsafeConfig(path, loaded);
      // The page overrides are read as the server reads them at start, so a broken one fails here first.
      try {
        lookOf(loaded);
      } catch (e) {
        if (!(e instanceof OverridesError)) throw e;
        throw new CliError(
          `invalid configuration (${path}):`,
          EXIT_USAGE,
          e.problems.map((p) => `  ${formatProblem(p)}`),
        );
      }
      io.out(
        [
          `${path}: the configuration is valid`,
          `  public base:  ${loaded.http.publicBase.href}`,
          `  homeserver:   ${loaded.matrix.homeserver} (${loaded.matrix.kind})`,
          `  database:     ${loaded.database.uri.replace(/\/\/[^@/]*@/, '//…@')}`,
          `  signing keys: ${loaded.secrets.keys.map((k) => `${k.kid} (${k.alg})`).join(', ')}`,
          '',
        ].join('\n'),
      );
    });

  config
    .command('schema')
    .description('Print the JSON Schema of the configuration file (for editors and validators)')
    .action(() => io.out(`${JSON.stringify(configJsonSchema(), null, 2)}\n`));
}

/** The URL Synapse reaches mxauth at, from the listen address (a wildcard address means this host). */
function listenerUrl(listen: string): string {
  const match = /^(?:\[(.*)\]|([^:]*)):(\d+)$/.exec(listen);
  const host = match?.[1] ?? match?.[2] ?? 'localhost';
  const port = match?.[3] ?? '8080';
  const reachable = host === '' || host === '::' || host === '0.0.0.0' ? 'localhost' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}/`;
}
