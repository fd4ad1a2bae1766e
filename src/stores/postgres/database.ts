import pg from 'pg';
import { sha256 } from '../../core/tokens.js';
import { EXPIRY_BUCKET_MS } from '../expiry-buckets.js';

/**
 * Schema changes, applied in order inside one transaction; `anvil_schema` records how many have
 * run. Append only: never edit a migration that has shipped. The tables mirror the SQLite ones
 * (src/stores/sqlite/database.ts); case-insensitive columns are compared and indexed as `lower(…)`,
 * and the stored spelling is kept. Times are epoch milliseconds (`bigint`).
 */
export const migrations: readonly string[] = [
  `CREATE TABLE sessions (
     id text PRIMARY KEY,
     secret_hash bytea NOT NULL,
     session_handle text NOT NULL UNIQUE,
     universal_id text NOT NULL,
     username text NOT NULL,
     realm text NOT NULL,
     creation_time bigint NOT NULL,
     latest_access_time bigint NOT NULL,
     max_idle_minutes integer NOT NULL,
     max_session_minutes integer NOT NULL,
     expires_at bigint NOT NULL,
     properties jsonb NOT NULL
   );
   CREATE INDEX sessions_universal_id ON sessions (lower(universal_id), creation_time, id COLLATE "C");
   CREATE INDEX sessions_realm ON sessions (lower(realm), creation_time, id COLLATE "C");
   CREATE INDEX sessions_expires_at ON sessions (expires_at);
   CREATE TABLE identities (
     realm text NOT NULL,
     username text NOT NULL,
     universal_id text NOT NULL,
     status text NOT NULL,
     password_hash text,
     attributes jsonb NOT NULL,
     create_time bigint NOT NULL,
     modify_time bigint NOT NULL
   );
   CREATE UNIQUE INDEX identities_realm_username ON identities (lower(realm), lower(username));
   CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
   CREATE TABLE used_journeys (id text PRIMARY KEY, expires_at bigint NOT NULL);
   CREATE INDEX used_journeys_expires_at ON used_journeys (expires_at);`,
  `CREATE TABLE lockout_counters (realm text NOT NULL, username text NOT NULL, failures integer NOT NULL);
   CREATE UNIQUE INDEX lockout_counters_key ON lockout_counters (lower(realm), lower(username));`,
  // Idle-time writes change expires_at; while it was indexed, each one was a new row version
  // with a new entry in all five indexes. The sweeper's index is now on a coarse bucket of it,
  // which most of those writes leave as it was: they become HOT updates (no index entry, the
  // new version on the same page, for which fillfactor leaves room). Adding the column rewrites
  // the table once, under its lock (6 s for 500,000 sessions on the benchmark machine).
  `ALTER TABLE sessions ADD COLUMN expiry_bucket bigint GENERATED ALWAYS AS (expires_at / ${EXPIRY_BUCKET_MS}) STORED;
   CREATE INDEX sessions_expiry_bucket ON sessions (expiry_bucket);
   DROP INDEX sessions_expires_at;
   ALTER TABLE sessions SET (fillfactor = 85);`,
];

/**
 * The key of the advisory lock that serialises migrations (and the creation of the schema) across
 * every node starting at once. Outside the int4 range, so that it never meets a per-user quota
 * lock (`hashtext(…)`).
 */
const MIGRATION_LOCK = '7236267035629441025';

/** Fully qualified table names: every query names its tables through these. */
export interface Tables {
  /** The quoted schema, or `undefined` for the connection's search_path. */
  schema: string | undefined;
  sessions: string;
  identities: string;
  meta: string;
  usedJourneys: string;
  lockouts: string;
  version: string;
}

export function tablesIn(schema: string | undefined): Tables {
  const quoted = schema === undefined ? undefined : pg.escapeIdentifier(schema);
  const name = (table: string) => (quoted === undefined ? table : `${quoted}.${table}`);
  return {
    schema: quoted,
    sessions: name('sessions'),
    identities: name('identities'),
    meta: name('meta'),
    usedJourneys: name('used_journeys'),
    lockouts: name('lockout_counters'),
    version: name('anvil_schema'),
  };
}

/**
 * A pool whose `bigint` columns come back as JS numbers (times in ms and counts are far below
 * 2^53). The parser is set on this pool's own types, not on pg's global ones.
 */
export function createPool(
  url: string,
  poolSize: number | undefined,
  onError: (error: Error) => void,
): pg.Pool {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
    types,
  });
  // An idle connection that breaks (server restart, network) is dropped by the pool; without a
  // listener its error would end the process.
  pool.on('error', onError);
  return pool;
}

/** Runs `work` in a transaction on one connection, rolling back when it throws. */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
      client.release();
    } catch (rollbackError) {
      // The connection is unusable: destroy it rather than return it to the pool.
      client.release(rollbackError as Error);
    }
    throw error;
  }
}

/**
 * Creates the schema (when one is given) and applies the migrations not yet applied, all in one
 * transaction under an advisory lock, so that nodes starting together neither race nor half-apply.
 */
export async function migrate(pool: pg.Pool, tables: Tables): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK]);
    if (tables.schema !== undefined) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${tables.schema}`);
      await client.query(`SET LOCAL search_path TO ${tables.schema}`);
    }
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${tables.version} (
         only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
         applied integer NOT NULL
       )`,
    );
    const { rows } = await client.query<{ applied: number }>(`SELECT applied FROM ${tables.version}`);
    const applied = rows[0]?.applied ?? 0;
    if (applied > migrations.length) {
      throw new Error(
        `the database schema (version ${applied}) is newer than this Anvil (version ${migrations.length})`,
      );
    }
    if (applied === migrations.length) return;
    for (let i = applied; i < migrations.length; i += 1) await client.query(migrations[i] as string);
    await client.query(
      `INSERT INTO ${tables.version} (only_row, applied) VALUES (true, $1)
       ON CONFLICT (only_row) DO UPDATE SET applied = EXCLUDED.applied`,
      [migrations.length],
    );
  });
}

/**
 * The columns a prepared read names, rather than `*`: a connection keeps its plan for as long as
 * it lives, and PostgreSQL refuses to run it once the result's columns changed ("cached plan must
 * not change result type") — as they would when another node's migration adds a column during a
 * rolling upgrade.
 */
export const SESSION_COLUMNS = `id, secret_hash, session_handle, universal_id, username, realm, creation_time,
  latest_access_time, max_idle_minutes, max_session_minutes, expires_at, properties`;
export const IDENTITY_COLUMNS =
  'realm, username, universal_id, status, password_hash, attributes, create_time, modify_time';

/**
 * A named (server-side prepared) statement: each connection parses and plans it once, instead of
 * on every request. Named after its text, since the table names differ per schema.
 */
export function prepared(text: string, values: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `anvil_${sha256(text).toString('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return { name, text, values };
}

const statementNames = new Map<string, string>();
