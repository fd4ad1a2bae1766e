import type { StoredSession } from '../../domain/sessions/session.js';
import type { Quota, QuotaInsert, SessionStore } from '../../domain/sessions/store.js';
import { currentBucket, EXPIRY_BUCKET_MS } from '../expiry-buckets.js';
import { chooseEvictions } from '../quota.js';
import { type SessionRow, sessionFromRow, sessionToRow } from '../rows.js';
import type { OwnCommitListener } from './checkpointer.js';
import type { SqliteDatabase } from './database.js';
import { SessionCache } from './session-cache.js';
import { TurnBatch } from './turn-batch.js';
import { WriteGate } from './write-gate.js';

/** Parsed sessions kept in memory by default (about 1 KiB each). */
export const DEFAULT_SESSION_CACHE_ENTRIES = 100_000;

interface PendingTouch {
  id: string;
  latestAccessTime: number;
  expiresAt: number;
  resolve(existed: boolean): void;
  reject(error: unknown): void;
}

interface PendingDelete {
  id: string;
  resolve(deleted: boolean): void;
  reject(error: unknown): void;
}

export class SqliteSessionStore implements SessionStore {
  readonly #insert;
  readonly #get;
  readonly #touch;
  readonly #delete;
  readonly #deleteMany: (ids: string[]) => boolean[];
  readonly #touchMany: (batch: PendingTouch[]) => boolean[];
  readonly #deleteExpired;
  readonly #cache: SessionCache;
  readonly #gate: WriteGate;
  readonly #touches: TurnBatch<PendingTouch>;
  readonly #deletes: TurnBatch<PendingDelete>;

