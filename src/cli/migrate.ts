import type { Config } from '../config/schema.js';
import { openStores } from '../stores/index.js';
import { sqliteFile, sqliteSchemaVersion } from '../stores/sqlite/export.js';
import { messageOf } from '../stores/transfer.js';

const say = (line: string) => process.stdout.write(`${line}\n`);

/**
 * `anvil migrate`: opens the configured stores as `anvil serve` would, which brings their schemas up
 * to date (PostgreSQL and SQLite migrate at open; Redis has no schema and is only reached), then
 * closes them and says what changed. Seeds nothing: no `amAdmin`, no journey secret.
 */
export async function runMigrate(config: Readonly<Config>): Promise<number> {
  const usesPostgres = config.identityStore === 'postgres' || config.sessionStore === 'postgres';
  const usesSqlite = config.identityStore === 'sqlite' || config.sessionStore === 'sqlite';
  try {
    const postgresBefore = usesPostgres ? await postgresSchemaVersion(config) : undefined;
    const sqliteBefore = usesSqlite ? sqliteSchemaVersion(config.dataDir) : undefined;
    const stores = await openStores(config, () => {});
    const description = stores.description;
    await stores.close();
    say(`anvil migrate: ${description}`);
    if (usesPostgres) {
      const where = config.postgres.schema === undefined ? '' : ` (schema ${config.postgres.schema})`;
      say(`  PostgreSQL${where}: ${change(postgresBefore ?? 0, await postgresSchemaVersion(config))}`);
    }
    if (usesSqlite) {
      const after = sqliteSchemaVersion(config.dataDir) ?? 0;
      const file = sqliteFile(config.dataDir);
      say(
        sqliteBefore === undefined
          ? `  SQLite ${file}: created at schema version ${after}`
          : `  SQLite ${file}: ${change(sqliteBefore, after)}`,
      );
    }
    if (config.sessionStore === 'redis') say('  Redis: reachable (it has no schema to migrate)');
    return 0;
  } catch (error) {
    process.stderr.write(`anvil migrate: failed: ${messageOf(error)}\n`);
    return 1;
  }
}

function change(before: number, after: number): string {
  if (before === after) return `schema version ${after}, already up to date`;
  const applied = after - before;
  return `applied ${applied} migration${applied === 1 ? '' : 's'} (schema version ${before} → ${after})`;
}

/** The number of migrations applied to the configured PostgreSQL schema (0 when it has none). */
async function postgresSchemaVersion(config: Readonly<Config>): Promise<number> {
  const [{ default: pg }, { tablesIn }] = await Promise.all([
    import('pg'),
    import('../stores/postgres/database.js'),
  ]);
  const tables = tablesIn(config.postgres.schema);
  const client = new pg.Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  try {
    try {
      await client.connect();
    } catch (error) {
      throw new Error(`PostgreSQL not reachable at ${shown(config.databaseUrl ?? '')}: ${messageOf(error)}`);
    }
    const { rows } = await client.query<{ present: boolean }>(
      'SELECT to_regclass($1) IS NOT NULL AS present',
      [tables.version],
    );
    if (!rows[0]?.present) return 0;
    const version = await client.query<{ applied: number }>(`SELECT applied FROM ${tables.version}`);
    return version.rows[0]?.applied ?? 0;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A database URL without its password. */
function shown(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(the configured databaseUrl)';
  }
}
