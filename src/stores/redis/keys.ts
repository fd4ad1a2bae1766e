/**
 * Key layout of the Redis stores. `P` is the effective prefix: the configured `keyPrefix`
 * (default `anvil:`) followed by the hash tag `{anvil}:`, e.g. `anvil:{anvil}:`. A prefix that
 * already has a hash tag (`myapp:{sessions}:`) is used as it is.
 *
 *   P s:<id>              hash, one per session: id, secretHash (base64), sessionHandle,
 *                         universalId, username, realm (stored spelling), creationTime,
 *                         latestAccessTime, maxIdleMinutes, maxSessionMinutes, expiresAt (epoch ms,
 *                         decimal), properties (JSON object of strings), uidLower, realmLower
 *   P h:<handle>          string: handle → session id
 *   P u:<lower uid>       sorted set of the user's session ids, score creationTime
 *   P r:<lower realm>     sorted set of the realm's session ids, score creationTime
 *   P x                   sorted set of every session id, score expiresAt (for deleteExpired)
 *   P j:<authId>          string: a spent authId (value: its expiresAt)
 *   P jx                  sorted set of spent authIds, score expiresAt (for deleteExpired)
 *
 * Equal scores order by member bytes, so a user's or realm's sorted set is already "oldest first by
 * creationTime, then id in byte order". Lower-casing is done in JavaScript (`toLowerCase`, as the
 * memory store does) and kept in `uidLower`/`realmLower`, so Lua can find a session's index keys
 * without lower-casing (its `string.lower` knows ASCII only).
 *
 * Every change that touches more than one key is one Lua script (scripts.ts), so it is atomic for
 * every node sharing the server. All keys share one hash tag, so in Cluster mode they live in one
 * slot: a script may then touch a session, its user's and realm's indexes and the expiry set
 * together (the quota check and the sweeper need exactly that). The price is that one Cluster
 * node holds all Anvil data: Cluster gives availability here, not sharding.
 *
 * TTLs only collect garbage: the session hash and handle key expire GC_GRACE_MS after expiresAt
 * (PEXPIREAT, moved on by touch), a spent authId likewise. A deadline the Redis clock has already
 * passed is not set (the key would vanish at once); such keys wait for the sweeper. Validity is the
 * domain's decision, so `get` returns expired sessions until the sweeper (deleteExpired) or the TTL
 * removes them. When a TTL removed a hash before the sweeper, its index entries dangle: readers
 * skip ids without a hash and drop them from the index they read; deleteExpired drops them from
 * the expiry sets. Run Redis with `maxmemory-policy noeviction`: an evicted index or spent-authId
 * key would break quotas or let an authId be replayed.
 */
export const GC_GRACE_MS = 60 * 60_000;

export const DEFAULT_KEY_PREFIX = 'anvil:';

/** The configured prefix with a hash tag: `{anvil}:` is appended unless it has a tag already. */
export function effectivePrefix(keyPrefix: string = DEFAULT_KEY_PREFIX): string {
  const open = keyPrefix.indexOf('{');
  if (open < 0 && !keyPrefix.includes('}')) return `${keyPrefix}{anvil}:`;
  const close = keyPrefix.indexOf('}', open + 1);
  if (open >= 0 && close > open + 1) return keyPrefix;
  throw new Error(`Redis key prefix ${JSON.stringify(keyPrefix)}: braces must form a non-empty hash tag`);
}

export class RedisKeys {
  readonly prefix: string;
  /** Sorted set of session ids by expiresAt. */
  readonly expiry: string;
  /** Sorted set of spent authIds by expiresAt. */
  readonly journeyExpiry: string;

  constructor(prefix: string) {
    this.prefix = prefix;
    this.expiry = `${prefix}x`;
    this.journeyExpiry = `${prefix}jx`;
  }

  session(id: string): string {
    return `${this.prefix}s:${id}`;
  }

  handle(sessionHandle: string): string {
    return `${this.prefix}h:${sessionHandle}`;
  }

  /** The user's index; universal ids compare case-insensitively. */
  user(universalId: string): string {
    return `${this.prefix}u:${universalId.toLowerCase()}`;
  }

  /** The realm's index; realms compare case-insensitively. */
  realm(realm: string): string {
    return `${this.prefix}r:${realm.toLowerCase()}`;
  }

  journey(id: string): string {
    return `${this.prefix}j:${id}`;
  }
}
