import type { StoredSession } from '../../domain/sessions/session.js';
import { freezeSession, setBounded } from '../cache-entries.js';

/** Current row versions (PostgreSQL's `xmin`) of the given session ids; absent ids have no row. */
export type VersionCheck = (ids: readonly string[]) => Promise<ReadonlyMap<string, string>>;

/** What the cache knows of a session: served from memory, known gone, or nothing (read the row). */
export type CacheAnswer = { session: StoredSession | undefined } | undefined;

/**
 * Parsed sessions of one node with the version of the row each was read at (`xmin`, which every
 * UPDATE changes). A cached session is served only after a check, asked after the request had
 * arrived, finds its row still at that version: PostgreSQL takes the check's snapshot when it
 * runs it, so every commit acknowledged to anyone before the request was sent is in it — whichever
 * node or tool wrote. A row that changed is read again; a row that is gone is answered as gone.
 *
 * Lookups share one query (an index probe per id), sent at the end of the event-loop turn, after
 * every request read in it, or — while a check is out — when that one returns: under load one
 * probe per request on the server instead of a statement, and few round trips on the node.
 * Entries are frozen, so that no caller can change what later readers get. At most `limit`
 * entries; the oldest inserted go first.
 */
export class VersionedSessionCache {
  readonly #entries = new Map<string, { session: StoredSession; version: string }>();
  readonly #limit: number;
  readonly #check: VersionCheck;
  /** The check not yet sent, which lookups join until it goes. */
  #unsent:
    | {
        ids: Set<string>;
        versions: Promise<ReadonlyMap<string, string> | undefined>;
        settle: (versions: ReadonlyMap<string, string> | undefined) => void;
      }
    | undefined;
  /** Whether a check is out. */
  #checking = false;

  constructor(limit: number, check: VersionCheck) {
    this.#limit = limit;
    this.#check = check;
  }

  get size(): number {
    return this.#entries.size;
  }

  async fresh(id: string): Promise<CacheAnswer> {
    if (!this.#entries.has(id)) return undefined;
    const versions = await this.#join(id);
    if (versions === undefined) return undefined;
    const current = versions.get(id);
    const entry = this.#entries.get(id);
    if (current === undefined) {
      this.#entries.delete(id);
      return { session: undefined };
    }
    if (entry?.version === current) return { session: entry.session };
    this.#entries.delete(id);
    return undefined;
  }

  /** Keeps a session read from its row, with the row's version. */
  set(session: StoredSession, version: string): StoredSession {
    if (this.#limit === 0) return session;
    setBounded(this.#entries, this.#limit, session.id, { session: freezeSession(session), version });
    return session;
  }

  /** This node wrote the session and has the row as written: the entry becomes it, if there is one. */
  replace(session: StoredSession, version: string): void {
    if (this.#entries.has(session.id))
      this.#entries.set(session.id, { session: freezeSession(session), version });
  }

  /** This node changes the session: the entry would fail its next check anyway; skip that query. */
  forget(id: string): void {
    this.#entries.delete(id);
  }

  #join(id: string): Promise<ReadonlyMap<string, string> | undefined> {
    let batch = this.#unsent;
    if (!batch) {
      let settle: (versions: ReadonlyMap<string, string> | undefined) => void = () => {};
      const versions = new Promise<ReadonlyMap<string, string> | undefined>((resolve) => {
        settle = resolve;
      });
      batch = { ids: new Set(), versions, settle };
      this.#unsent = batch;
      if (!this.#checking) setImmediate(this.#send);
    }
    batch.ids.add(id);
    return batch.versions;
  }

  /**
   * Sends the waiting batch, at most one at a time: lookups that come while a check is out wait
   * for the next, which goes when it returns — under load, fewer and larger checks.
   */
  readonly #send = (): void => {
    const batch = this.#unsent;
    if (!batch || this.#checking) return;
    this.#unsent = undefined;
    this.#checking = true;
    this.#check([...batch.ids])
      .then(batch.settle, () => batch.settle(undefined))
      .finally(() => {
        this.#checking = false;
        if (this.#unsent) setImmediate(this.#send);
      });
  };
}
