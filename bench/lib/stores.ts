/**
 * The three stores: whether each answers, its version, and the settings and clean-up of a run's own
 * part of it (a random Redis key prefix, a random PostgreSQL schema).
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { databaseUrl, redisUrl, type StoreKind } from './args.js';

export async function reachable(store: StoreKind): Promise<string | undefined> {
  if (store === 'sqlite') return undefined;
  if (store === 'redis') {
    const client = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      return undefined;
    } catch (error) {
      return (error as Error).message;
    } finally {
      client.disconnect();
    }
  }
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function storeVersion(store: StoreKind): Promise<string> {
  if (store === 'sqlite') {
    const sqlite = (await import('better-sqlite3')).default;
    const db = new sqlite(':memory:');
    const row = db.prepare('SELECT sqlite_version() AS v').get() as { v: string };
    db.close();
    return `SQLite ${row.v} (better-sqlite3)`;
  }
  if (store === 'redis') {
    const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    try {
      const info = await client.info('server');
      return `Redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'}`;
    } finally {
      client.disconnect();
    }
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return `PostgreSQL ${rows[0]?.server_version ?? '?'}`;
  } finally {
    await client.end();
  }
}

export interface StoreEnvironment {
  /** ANVIL_* settings that select the store (none for SQLite, the default). */
  env: NodeJS.ProcessEnv;
  /** Command names of the store's server processes, whose CPU is counted apart. */
  storeComms: string[];
  /** Removes the run's keys or schema. */
  drop(): Promise<void>;
}

export function storeEnvironment(store: StoreKind, suffix: string): StoreEnvironment {
  const redisPrefix = `anvilbench-${suffix}:`;
  const schema = `anvil_bench_${suffix}`;
  if (store === 'redis') {
    return {
      env: { ANVIL_SESSION_STORE: 'redis', ANVIL_REDIS_URL: redisUrl, ANVIL_REDIS_KEY_PREFIX: redisPrefix },
      storeComms: ['redis-server'],
      drop: async () => {
        const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
        try {
          let cursor = '0';
          do {
            const [next, keys] = await client.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1000);
            cursor = next;
            if (keys.length > 0) await client.unlink(...keys);
          } while (cursor !== '0');
        } finally {
          client.disconnect();
        }
      },
    };
  }
  if (store === 'postgres') {
    return {
      env: {
        ANVIL_SESSION_STORE: 'postgres',
        ANVIL_IDENTITY_STORE: 'postgres',
        ANVIL_DATABASE_URL: databaseUrl,
        ANVIL_POSTGRES_SCHEMA: schema,
      },
      storeComms: ['postgres'],
      drop: async () => {
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } finally {
          await client.end();
        }
      },
    };
  }
  return { env: {}, storeComms: [], drop: async () => {} };
}
