import type { StoredSession } from '../../domain/sessions/session.js';
import type { Quota, QuotaInsert, SessionStore } from '../../domain/sessions/store.js';
import { GC_GRACE_MS, type RedisKeys } from './keys.js';
import type { ScriptRunner } from './scripts.js';
import type { TrackingCache } from './tracking-cache.js';

/** Reads fields of one hash (HMGET): `null` for a missing field or hash. The plain read needs no script. */
export type HashReader = (key: string, fields: readonly string[]) => Promise<(string | null)[]>;

/**
 * Sessions in Redis (layout: keys.ts). Every change touching more than one key runs as one Lua
 * script, so it is atomic for every Anvil node sharing the server; `get` is a plain HMGET, or a
 * hit of the tracking cache when there is one (tracking-cache.ts says why a hit is never stale).
 */
export class RedisSessionStore implements SessionStore {
  readonly #run: ScriptRunner;
  readonly #read: HashReader;
  readonly #keys: RedisKeys;
  readonly #cache: TrackingCache | undefined;

  constructor(run: ScriptRunner, read: HashReader, keys: RedisKeys, cache?: TrackingCache) {
    this.#run = run;
    this.#read = read;
    this.#keys = keys;
    this.#cache = cache;
  }

  async insert(session: StoredSession): Promise<void> {
    await this.#run('anvilInsert', this.#sessionKeys(session), sessionArgs(session));
  }

  async get(id: string): Promise<StoredSession | undefined> {
    const cache = this.#cache;
    if (cache === undefined) return this.#fetch(id);
    const cached = await cache.fresh(id);
    if (cached) return cached;
    const epoch = cache.beginRead(id);
    let session: StoredSession | undefined;
    try {
      session = await this.#fetch(id);
      return session;
    } finally {
      if (epoch !== undefined) cache.endRead(id, epoch, session);
    }
  }

