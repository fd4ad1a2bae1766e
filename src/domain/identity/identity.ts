import { type Realm, ROOT_DN } from '../realms/realm.js';

export type IdentityStatus = 'Active' | 'Inactive';

/** A user of one realm, with AM-style multi-valued string attributes. */
export interface Identity {
  /** Realm path, e.g. `/alpha`. */
  realm: string;
  username: string;
  /** AM's universal id: `id=<username>,ou=user,<realm DN>`. */
  universalId: string;
  status: IdentityStatus;
  attributes: Readonly<Record<string, readonly string[]>>;
  createTime: number;
  modifyTime: number;
}

export interface StoredIdentity extends Identity {
  /** argon2id PHC string; `undefined` for an identity that cannot log in with a password. */
  passwordHash: string | undefined;
}

export function universalIdOf(username: string, realm: Pick<Realm, 'dn'>): string {
  return `id=${username},ou=user,${realm.dn}`;
}

export const ADMIN_USERNAME = 'amAdmin';
export const ADMIN_UNIVERSAL_ID = `id=${ADMIN_USERNAME},ou=user,${ROOT_DN}`;

/** Super users: `amAdmin` of the root realm (universal ids compare case-insensitively, as in AM). */
export function isSuperUser(universalId: string): boolean {
  return universalId.toLowerCase() === ADMIN_UNIVERSAL_ID.toLowerCase();
}
