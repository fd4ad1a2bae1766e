import type pg from 'pg';
import type { StoredSession } from '../../domain/sessions/session.js';
import type { Quota, QuotaInsert, SessionStore } from '../../domain/sessions/store.js';
import { currentBucket } from '../expiry-buckets.js';
import { chooseEvictions } from '../quota.js';
import { type SessionRow, sessionFromRow } from '../rows.js';
import { inTransaction, prepared, SESSION_COLUMNS, type Tables } from './database.js';
import { VersionedSessionCache } from './session-cache.js';
import { TouchBatches } from './touch-batches.js';

/** The order of every listing: creation time, then id in byte order (as SQLite compares them). */
const OLDEST_FIRST = 'ORDER BY creation_time, id COLLATE "C"';

export const DEFAULT_PG_SESSION_CACHE_ENTRIES = 100_000;

/**
 * The sweep's statement: through the bucket index, only buckets that ended by `now`, oldest
 * first. Every row there has expired, so the scan reads what it removes and no more; now's own
 * bucket waits until it has ended (`SWEEP_LAG_MS`). Taking now's bucket too meant reading every
 * live session of it to find the few expired (at 1,000,000 sessions, 66,000 pages and 314 ms per
 * sweep). SKIP LOCKED lets sweepers on several nodes share the work instead of queueing on the
 * same rows.
 */
export function expiredSweep(table: string, now: number, limit: number): pg.QueryConfig {
  return prepared(
    `DELETE FROM ${table} WHERE id IN (
       SELECT id FROM ${table} WHERE expiry_bucket < $1
       ORDER BY expiry_bucket LIMIT $2 FOR UPDATE SKIP LOCKED
     )`,
    [currentBucket(now), limit],
  );
}

export class PostgresSessionStore implements SessionStore {
  readonly #pool: pg.Pool;
  readonly #t: string;
  readonly #insertSql: string;
  readonly #cache: VersionedSessionCache | undefined;
  readonly #touches: TouchBatches;

