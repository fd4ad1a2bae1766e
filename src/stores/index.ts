import type { UsedJourneyStore } from '../domain/authn/authn-service.js';
import type { LockoutStore } from '../domain/authn/lockout.js';
import type { IdentityStore } from '../domain/identity/store.js';
import type { MetaStore } from '../domain/meta-store.js';
import type { SessionStore } from '../domain/sessions/store.js';
import {
  MemoryIdentityStore,
  MemoryLockoutStore,
  MemoryMetaStore,
  MemorySessionStore,
  MemoryUsedJourneyStore,
} from './memory/index.js';
import { Checkpointer } from './sqlite/checkpointer.js';
import { openSqlite } from './sqlite/database.js';
import { SqliteIdentityStore } from './sqlite/identity-store.js';
import { SqliteLockoutStore } from './sqlite/lockout-store.js';
import { SqliteMetaStore } from './sqlite/meta-store.js';
import { SqliteSessionStore } from './sqlite/session-store.js';
import { SqliteUsedJourneyStore } from './sqlite/used-journey-store.js';
import { WriteGate } from './sqlite/write-gate.js';

export interface Stores {
  sessions: SessionStore;
  identities: IdentityStore;
  meta: MetaStore;
  usedJourneys: UsedJourneyStore;
  lockouts: LockoutStore;
  /** Where the data lives, for the startup log. */
  description: string;
  close(): Promise<void>;
}

export type StoreLocation =
  | { kind: 'sqlite'; dataDir: string; sessionCacheEntries?: number | undefined }
  | { kind: 'sqlite-memory' }
  | { kind: 'memory' };

export function createStores(location: StoreLocation): Stores {
  if (location.kind === 'memory') {
    return {
      sessions: new MemorySessionStore(),
      identities: new MemoryIdentityStore(),
      meta: new MemoryMetaStore(),
      usedJourneys: new MemoryUsedJourneyStore(),
      lockouts: new MemoryLockoutStore(),
      description: 'memory (nothing is kept)',
      close: async () => {},
    };
  }
  const db = openSqlite(location.kind === 'sqlite' ? { dataDir: location.dataDir } : { memory: true });
  // Every store of this connection writes through one gate, which the checkpointer holds.
  const gate = new WriteGate();
  const sessions = new SqliteSessionStore(db, {
    cacheEntries: location.kind === 'sqlite' ? location.sessionCacheEntries : undefined,
    gate,
  });
  const checkpointer =
    location.kind === 'sqlite' ? new Checkpointer(db, gate, { ownCommit: sessions.ownCommit }) : undefined;
  return {
    sessions,
    identities: new SqliteIdentityStore(db, gate),
    meta: new SqliteMetaStore(db, gate),
    usedJourneys: new SqliteUsedJourneyStore(db, gate),
    lockouts: new SqliteLockoutStore(db, gate),
    description: location.kind === 'sqlite' ? `sqlite (${db.name})` : 'sqlite (in memory)',
    close: async () => {
      await checkpointer?.close();
      db.close();
    },
  };
}

export interface StoreSettings {
  sessionStore: 'sqlite' | 'redis' | 'postgres';
  identityStore: 'sqlite' | 'postgres';
  dataDir: string;
  redisUrl?: string | undefined;
  databaseUrl?: string | undefined;
  redis: {
    keyPrefix: string;
    sentinels: readonly { host: string; port: number }[];
    sentinelName?: string | undefined;
    cluster: readonly { host: string; port: number }[];
    sessionCacheEntries?: number | undefined;
  };
  postgres: { schema?: string | undefined; poolSize: number; sessionCacheEntries?: number | undefined };
  sqlite?: { sessionCacheEntries: number };
}

/**
 * The stores a node runs on, per kind: sessions and spent authIds on SQLite, Redis or
 * PostgreSQL; identities, lockout counters and deployment values on SQLite or PostgreSQL. The
 * Redis and PostgreSQL drivers are loaded only when configured.
 */
export async function openStores(settings: StoreSettings, onError: (error: Error) => void): Promise<Stores> {
  const opened: { close(): Promise<void>; description: string }[] = [];
  try {
    let sqlite: Stores | undefined;
    const useSqlite = () => {
      sqlite ??= createStores({
        kind: 'sqlite',
        dataDir: settings.dataDir,
        sessionCacheEntries: settings.sqlite?.sessionCacheEntries,
      });
      if (!opened.includes(sqlite)) opened.push(sqlite);
      return sqlite;
    };
    let postgres: Awaited<ReturnType<typeof import('./postgres/index.js').openPostgres>> | undefined;
    const usePostgres = async () => {
      if (!postgres) {
        const { openPostgres } = await import('./postgres/index.js');
        postgres = await openPostgres({
          url: settings.databaseUrl as string,
          schema: settings.postgres.schema,
          poolSize: settings.postgres.poolSize,
          sessionCacheEntries: settings.postgres.sessionCacheEntries,
          onError,
        });
        opened.push(postgres);
      }
      return postgres;
    };
    const durable = settings.identityStore === 'postgres' ? await usePostgres() : useSqlite();
    let sessions: Pick<Stores, 'sessions' | 'usedJourneys'>;
    if (settings.sessionStore === 'redis') {
      const { openRedis } = await import('./redis/index.js');
      const redis = await openRedis({
        url: settings.redisUrl,
        keyPrefix: settings.redis.keyPrefix,
        sentinels: settings.redis.sentinels.length > 0 ? settings.redis.sentinels : undefined,
        sentinelName: settings.redis.sentinelName,
        cluster: settings.redis.cluster.length > 0 ? settings.redis.cluster : undefined,
        sessionCacheEntries: settings.redis.sessionCacheEntries,
        onError,
      });
      opened.push(redis);
      sessions = redis;
    } else {
      sessions = settings.sessionStore === 'postgres' ? await usePostgres() : useSqlite();
    }
    return {
      sessions: sessions.sessions,
      usedJourneys: sessions.usedJourneys,
      identities: durable.identities,
      meta: durable.meta,
      lockouts: durable.lockouts,
      description: `sessions on ${settings.sessionStore}, identities on ${settings.identityStore}: ${opened.map((o) => o.description).join('; ')}`,
      close: async () => {
        await Promise.all(opened.map((o) => o.close()));
      },
    };
  } catch (error) {
    await Promise.all(opened.map((o) => o.close().catch(() => {})));
    throw error;
  }
}
