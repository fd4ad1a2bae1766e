import type { LockoutStore } from '../../domain/authn/lockout.js';

export class MemoryLockoutStore implements LockoutStore {
  readonly #failures = new Map<string, number>();

  async increment(realm: string, username: string): Promise<number> {
    const key = `${realm.toLowerCase()}\u0000${username.toLowerCase()}`;
    const next = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, next);
    return next;
  }

  async reset(realm: string, username: string): Promise<void> {
    this.#failures.delete(`${realm.toLowerCase()}\u0000${username.toLowerCase()}`);
  }
}