  /** `gate`: holds the writes back while the checkpointer needs the database (see WriteGate). */
  constructor(
    db: SqliteDatabase,
    options: { cacheEntries?: number | undefined; gate?: WriteGate | undefined } = {},
  ) {
    this.#gate = options.gate ?? new WriteGate();
    this.#touches = new TurnBatch(this.#gate, this.#commitTouches);
    this.#deletes = new TurnBatch(this.#gate, this.#commitDeletes);
    this.#cache = new SessionCache(db, options.cacheEntries ?? DEFAULT_SESSION_CACHE_ENTRIES);
    this.#insert = db.prepare(
      `INSERT INTO sessions (id, secret_hash, session_handle, universal_id, username, realm, creation_time,
         latest_access_time, max_idle_minutes, max_session_minutes, expires_at, properties)
       VALUES (@id, @secret_hash, @session_handle, @universal_id, @username, @realm, @creation_time,
         @latest_access_time, @max_idle_minutes, @max_session_minutes, @expires_at, @properties)`,
    );
    this.#get = db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?');
    this.#touch = db.prepare<[number, number, string, number]>(
      'UPDATE sessions SET latest_access_time = ?, expires_at = ? WHERE id = ? AND latest_access_time < ?',
    );
    this.#delete = db.prepare<[string]>('DELETE FROM sessions WHERE id = ?');
    this.#deleteExpired = db.prepare<[number, number], { id: string }>(
      // Through the bucket index (its expression, spelled the same), only buckets that have ended:
      // every row there has expired, so a sweep reads what it deletes (SWEEP_LAG_MS).
      `DELETE FROM sessions WHERE id IN (
         SELECT id FROM sessions WHERE expires_at / ${EXPIRY_BUCKET_MS} < ?
         ORDER BY expires_at / ${EXPIRY_BUCKET_MS} LIMIT ?
       ) RETURNING id`,
    );
    this.#exists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM sessions WHERE id = ?');
    this.#byHandle = db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE session_handle = ?');
    this.#byUser = db.prepare<[string], SessionRow>(
      'SELECT * FROM sessions WHERE universal_id = ? ORDER BY creation_time, id',
    );
    this.#liveForUser = db.prepare<[string, number], Pick<SessionRow, 'id' | 'expires_at' | 'creation_time'>>(
      'SELECT id, expires_at, creation_time FROM sessions WHERE universal_id = ? AND expires_at > ?',
    );
    this.#byRealm = db.prepare<[string, number, number], SessionRow>(
      'SELECT * FROM sessions WHERE realm = ? AND expires_at > ? ORDER BY creation_time, id LIMIT ?',
    );
    this.#deleteByUser = db.prepare<[string], { id: string }>(
      'DELETE FROM sessions WHERE universal_id = ? RETURNING id',
    );
    // json_patch merges in SQL, so concurrent updates of different properties cannot undo each other.
    this.#mergeProperties = db.prepare<[string, string], { properties: string }>(
      'UPDATE sessions SET properties = json_patch(properties, ?) WHERE id = ? RETURNING properties',
    );
    this.#deleteMany = db.transaction((ids: string[]) => ids.map((id) => this.#delete.run(id).changes > 0));
    this.#touchMany = db.transaction((batch: PendingTouch[]) =>
      batch.map(
        (t) => this.#touch.run(t.latestAccessTime, t.expiresAt, t.id, t.latestAccessTime).changes > 0,
      ),
    );
    const insertWithQuota = db.transaction((row: SessionRow, quota: Quota, now: number): QuotaInsert => {
      const live = this.#liveForUser.all(row.universal_id, now).map((r) => ({
        id: r.id,
        expiresAt: r.expires_at,
        creationTime: r.creation_time,
      }));
      const evicted = chooseEvictions(live, quota);
      if (evicted === undefined) return { inserted: false };
      for (const id of evicted) this.#delete.run(id);
      this.#insert.run(row);
      return { inserted: true, evicted };
    });
    // IMMEDIATE takes the write lock before reading, so two processes cannot both see room.
    this.#insertWithQuota = insertWithQuota.immediate;
  }

  readonly #exists;
  readonly #byHandle;
  readonly #byUser;
  readonly #liveForUser;
  readonly #byRealm;
  readonly #deleteByUser;
  readonly #mergeProperties;
  readonly #insertWithQuota: (row: SessionRow, quota: Quota, now: number) => QuotaInsert;

  async insert(session: StoredSession): Promise<void> {
    await this.#gate.held;
    this.#insert.run(sessionToRow(session));
    this.#cache.wrote();
    this.#cache.set({ ...session, properties: { ...session.properties } });
  }

  /** The checkpointer's commit of no content, for the session cache (see Checkpointer). */
  readonly ownCommit: OwnCommitListener = {
    begin: (before) => this.#cache.ownCommitBegin(before),
    end: (after) => this.#cache.ownCommitEnd(after),
  };

  async get(id: string): Promise<StoredSession | undefined> {
    const cached = this.#cache.get(id);
    if (cached) return cached;
    const row = this.#get.get(id);
    return row ? this.#cache.set(sessionFromRow(row)) : undefined;
  }

  /**
   * Idle-time writes asked for during one turn of the event loop are committed together, as
   * deletes are: a cohort of sessions due at once (their 60-s windows end together) is thousands
   * of writes in a second or two, and one WAL commit per turn instead of one each writes fewer
   * frames (the sessions' expiry index takes them at one end) and keeps the event loop freer.
   */
  touch(id: string, latestAccessTime: number, expiresAt: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.#touches.add({ id, latestAccessTime, expiresAt, resolve, reject });
    });
  }

  readonly #commitTouches = (batch: PendingTouch[]): void => {
    const changed = this.#touchMany(batch);
    if (changed.includes(true)) this.#cache.wrote();
    for (const [i, { id, latestAccessTime, expiresAt, resolve }] of batch.entries()) {
      if (changed[i]) {
        this.#cache.update(id, (session) => ({ ...session, latestAccessTime, expiresAt }));
        resolve(true);
      } else {
        // Already later (another writer) or gone: read it afresh next time.
        this.#cache.delete(id);
        resolve(this.#exists.get(id) !== undefined);
      }
    }
  };

  /**
   * Deletes asked for during one turn of the event loop are committed together, in one
   * transaction at the end of the turn (one WAL commit instead of one each: logouts are the
   * store's most frequent write). Each caller's promise settles once its delete is committed.
   */
  delete(id: string): Promise<boolean> {
    this.#cache.delete(id);
    return new Promise((resolve, reject) => {
      this.#deletes.add({ id, resolve, reject });
    });
  }

  readonly #commitDeletes = (batch: PendingDelete[]): void => {
    const deleted = this.#deleteMany(batch.map((pending) => pending.id));
    // A read between the call and the commit may have cached the row again.
    for (const pending of batch) this.#cache.delete(pending.id);
    if (deleted.includes(true)) this.#cache.wrote();
    for (const [i, pending] of batch.entries()) pending.resolve(deleted[i] === true);
  };

  async deleteExpired(now: number, limit: number): Promise<number> {
    await this.#gate.held;
    const removed = this.#deleteExpired.all(currentBucket(now), limit);
    if (removed.length > 0) this.#cache.wrote();
    for (const { id } of removed) this.#cache.delete(id);
    return removed.length;
  }

  async insertWithQuota(session: StoredSession, quota: Quota, now: number): Promise<QuotaInsert> {
    await this.#gate.held;
    const result = this.#insertWithQuota(sessionToRow(session), quota, now);
    if (result.inserted) {
      this.#cache.wrote();
      for (const id of result.evicted) this.#cache.delete(id);
      this.#cache.set({ ...session, properties: { ...session.properties } });
    }
    return result;
  }

  async getByHandle(sessionHandle: string): Promise<StoredSession | undefined> {
    const row = this.#byHandle.get(sessionHandle);
    return row ? sessionFromRow(row) : undefined;
  }

  async listByUniversalId(universalId: string): Promise<StoredSession[]> {
    return this.#byUser.all(universalId).map(sessionFromRow);
  }

  async listByRealm(realm: string, now: number, limit: number): Promise<StoredSession[]> {
    return this.#byRealm.all(realm, now, limit).map(sessionFromRow);
  }

  async deleteByUniversalId(universalId: string): Promise<number> {
    await this.#gate.held;
    const removed = this.#deleteByUser.all(universalId);
    if (removed.length > 0) this.#cache.wrote();
    for (const { id } of removed) this.#cache.delete(id);
    return removed.length;
  }

  async mergeProperties(
    id: string,
    changes: Readonly<Record<string, string>>,
  ): Promise<Readonly<Record<string, string>> | undefined> {
    await this.#gate.held;
    const row = this.#mergeProperties.get(JSON.stringify(changes), id);
    if (!row) {
      this.#cache.delete(id);
      return undefined;
    }
    this.#cache.wrote();
    const properties = JSON.parse(row.properties) as Record<string, string>;
    this.#cache.update(id, (session) => ({ ...session, properties: { ...properties } }));
    return properties;
  }
}
