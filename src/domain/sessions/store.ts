import type { StoredSession } from './session.js';

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
  /** Removes at most `limit` sessions with `expiresAt ≤ now`; returns how many went. */
  deleteExpired(now: number, limit: number): Promise<number>;
}
