import { fail } from '../domain/errors.js';
import type { Realm } from '../domain/realms/realm.js';
import type { RealmRegistry } from '../domain/realms/realm-registry.js';

/** First path elements that name endpoints: never read as realm names. */
export const ENDPOINTS = new Set(['sessions', 'authenticate', 'users', 'serverinfo', 'anvil', 'health']);

export interface Routed {
  realm: Realm;
  /** Path elements from the endpoint on: `['sessions']`, `['users', 'demo']`. */
  rest: string[];
}

/**
 * Finds the realm of a `/json/…` path, in AM's three forms:
 *  - explicit: `realms/root/realms/alpha/…` (each `realms/<name>` a child of the previous realm),
 *    or `realms/<name or alias>/…` looked up from the Host's realm;
 *  - DNS alias: no realm in the path, the realm whose alias is the Host (else the root);
 *  - legacy: `alpha/…`, path elements consumed while they name a sub-realm or alias.
 */
export function routeRealm(realms: RealmRegistry, segments: string[], host: string | undefined): Routed {
  const hostRealm = (host && realms.byHost(stripPort(host))) || realms.root;
  if (segments[0] === 'realms' && segments.length > 1) {
    const first = segments[1] as string;
    let realm: Realm;
    if (first.toLowerCase() === 'root') {
      realm = realms.root;
    } else {
      const found = realms.byNameOrAlias(first);
      if (!found) return fail('RealmNotFound', `Realm "${first}" not found`);
      realm = found;
    }
    let i = 2;
    while (segments[i] === 'realms' && i + 1 < segments.length) {
      const name = segments[i + 1] as string;
      const child = realms.child(realm, name);
      if (!child) return fail('RealmNotFound', `Realm "${childPath(realm, name)}" not found`);
      realm = child;
      i += 2;
    }
    return { realm, rest: segments.slice(i) };
  }
  let realm = hostRealm;
  let i = 0;
  while (i < segments.length - 1) {
    const name = segments[i] as string;
    if (ENDPOINTS.has(name.toLowerCase())) break;
    const next =
      realms.child(realm, name) ?? (realm === realms.root ? realms.byNameOrAlias(name) : undefined);
    if (!next) break;
    realm = next;
    i += 1;
  }
  return { realm, rest: segments.slice(i) };
}

function childPath(parent: Realm, name: string): string {
  return parent.path === '/' ? `/${name}` : `${parent.path}/${name}`;
}

function stripPort(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon > 0 ? host.slice(0, colon) : host;
}
