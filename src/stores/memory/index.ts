import type { StoredIdentity } from '../../domain/identity/identity.js';
import type { IdentityStore } from '../../domain/identity/store.js';
import type { MetaStore } from '../../domain/meta-store.js';
import type { StoredSession } from '../../domain/sessions/session.js';
import type { SessionStore } from '../../domain/sessions/store.js';

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

export class MemoryIdentityStore implements IdentityStore {
  readonly #identities = new Map<string, StoredIdentity>();

  async get(realm: string, username: string): Promise<StoredIdentity | undefined> {
    return this.#identities.get(key(realm, username));
  }

  async insert(identity: StoredIdentity): Promise<boolean> {
    const k = key(identity.realm, identity.username);
    if (this.#identities.has(k)) return false;
    this.#identities.set(k, identity);
    return true;
  }

  async update(identity: StoredIdentity): Promise<boolean> {
    const k = key(identity.realm, identity.username);
    if (!this.#identities.has(k)) return false;
    this.#identities.set(k, identity);
    return true;
  }

  async delete(realm: string, username: string): Promise<boolean> {
    return this.#identities.delete(key(realm, username));
  }

  async list(realm: string): Promise<StoredIdentity[]> {
    return [...this.#identities.values()]
      .filter((i) => i.realm.toLowerCase() === realm.toLowerCase())
      .sort((a, b) => a.username.toLowerCase().localeCompare(b.username.toLowerCase()));
  }

  async count(): Promise<number> {
    return this.#identities.size;
  }
}

export class MemoryMetaStore implements MetaStore {
  readonly #values = new Map<string, string>();

  async getOrSet(k: string, value: string): Promise<string> {
    if (!this.#values.has(k)) this.#values.set(k, value);
    return this.#values.get(k) as string;
  }
}

function key(realm: string, username: string): string {
  return `${realm.toLowerCase()}\u0000${username.toLowerCase()}`;
}
