import type { StoredSession } from '../../domain/sessions/session.js';
import type { Quota, QuotaInsert, SessionStore } from '../../domain/sessions/store.js';
import { chooseEvictions } from '../quota.js';

/** In-process stores: for unit tests and throwaway runs. Nothing survives a restart. */
export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, StoredSession>();

  async insert(session: StoredSession): Promise<void> {
    if (this.#sessions.has(session.id)) throw new Error(`duplicate session id ${session.id}`);
    this.#sessions.set(session.id, { ...session });
  }

  async get(id: string): Promise<StoredSession | undefined> {
    const s = this.#sessions.get(id);
    return s ? { ...s } : undefined;
  }

  async touch(id: string, latestAccessTime: number, expiresAt: number): Promise<boolean> {
    const s = this.#sessions.get(id);
    if (!s) return false;
    if (s.latestAccessTime < latestAccessTime) this.#sessions.set(id, { ...s, latestAccessTime, expiresAt });
    return true;
  }

  async delete(id: string): Promise<boolean> {
    return this.#sessions.delete(id);
  }

  async insertWithQuota(session: StoredSession, quota: Quota, now: number): Promise<QuotaInsert> {
    const live = [...this.#sessions.values()].filter(
      (s) => sameUser(s, session.universalId) && s.expiresAt > now,
    );
    const evicted = chooseEvictions(live, quota);
    if (evicted === undefined) return { inserted: false };
    for (const id of evicted) this.#sessions.delete(id);
    await this.insert(session);
    return { inserted: true, evicted };
  }

  async getByHandle(sessionHandle: string): Promise<StoredSession | undefined> {
    for (const s of this.#sessions.values()) if (s.sessionHandle === sessionHandle) return { ...s };
    return undefined;
  }

  async listByUniversalId(universalId: string): Promise<StoredSession[]> {
    return oldestFirst([...this.#sessions.values()].filter((s) => sameUser(s, universalId)));
  }

  async listByRealm(realm: string, now: number, limit: number): Promise<StoredSession[]> {
    const r = realm.toLowerCase();
    return oldestFirst(
      [...this.#sessions.values()].filter((s) => s.realm.toLowerCase() === r && s.expiresAt > now),
    ).slice(0, limit);
  }

  async deleteByUniversalId(universalId: string): Promise<number> {
    let removed = 0;
    for (const [id, s] of this.#sessions) {
      if (sameUser(s, universalId)) {
        this.#sessions.delete(id);
        removed += 1;
      }
    }
    return removed;
  }

  async mergeProperties(
    id: string,
    changes: Readonly<Record<string, string>>,
  ): Promise<Readonly<Record<string, string>> | undefined> {
    const s = this.#sessions.get(id);
    if (!s) return undefined;
    const properties = { ...s.properties, ...changes };
    this.#sessions.set(id, { ...s, properties });
    return { ...properties };
  }

  async deleteExpired(now: number, limit: number): Promise<number> {
    let removed = 0;
    for (const [id, s] of this.#sessions) {
      if (removed >= limit) break;
      if (s.expiresAt <= now) {
        this.#sessions.delete(id);
        removed += 1;
      }
    }
    return removed;
  }
}

function sameUser(session: StoredSession, universalId: string): boolean {
  return session.universalId.toLowerCase() === universalId.toLowerCase();
}

/** Code-unit order, as SQLite compares ids: the same on every node whatever its locale. */
function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function oldestFirst(sessions: StoredSession[]): StoredSession[] {
  return sessions.sort((a, b) => a.creationTime - b.creationTime || byId(a, b)).map((s) => ({ ...s }));
}
