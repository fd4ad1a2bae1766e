import type { StoredSession } from './session.js';

/** AM's four answers to a user who already has as many sessions as the quota allows. */
export type QuotaAction = 'DENY_ACCESS' | 'DESTROY_NEXT_EXPIRING' | 'DESTROY_OLDEST_SESSION' | 'DESTROY_ALL';

export interface Quota {
  /** Most live sessions a user may hold at once. */
  limit: number;
  action: QuotaAction;
}

/**
 * How long after its expiry a store may still hold a session that sweeps have passed over
 * (`SessionStore.deleteExpired`): the SQL stores sweep whole 10-minute expiry buckets.
 */
export const SWEEP_LAG_MS = 600_000;

export type QuotaInsert = { inserted: true; evicted: string[] } | { inserted: false };

/**
 * What the session domain needs from storage. Every implementation (`src/stores/*`) passes the
 * shared contract suite in `tests/contract/session-store.contract.ts`.
 *
 * Stores never decide validity: `get` returns expired sessions too, and the domain checks the
 * clock. Expired rows are removed by `deleteExpired`, whose cost grows with the number removed.
 */
export interface SessionStore {
  /** Adds a new session. Ids are unique random values; a duplicate id is a programming error. */
  insert(session: StoredSession): Promise<void>;
  /** The session with this id, live or expired; `undefined` when there is none. */
  get(id: string): Promise<StoredSession | undefined>;
  /**
   * Records a later access. Only moves forward: when the stored `latestAccessTime` is already at
   * or past the given one, nothing changes. Returns false when the session is gone.
   */
  touch(id: string, latestAccessTime: number, expiresAt: number): Promise<boolean>;
  /** Removes a session; true when it was there. */
  delete(id: string): Promise<boolean>;
  /**
   * Removes at most `limit` expired sessions (`expiresAt ≤ now`), never a live one, and returns
   * how many went. A store may keep an expired session until `now ≥ expiresAt + SWEEP_LAG_MS`, so
   * that a sweep reads only rows it removes; readers cannot tell, since the domain decides validity.
   */
  deleteExpired(now: number, limit: number): Promise<number>;
  /**
   * Adds a session while its user keeps at most `quota.limit` live sessions (`expiresAt > now`).
   * When the user is at the limit: `DENY_ACCESS` adds nothing; `DESTROY_NEXT_EXPIRING` removes the
   * live sessions with the earliest `expiresAt`, `DESTROY_OLDEST_SESSION` those with the earliest
   * `creationTime`, as many as needed; `DESTROY_ALL` removes all of them. Atomic with respect to
   * every other write for the same user, on this node and on others sharing the store, so that
   * concurrent logins can never leave more than `limit` live sessions.
   */
  insertWithQuota(session: StoredSession, quota: Quota, now: number): Promise<QuotaInsert>;
  /** The session with this handle, live or expired. */
  getByHandle(sessionHandle: string): Promise<StoredSession | undefined>;
  /** Every session of a user (universal ids compare case-insensitively), live or expired, oldest first. */
  listByUniversalId(universalId: string): Promise<StoredSession[]>;
  /**
   * Sessions of a realm (exactly that realm, case-insensitive) with `expiresAt > now`, oldest first,
   * at most `limit`.
   */
  listByRealm(realm: string, now: number, limit: number): Promise<StoredSession[]>;
  /** Removes every session of a user; returns how many went. */
  deleteByUniversalId(universalId: string): Promise<number>;
  /**
   * Sets the given properties of a session, keeping the others, in one atomic step (two
   * concurrent updates of different properties both land). Returns the properties after the
   * change, or `undefined` when the session is gone.
   */
  mergeProperties(
    id: string,
    changes: Readonly<Record<string, string>>,
  ): Promise<Readonly<Record<string, string>> | undefined>;
}
