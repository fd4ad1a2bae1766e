#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { configurationDocs } from '../config/docs.js';
import { ConfigError, loadConfig } from '../config/load.js';
import { TreeDefinitionError } from '../domain/authn/tree-catalog.js';
import { RealmDefinitionError } from '../domain/realms/realm-registry.js';
import { ANVIL_VERSION } from '../http/routes/serverinfo.js';
import { startServer } from '../server.js';

const USAGE = `Usage: anvil <command> [options]

Commands:
  serve            Start the server (SQLite under ./data by default)
  config check     Validate the configuration and print it
  config docs      Print the configuration reference (Markdown)
  migrate          Bring the schemas of the configured stores up to date
  export           Write the SQLite data under the data directory as JSON Lines
  import           Load an export into the configured stores (existing data is kept)

Options:
  --config FILE    JSON or YAML configuration file
  --port N         Port to listen on (also PORT / ANVIL_PORT)
  --host ADDR      Address to listen on (also ANVIL_HOST)
  --data-dir DIR   Directory of the SQLite database (also ANVIL_DATA_DIR)
  --out FILE       export: write to FILE instead of standard output
  --in FILE        import: read FILE instead of standard input
  -h, --help       Show this help
  -v, --version    Show the version`;

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`anvil ${ANVIL_VERSION}\n`);
    return 0;
  }
  const command = positionals.join(' ');
  if (values.help || command === '') {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  for (const [option, only] of [
    ['out', 'export'],
    ['in', 'import'],
  ] as const) {
    if (values[option] !== undefined && command !== only) {
      process.stderr.write(`--${option} is an option of ${only} only\n\n${USAGE}\n`);
      return 2;
    }
  }
  if (command === 'config docs') {
    process.stdout.write(configurationDocs());
    return 0;
  }
  const config = loadConfig({
    file: values.config,
    env: process.env,
    overrides: {
      port: values.port === undefined ? undefined : Number(values.port),
      host: values.host,
      dataDir: values['data-dir'],
    },
  });
  if (command === 'config check') {
    const { admin: _secret, ...shown } = config;
    process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    return 0;
  }
  if (command === 'migrate') return (await import('./migrate.js')).runMigrate(config);
  if (command === 'export') return (await import('./transfer.js')).runExport(config, values.out);
  if (command === 'import') return (await import('./transfer.js')).runImport(config, values.in);
  if (command !== 'serve') {
    process.stderr.write(`Unknown command: ${command}\n\n${USAGE}\n`);
    return 2;
  }
  const server = await startServer(config);
  const stop = (signal: string) => {
    server.services.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      server.services.log.error('shutdown timed out; closing connections');
      process.exit(1);
    }, config.shutdownTimeoutSeconds * 1000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.services.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return -1;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      out: { type: 'string' },
      in: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (
      error instanceof ConfigError ||
      error instanceof RealmDefinitionError ||
      error instanceof TreeDefinitionError
    ) {
      process.stderr.write(`anvil: ${error.message}\n`);
    } else {
      process.stderr.write(`anvil: could not start: ${(error as Error).message}\n`);
    }
    process.exitCode = 1;
  },
);
