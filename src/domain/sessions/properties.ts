import type { Realm } from '../realms/realm.js';

/**
 * Session properties AM never lets REST clients set: what login records about the session
 * itself. Names starting with `am.protected` (any case) are protected too.
 */
const PROTECTED = new Set(
  [
    'Host',
    'HostName',
    'AuthLevel',
    'AuthType',
    'Principal',
    'UserId',
    'UserToken',
    'Organization',
    'cookieSupport',
    'authInstant',
    'Principals',
    'loginURL',
    'FullLoginURL',
    'Role',
    'Service',
    'SessionTimedOut',
    'SessionHandle',
    'TokenRestriction',
    'AMMaxIdleTime',
    'AMMaxSessionTime',
    'AMCtxId',
    'sun.am.UniversalIdentifier',
  ].map((name) => name.toLowerCase()),
);

export function isProtectedProperty(name: string): boolean {
  const lower = name.toLowerCase();
  return PROTECTED.has(lower) || lower.startsWith('am.protected');
}

/** A property REST may read and write in this realm: allow-listed and not protected. */
export function isAllowedProperty(realm: Realm, name: string): boolean {
  return !isProtectedProperty(name) && realm.session.allowlist.includes(name);
}
