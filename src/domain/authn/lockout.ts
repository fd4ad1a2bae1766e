/**
 * Failed-login counters that outlive a journey (AM's "save retry limit to user"): kept per realm
 * and user name in the durable store, shared by every node.
 */
export interface LockoutStore {
  /** Adds one failure and returns the new count. Atomic. */
  increment(realm: string, username: string): Promise<number>;
  /** Forgets the failures (after a successful login, or an unlock). */
  reset(realm: string, username: string): Promise<void>;
}
