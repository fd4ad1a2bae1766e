import type { UsedJourneyStore } from '../../domain/authn/authn-service.js';
import type { LockoutStore } from '../../domain/authn/lockout.js';
import type { IdentityStore } from '../../domain/identity/store.js';
import type { MetaStore } from '../../domain/meta-store.js';
import type { SessionStore } from '../../domain/sessions/store.js';
import { createPool, migrate, tablesIn } from './database.js';
import { PostgresIdentityStore } from './identity-store.js';
import { PostgresLockoutStore } from './lockout-store.js';
import { PostgresMetaStore } from './meta-store.js';
import { DEFAULT_PG_SESSION_CACHE_ENTRIES, PostgresSessionStore } from './session-store.js';
import { PostgresUsedJourneyStore } from './used-journey-store.js';

export { migrations } from './database.js';

export interface PostgresOptions {
  /** `postgres://user:password@host:port/database?…`, as `pg` reads it. */
  url: string;
  /** A PostgreSQL schema to keep the tables in (created when missing); default: the search_path. */
  schema?: string | undefined;
  /** Most connections this node opens for queries (default 10); the session cache adds one. */
  poolSize?: number | undefined;
  /** Sessions kept in memory, each checked against its row's version before use (session-cache.ts); 0: none. */
  sessionCacheEntries?: number | undefined;
  /** Told when an idle pooled connection fails (the pool drops it and opens another when needed). */
  onError?: ((error: Error) => void) | undefined;
}

export interface PostgresStores {
  sessions: SessionStore;
  identities: IdentityStore;
  meta: MetaStore;
  usedJourneys: UsedJourneyStore;
  lockouts: LockoutStore;
  /** Applies the migrations not yet applied (already done by `openPostgres`; safe to repeat). */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** Where the data lives, for the startup log (without the password). */
  description: string;
}

/**
 * Connects a pool to PostgreSQL and brings the schema up to date. Several nodes may share the
 * database and start at once: migrations are serialised by an advisory lock, and the session quota
 * is enforced by a per-user advisory lock, so it holds across nodes.
 */
export async function openPostgres(options: PostgresOptions): Promise<PostgresStores> {
  const tables = tablesIn(options.schema);
  const pool = createPool(options.url, options.poolSize, options.onError ?? (() => {}));
  try {
    await migrate(pool, tables);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  // The session cache's version checks go one at a time over a connection of their own, so that
  // validate never waits for the pool behind logins whose commits wait for the disk.
  const cacheEntries = options.sessionCacheEntries ?? DEFAULT_PG_SESSION_CACHE_ENTRIES;
  const checks = cacheEntries > 0 ? createPool(options.url, 1, options.onError ?? (() => {})) : undefined;
  let closed: Promise<void> | undefined;
  return {
    sessions: new PostgresSessionStore(pool, tables, { cacheEntries, checks }),
    identities: new PostgresIdentityStore(pool, tables),
    meta: new PostgresMetaStore(pool, tables),
    usedJourneys: new PostgresUsedJourneyStore(pool, tables),
    lockouts: new PostgresLockoutStore(pool, tables),
    migrate: () => migrate(pool, tables),
    close: () => {
      closed ??= Promise.all([pool.end(), checks?.end()]).then(() => {});
      return closed;
    },
    description: describeLocation(options),
  };
}

function describeLocation(options: PostgresOptions): string {
  const schema = options.schema === undefined ? '' : `, schema ${options.schema}`;
  try {
    const url = new URL(options.url);
    const user = url.username ? `${decodeURIComponent(url.username)}@` : '';
    return `postgresql (${user}${url.host}${url.pathname}${schema})`;
  } catch {
    return `postgresql${schema ? ` (${schema.slice(2)})` : ''}`;
  }
}
