import type { StoredIdentity } from './identity.js';

/**
 * Identity storage. User names are case-insensitive within a realm (as in AM's data stores);
 * implementations pass `tests/contract/identity-store.contract.ts`.
 */
export interface IdentityStore {
  get(realm: string, username: string): Promise<StoredIdentity | undefined>;
  /** Adds a user; false (and no change) when the realm already has one of that name. */
  insert(identity: StoredIdentity): Promise<boolean>;
  /** Replaces a user's record; false when there is no such user. */
  update(identity: StoredIdentity): Promise<boolean>;
  delete(realm: string, username: string): Promise<boolean>;
  /** Every user of a realm, ordered by user name. */
  list(realm: string): Promise<StoredIdentity[]>;
  /** How many identities exist in all realms (0 means a first boot). */
  count(): Promise<number>;
}

/** Password hashing, kept behind an interface so that the domain holds no native code. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}
