import type { StoredSession } from '../../domain/sessions/session.js';
import { freezeSession, setBounded } from '../cache-entries.js';
import type { SqliteDatabase } from './database.js';

/**
 * Parsed sessions of one SQLite connection, by id: the hot path (validate, refresh,
 * getSessionInfo) then costs a map lookup instead of a query and a JSON parse.
 *
 * It stays coherent with every other writer of the file:
 * - another process: SQLite's `data_version` changes when another connection has committed, and
 *   the whole cache is then dropped. It is read once per turn of the event loop, on the first
 *   lookup after the poll that received the request; every request handled in that turn was
 *   received before the check, so a write acknowledged to any client before it sent its request
 *   is always seen (a `data_version` read costs two `fcntl` calls, as much as the rest of a
 *   validate);
 * - another connection of this process (two stores on one directory): its writes drop this
 *   cache at once (`peers`);
 * - this connection: the store keeps the entries it writes right itself (SqliteSessionStore).
 * Entries are frozen, so that no caller can change what later readers get. At most `limit`
 * entries; the oldest inserted go first.
 */
export class SessionCache {
  readonly #entries = new Map<string, StoredSession>();
  readonly #limit: number;
  readonly #dataVersion;
  readonly #peers: Set<WeakRef<SessionCache>> | undefined;
  readonly #self = new WeakRef(this);
  #seenVersion: number;
  /** While the checkpointer commits: `data_version` just before (see ownCommitBegin). */
  #ownCommit: { before: number } | undefined;
  #checkedThisTurn = false;
  readonly #nextTurn = () => {
    this.#checkedThisTurn = false;
  };

  constructor(db: SqliteDatabase, limit: number) {
    this.#limit = limit;
    this.#dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.#seenVersion = this.#dataVersion.get() as number;
    if (limit > 0 && !db.memory) {
      this.#peers = cachesOf(db.name);
      this.#peers.add(this.#self);
    }
  }

  /** The cached session, after dropping everything if another writer has committed since. */
  get(id: string): StoredSession | undefined {
    if (this.#limit === 0 || this.#ownCommit) return undefined;
    if (!this.#checkedThisTurn) {
      this.#checkedThisTurn = true;
      setImmediate(this.#nextTurn).unref();
      const version = this.#dataVersion.get() as number;
      if (version !== this.#seenVersion) {
        this.#seenVersion = version;
        this.#entries.clear();
        return undefined;
      }
    }
    return this.#entries.get(id);
  }

  /**
   * The checkpointer is about to commit a change of no content (after it started the log over);
   * `before` is `data_version` now. Until it reports (`ownCommitEnd`), lookups read the database:
   * a change of `data_version` meanwhile may be that commit alone or more, and is not yet known.
   */
  ownCommitBegin(before: number): void {
    this.#ownCommit = { before };
  }

  /**
   * The checkpointer's commit is done. `after`: `data_version` now, when nothing else committed
   * since `before`; then, if this cache had seen `before`, it is as current at `after` and keeps
   * its entries. Undefined: unknown, and the next lookup checks as ever.
   */
  ownCommitEnd(after: number | undefined): void {
    const pending = this.#ownCommit;
    this.#ownCommit = undefined;
    if (pending && after !== undefined && this.#seenVersion === pending.before) this.#seenVersion = after;
  }

  set(session: StoredSession): StoredSession {
    if (this.#limit === 0) return session;
    setBounded(this.#entries, this.#limit, session.id, freezeSession(session));
    return session;
  }

  /** Replaces an entry that is cached, leaving absent ones absent. */
  update(id: string, change: (session: StoredSession) => StoredSession): void {
    const cached = this.#entries.get(id);
    if (cached) this.set(change(cached));
  }

  delete(id: string): void {
    this.#entries.delete(id);
  }

  /** Call after every write through this connection: other connections of this process forget. */
  wrote(): void {
    if (!this.#peers || this.#peers.size === 1) return;
    for (const ref of this.#peers) {
      const peer = ref.deref();
      if (!peer) this.#peers.delete(ref);
      else if (peer !== this) peer.#entries.clear();
    }
  }
}

/** Caches open on each database file in this process. */
const byFile = new Map<string, Set<WeakRef<SessionCache>>>();

function cachesOf(file: string): Set<WeakRef<SessionCache>> {
  let caches = byFile.get(file);
  if (!caches) {
    caches = new Set();
    byFile.set(file, caches);
  }
  return caches;
}
