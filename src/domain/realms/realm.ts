import type { Quota } from '../sessions/store.js';

/** Session settings in force for one realm (realm values over the global defaults). */
export interface RealmSessionSettings {
  maxIdleMinutes: number;
  maxSessionMinutes: number;
  /** Properties readable and settable over REST. */
  allowlist: readonly string[];
  /** Properties returned in `getSessionInfo` at resource 4.0+. */
  queryProperties: readonly string[];
  /** The session quota, when enforced in this realm. */
  quota: Quota | undefined;
}

/** An AM realm: `/` is the root; sub-realms have slash paths such as `/alpha`. */
export interface Realm {
  /** Path as configured: `/`, `/alpha`, `/customers/europe`. */
  path: string;
  /** Last path element (`''` for the root). */
  name: string;
  parent: Realm | undefined;
  /** AM's realm DN, e.g. `o=alpha,ou=services,ou=am-config`. */
  dn: string;
  aliases: readonly string[];
  active: boolean;
  /** User names of this realm that administer its sessions and its sub-realms'. */
  admins: readonly string[];
  session: RealmSessionSettings;
}

/** The DN of the root realm, as in Identity Cloud. Sub-realms add `o=<name>,ou=services,` levels. */
export const ROOT_DN = 'ou=am-config';

export function realmDn(path: string): string {
  if (path === '/') return ROOT_DN;
  const names = path.split('/').filter((n) => n !== '');
  return `${names
    .reverse()
    .map((n) => `o=${n}`)
    .join(',')},ou=services,${ROOT_DN}`;
}
