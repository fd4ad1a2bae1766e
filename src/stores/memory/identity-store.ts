import type { StoredIdentity } from '../../domain/identity/identity.js';
import type { IdentityStore } from '../../domain/identity/store.js';

/** In-process identities: for unit tests and throwaway runs. */
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

function key(realm: string, username: string): string {
  return `${realm.toLowerCase()}\u0000${username.toLowerCase()}`;
}
