import type { StoredIdentity } from './identity.js';
import type { IdentityStore } from './store.js';

/**
 * The identity store as one request sees it: a user read a second time within the request (a
 * login reads the user to check the password and again to open the session) is answered from the
 * first read. Any write through it forgets every read, so a node that changes the user is seen by
 * the nodes after it. Keyed by the names as given and as stored, never folded: the stores differ
 * in how they fold case beyond ASCII.
 */
export class RequestReads implements IdentityStore {
  readonly #store: IdentityStore;
  readonly #reads = new Map<string, Promise<StoredIdentity | undefined>>();

  constructor(store: IdentityStore) {
    this.#store = store;
  }

  get(realm: string, username: string): Promise<StoredIdentity | undefined> {
    const key = keyOf(realm, username);
    const known = this.#reads.get(key);
    if (known !== undefined) return known;
    const read = this.#store.get(realm, username);
    this.#reads.set(key, read);
    read.then(
      (found) => {
        if (found && this.#reads.get(key) === read) this.#reads.set(keyOf(realm, found.username), read);
      },
      () => this.#reads.delete(key),
    );
    return read;
  }

  insert(identity: StoredIdentity): Promise<boolean> {
    this.#reads.clear();
    return this.#store.insert(identity);
  }

  update(identity: StoredIdentity): Promise<boolean> {
    this.#reads.clear();
    return this.#store.update(identity);
  }

  delete(realm: string, username: string): Promise<boolean> {
    this.#reads.clear();
    return this.#store.delete(realm, username);
  }

  list(realm: string): Promise<StoredIdentity[]> {
    return this.#store.list(realm);
  }

  count(): Promise<number> {
    return this.#store.count();
  }
}

function keyOf(realm: string, username: string): string {
  return `${realm}\u0000${username}`;
}