  /** `checks`: where the cache's version checks go (default `pool`); they go one at a time. */
  constructor(
    pool: pg.Pool,
    tables: Tables,
    options: { cacheEntries?: number | undefined; checks?: pg.Pool | undefined } = {},
  ) {
    this.#pool = pool;
    this.#t = tables.sessions;
    this.#touches = new TouchBatches(pool, this.#t);
    const limit = options.cacheEntries ?? DEFAULT_PG_SESSION_CACHE_ENTRIES;
    // One index probe per id, whatever the batch's size: with `id = ANY($1)` the planner turned
    // batches of a few hundred ids into a sequential scan of the table (2.9 ms for 500 of 40,000
    // rows, against 0.08 ms for 50), and under load the batches grow.
    const versions = `SELECT k.id, (SELECT s.xmin::text FROM ${this.#t} s WHERE s.id = k.id) AS version
       FROM unnest($1::text[]) AS k(id)`;
    this.#cache =
      limit > 0
        ? new VersionedSessionCache(limit, async (ids) => {
            const { rows } = await (options.checks ?? pool).query<{ id: string; version: string | null }>(
              prepared(versions, [ids]),
            );
            const found = new Map<string, string>();
            for (const { id, version } of rows) if (version !== null) found.set(id, version);
            return found;
          })
        : undefined;
    this.#insertSql = `INSERT INTO ${this.#t} (id, secret_hash, session_handle, universal_id, username, realm,
         creation_time, latest_access_time, max_idle_minutes, max_session_minutes, expires_at, properties)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb)`;
  }

  async insert(session: StoredSession): Promise<void> {
    await this.#pool.query(prepared(this.#insertSql, sessionParams(session)));
  }

  /** For operations and tests: sessions held in memory (none when the cache is off). */
  get cachedSessions(): number {
    return this.#cache?.size ?? 0;
  }

  async get(id: string): Promise<StoredSession | undefined> {
    const cache = this.#cache;
    if (cache) {
      const known = await cache.fresh(id);
      if (known) return known.session;
    }
    const { rows } = await this.#pool.query<SessionRow & { version: string }>(
      prepared(`SELECT ${SESSION_COLUMNS}, xmin::text AS version FROM ${this.#t} WHERE id = $1`, [id]),
    );
    const row = rows[0];
    if (!row) return undefined;
    return cache ? cache.set(sessionFromRow(row), row.version) : sessionFromRow(row);
  }

  async touch(id: string, latestAccessTime: number, expiresAt: number): Promise<boolean> {
    // Batched (touch-batches.ts). The cached entry stays while the write is out: until it commits
    // the row's version is unchanged, and the reads it serves get the time from the session
    // service meanwhile. Then the entry becomes the row as written, with its new version.
    const { found, written } = await this.#touches.write(id, latestAccessTime, expiresAt);
    if (written) this.#cache?.replace(sessionFromRow(written), written.version);
    else this.#cache?.forget(id);
    return found;
  }

  async delete(id: string): Promise<boolean> {
    this.#cache?.forget(id);
    const { rowCount } = await this.#pool.query(prepared(`DELETE FROM ${this.#t} WHERE id = $1`, [id]));
    return (rowCount ?? 0) > 0;
  }

  async deleteExpired(now: number, limit: number): Promise<number> {
    const { rowCount } = await this.#pool.query(expiredSweep(this.#t, now, limit));
    return rowCount ?? 0;
  }

  async insertWithQuota(session: StoredSession, quota: Quota, now: number): Promise<QuotaInsert> {
    return inTransaction(this.#pool, async (client) => {
      // One lock per user (case-insensitively), held until commit, shared by every node: the read
      // below (a new snapshot under READ COMMITTED) sees whatever the previous holder committed.
      await lockUser(client, session.universalId);
      const { rows } = await client.query<Pick<SessionRow, 'id' | 'expires_at' | 'creation_time'>>(
        `SELECT id, expires_at, creation_time FROM ${this.#t}
         WHERE lower(universal_id) = lower($1) AND expires_at > $2`,
        [session.universalId, now],
      );
      const live = rows.map((r) => ({ id: r.id, expiresAt: r.expires_at, creationTime: r.creation_time }));
      const evicted = chooseEvictions(live, quota);
      if (evicted === undefined) return { inserted: false };
      if (evicted.length > 0) {
        await client.query(`DELETE FROM ${this.#t} WHERE id = ANY($1::text[])`, [evicted]);
      }
      await client.query(this.#insertSql, sessionParams(session));
      return { inserted: true, evicted };
    });
  }

  async getByHandle(sessionHandle: string): Promise<StoredSession | undefined> {
    const { rows } = await this.#pool.query<SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM ${this.#t} WHERE session_handle = $1`,
      [sessionHandle],
    );
    return rows[0] ? sessionFromRow(rows[0]) : undefined;
  }

  async listByUniversalId(universalId: string): Promise<StoredSession[]> {
    const { rows } = await this.#pool.query<SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM ${this.#t} WHERE lower(universal_id) = lower($1) ${OLDEST_FIRST}`,
      [universalId],
    );
    return rows.map(sessionFromRow);
  }

  async listByRealm(realm: string, now: number, limit: number): Promise<StoredSession[]> {
    const { rows } = await this.#pool.query<SessionRow>(
      `SELECT ${SESSION_COLUMNS} FROM ${this.#t} WHERE lower(realm) = lower($1) AND expires_at > $2 ${OLDEST_FIRST} LIMIT $3`,
      [realm, now, limit],
    );
    return rows.map(sessionFromRow);
  }

  async deleteByUniversalId(universalId: string): Promise<number> {
    // Under the user's quota lock, so that it cannot lock that user's rows in another order than a
    // concurrent insertWithQuota evicting them (a deadlock), and sees every login committed before.
    return inTransaction(this.#pool, async (client) => {
      await lockUser(client, universalId);
      const { rowCount } = await client.query(
        `DELETE FROM ${this.#t} WHERE lower(universal_id) = lower($1)`,
        [universalId],
      );
      return rowCount ?? 0;
    });
  }

  async mergeProperties(
    id: string,
    changes: Readonly<Record<string, string>>,
  ): Promise<Readonly<Record<string, string>> | undefined> {
    // `||` merges in SQL under the row lock, so concurrent updates of different properties all land.
    this.#cache?.forget(id);
    const { rows } = await this.#pool.query<{ properties: Record<string, string> }>(
      `UPDATE ${this.#t} SET properties = properties || $1::jsonb WHERE id = $2 RETURNING properties`,
      [JSON.stringify(changes), id],
    );
    return rows[0]?.properties;
  }
}

/** Takes the user's quota lock until the end of the transaction (universal ids are case-insensitive). */
async function lockUser(client: pg.PoolClient, universalId: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtext(lower($1)))', [universalId]);
}

/** The insert's parameters, in the order of its columns. */
export function sessionParams(s: StoredSession): unknown[] {
  return [
    s.id,
    s.secretHash,
    s.sessionHandle,
    s.universalId,
    s.username,
    s.realm,
    s.creationTime,
    s.latestAccessTime,
    s.maxIdleMinutes,
    s.maxSessionMinutes,
    s.expiresAt,
    JSON.stringify(s.properties),
  ];
}