  async #fetch(id: string): Promise<StoredSession | undefined> {
    // HMGET of the fields needed rather than HGETALL: ioredis turns HGETALL's answer into an
    // object field by field, a fifth of the client's cost of the read.
    const values = await this.#read(this.#keys.session(id), SESSION_FIELDS);
    return fromFields((field) => values[FIELD_INDEX[field]] ?? undefined);
  }

  async touch(id: string, latestAccessTime: number, expiresAt: number): Promise<boolean> {
    const keys = [this.#keys.session(id), this.#keys.expiry];
    return this.#changing(id, async () => {
      const args = [id, latestAccessTime, expiresAt, expiresAt + GC_GRACE_MS];
      return (await this.#run('anvilTouch', keys, args)) === 1;
    });
  }

  async delete(id: string): Promise<boolean> {
    return this.#changing(
      id,
      async () => (await this.#run('anvilDelete', [this.#keys.session(id), this.#keys.expiry], [id])) === 1,
    );
  }

  /** A write of one session by this node: its cache entry goes before and after (see TrackingCache). */
  async #changing<T>(id: string, write: () => Promise<T>): Promise<T> {
    this.#cache?.forget(id);
    try {
      return await write();
    } finally {
      this.#cache?.forget(id);
    }
  }

  async deleteExpired(now: number, limit: number): Promise<number> {
    if (limit <= 0) return 0;
    return Number(await this.#run('anvilDeleteExpired', [this.#keys.expiry], [now, limit]));
  }

  async insertWithQuota(session: StoredSession, quota: Quota, now: number): Promise<QuotaInsert> {
    const evicted = await this.#run('anvilInsertWithQuota', this.#sessionKeys(session), [
      now,
      quota.limit,
      quota.action,
      ...sessionArgs(session),
    ]);
    if (evicted === null) return { inserted: false };
    for (const gone of evicted as string[]) this.#cache?.forget(gone);
    return { inserted: true, evicted: evicted as string[] };
  }

  async getByHandle(sessionHandle: string): Promise<StoredSession | undefined> {
    const flat = (await this.#run('anvilGetByHandle', [this.#keys.handle(sessionHandle)], [])) as string[];
    const session = fromHash(pairs(flat));
    return session?.sessionHandle === sessionHandle ? session : undefined;
  }

  async listByUniversalId(universalId: string): Promise<StoredSession[]> {
    const rows = (await this.#run('anvilListByUser', [this.#keys.user(universalId)], [])) as string[][];
    return fromRows(rows);
  }

  async listByRealm(realm: string, now: number, limit: number): Promise<StoredSession[]> {
    if (limit <= 0) return [];
    const rows = (await this.#run('anvilListByRealm', [this.#keys.realm(realm)], [now, limit])) as string[][];
    return fromRows(rows);
  }

  async deleteByUniversalId(universalId: string): Promise<number> {
    return Number(await this.#run('anvilDeleteByUser', [this.#keys.user(universalId)], []));
  }

  async mergeProperties(
    id: string,
    changes: Readonly<Record<string, string>>,
  ): Promise<Readonly<Record<string, string>> | undefined> {
    const merged = await this.#changing(id, () =>
      this.#run('anvilMergeProperties', [this.#keys.session(id)], [JSON.stringify(changes)]),
    );
    return typeof merged === 'string' ? (JSON.parse(merged) as Record<string, string>) : undefined;
  }

  /** KEYS of the insert scripts: session, handle, user index, realm index, expiry set. */
  #sessionKeys(s: StoredSession): string[] {
    const k = this.#keys;
    return [k.session(s.id), k.handle(s.sessionHandle), k.user(s.universalId), k.realm(s.realm), k.expiry];
  }
}

/** ARGV of `put` (scripts.ts): id, creationTime, expiresAt, gcAt, then the hash's fields. */
function sessionArgs(s: StoredSession): string[] {
  return [
    s.id,
    String(s.creationTime),
    String(s.expiresAt),
    String(s.expiresAt + GC_GRACE_MS),
    ...Object.entries(toHash(s)).flat(),
  ];
}

function toHash(s: StoredSession): Record<string, string> {
  return {
    id: s.id,
    secretHash: s.secretHash.toString('base64'),
    sessionHandle: s.sessionHandle,
    universalId: s.universalId,
    username: s.username,
    realm: s.realm,
    creationTime: String(s.creationTime),
    latestAccessTime: String(s.latestAccessTime),
    maxIdleMinutes: String(s.maxIdleMinutes),
    maxSessionMinutes: String(s.maxSessionMinutes),
    expiresAt: String(s.expiresAt),
    properties: JSON.stringify(s.properties),
    uidLower: s.universalId.toLowerCase(),
    realmLower: s.realm.toLowerCase(),
  };
}

/** The hash fields a session is read back from, in the order HMGET asks for them. */
const SESSION_FIELDS = [
  'id',
  'secretHash',
  'sessionHandle',
  'universalId',
  'username',
  'realm',
  'creationTime',
  'latestAccessTime',
  'maxIdleMinutes',
  'maxSessionMinutes',
  'expiresAt',
  'properties',
] as const;

type SessionField = (typeof SESSION_FIELDS)[number];

const FIELD_INDEX = Object.fromEntries(SESSION_FIELDS.map((field, i) => [field, i])) as Record<
  SessionField,
  number
>;

function fromHash(h: Record<string, string>): StoredSession | undefined {
  return fromFields((field) => h[field]);
}

/** A session from its hash's fields; `undefined` when there is no hash (no `id`). */
function fromFields(field: (name: SessionField) => string | undefined): StoredSession | undefined {
  const id = field('id');
  if (id === undefined) return undefined;
  const text = (name: SessionField): string => {
    const value = field(name);
    if (value === undefined) throw new Error(`Redis session ${id} lacks the field ${name}`);
    return value;
  };
  const number = (name: SessionField): number => Number(text(name));
  return {
    id,
    secretHash: Buffer.from(text('secretHash'), 'base64'),
    sessionHandle: text('sessionHandle'),
    universalId: text('universalId'),
    username: text('username'),
    realm: text('realm'),
    creationTime: number('creationTime'),
    latestAccessTime: number('latestAccessTime'),
    maxIdleMinutes: number('maxIdleMinutes'),
    maxSessionMinutes: number('maxSessionMinutes'),
    expiresAt: number('expiresAt'),
    properties: JSON.parse(text('properties')) as Record<string, string>,
  };
}

/** HGETALL as a script returns it (field, value, field, value, …) → a record. */
function pairs(flat: readonly string[]): Record<string, string> {
  const h: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) h[flat[i] as string] = flat[i + 1] as string;
  return h;
}

function fromRows(rows: readonly string[][]): StoredSession[] {
  return rows.map((flat) => fromHash(pairs(flat))).filter((s) => s !== undefined);
}
