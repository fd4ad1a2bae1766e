import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QuotaAction } from '../../src/domain/sessions/store.js';
import { GC_GRACE_MS, openRedis, type RedisStores } from '../../src/stores/redis/index.js';
import { describeWithRedis, REDIS_URL } from './redis-support.js';
import { describeSessionStore, storedSession } from './session-store.contract.js';
import { describeUsedJourneyStore } from './used-journey-store.contract.js';

const URL = REDIS_URL;

await describeWithRedis('Redis stores', describeRedis);

function describeRedis(): void {
  const admin = new Redis(URL);
  const opened: { prefix: string; stores: RedisStores }[] = [];

  /** Every key under the prefix, found with SCAN (never KEYS). */
  const keysUnder = async (prefix: string): Promise<string[]> => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      found.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return found;
  };
  const removeUnder = async (prefix: string): Promise<void> => {
    const keys = await keysUnder(prefix);
    for (let i = 0; i < keys.length; i += 500) await admin.del(...keys.slice(i, i + 500));
  };
  const freshPrefix = () => `anvil-test:${randomBytes(8).toString('hex')}:`;
  const connect = async (prefix: string): Promise<RedisStores> => {
    const stores = await openRedis({ url: URL, keyPrefix: prefix });
    opened.push({ prefix, stores });
    return stores;
  };
  const closeAll = async (): Promise<void> => {
    for (const { prefix, stores } of opened.splice(0)) {
      await stores.close();
      await removeUnder(prefix);
    }
  };

  afterAll(async () => {
    await closeAll();
    await admin.quit();
  });

  function opener<K extends 'sessions' | 'usedJourneys'>(key: K) {
    return async () => {
      const prefix = freshPrefix();
      const stores = await connect(prefix);
      return {
        store: stores[key],
        close: async () => {
          await stores.close();
          await removeUnder(prefix);
        },
      };
    };
  }

  describeSessionStore('redis', opener('sessions'));
  describeUsedJourneyStore('redis', opener('usedJourneys'));

  const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);
  const MINUTE = 60_000;
  const DEMO = 'id=demo,ou=user,o=alpha,ou=services,ou=am-config';

  describe('Redis: two nodes sharing one server', () => {
    let prefix: string;
    beforeEach(() => {
      prefix = freshPrefix();
    });
    afterEach(closeAll);

    const LIMIT = 5;
    const ACTIONS: readonly QuotaAction[] = [
      'DENY_ACCESS',
      'DESTROY_NEXT_EXPIRING',
      'DESTROY_OLDEST_SESSION',
      'DESTROY_ALL',
    ];
    for (const action of ACTIONS) {
      it(`${action}: 50 concurrent logins of one user over two connections leave exactly ${LIMIT} live`, async () => {
        const a = await connect(prefix);
        const b = await connect(prefix);
        const sessions = Array.from({ length: 50 }, (_, i) =>
          storedSession({
            universalId: i % 2 ? DEMO : DEMO.toUpperCase(),
            creationTime: T0 - 50 + i,
            expiresAt: T0 + 30 * MINUTE + ((i * 7) % 50),
          }),
        );
        const results = await Promise.all(
          sessions.map((s, i) => (i % 2 ? a : b).sessions.insertWithQuota(s, { limit: LIMIT, action }, T0)),
        );
        const inserted = results.filter((r) => r.inserted).length;
        expect(inserted).toBe(action === 'DENY_ACCESS' ? LIMIT : 50);
        const liveOf = async (stores: RedisStores) =>
          (await stores.sessions.listByUniversalId(DEMO)).filter((s) => s.expiresAt > T0).map((s) => s.id);
        expect(await liveOf(a)).toHaveLength(LIMIT);
        expect((await liveOf(b)).sort()).toEqual((await liveOf(a)).sort());
        if (action !== 'DENY_ACCESS') {
          const evicted = results.flatMap((r) => (r.inserted ? r.evicted : []));
          expect([...evicted, ...(await liveOf(a))].sort()).toEqual(sessions.map((s) => s.id).sort());
        }
      });
    }

    it('a logout on one node is seen by the other at once', async () => {
      const a = await connect(prefix);
      const b = await connect(prefix);
      const session = storedSession();
      await a.sessions.insert(session);
      expect(await b.sessions.get(session.id)).toEqual(session);
      expect(await a.sessions.delete(session.id)).toBe(true);
      expect(await b.sessions.get(session.id)).toBeUndefined();
      expect(await b.sessions.getByHandle(session.sessionHandle)).toBeUndefined();
      expect(await b.sessions.listByUniversalId(session.universalId)).toEqual([]);
      expect(await b.sessions.touch(session.id, T0 + MINUTE, T0 + 31 * MINUTE)).toBe(false);
    });
  });

  describe('Redis: keys and TTLs', () => {
    let prefix: string;
    let stores: RedisStores;
    beforeEach(async () => {
      prefix = freshPrefix();
      stores = await connect(prefix);
    });
    afterEach(closeAll);

    it('keeps every key under the prefix and one hash tag', async () => {
      await stores.sessions.insert(storedSession());
      await stores.usedJourneys.spend('otk', T0);
      const keys = await keysUnder(prefix);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) expect(key.startsWith(`${prefix}{anvil}:`)).toBe(true);
      expect(stores.description).toContain(`${prefix}{anvil}:`);
    });

    it('leaves no key behind once every session went, whichever way', async () => {
      const s = (overrides = {}) => storedSession({ universalId: DEMO, ...overrides });
      const [deleted, swept, byUser, evicted] = [s(), s({ expiresAt: T0 }), s(), s({ creationTime: T0 - 1 })];
      for (const session of [deleted, swept, evicted]) await stores.sessions.insert(session);
      await stores.sessions.delete(deleted.id);
      expect(await stores.sessions.deleteExpired(T0, 10)).toBe(1);
      await stores.sessions.insertWithQuota(byUser, { limit: 1, action: 'DESTROY_OLDEST_SESSION' }, T0 - 1);
      await stores.sessions.mergeProperties(byUser.id, { a: '1' });
      expect(await stores.sessions.deleteByUniversalId(DEMO.toUpperCase())).toBe(1);
      expect(await keysUnder(prefix)).toEqual([]);
    });

    it('sets a GC deadline a grace period after expiresAt, moved on by touch; none when already due', async () => {
      const far = 4_102_444_800_000; // 2100-01-01
      const live = storedSession({ expiresAt: far });
      const old = storedSession({ expiresAt: T0 - 120 * MINUTE });
      await stores.sessions.insert(live);
      await stores.sessions.insert(old);
      expect(await admin.pexpiretime(`${prefix}{anvil}:s:${live.id}`)).toBe(far + GC_GRACE_MS);
      expect(await admin.pexpiretime(`${prefix}{anvil}:h:${live.sessionHandle}`)).toBe(far + GC_GRACE_MS);
      expect(await admin.pexpiretime(`${prefix}{anvil}:s:${old.id}`)).toBe(-1);
      await stores.sessions.touch(live.id, live.latestAccessTime + MINUTE, far + MINUTE);
      expect(await admin.pexpiretime(`${prefix}{anvil}:s:${live.id}`)).toBe(far + MINUTE + GC_GRACE_MS);
      expect(await stores.usedJourneys.spend('otk', far)).toBe(true);
      expect(await admin.pexpiretime(`${prefix}{anvil}:j:otk`)).toBe(far + GC_GRACE_MS);
    });

    it('skips and drops index entries of a session whose hash a TTL removed', async () => {
      const gone = storedSession({ universalId: DEMO, creationTime: T0 - 1, expiresAt: T0 + MINUTE });
      const kept = storedSession({ universalId: DEMO, expiresAt: T0 + MINUTE });
      await stores.sessions.insert(gone);
      await stores.sessions.insert(kept);
      await admin.del(`${prefix}{anvil}:s:${gone.id}`, `${prefix}{anvil}:h:${gone.sessionHandle}`);
      expect(await stores.sessions.listByUniversalId(DEMO)).toEqual([kept]);
      expect(await stores.sessions.listByRealm('/alpha', T0, 10)).toEqual([kept]);
      expect(await admin.zcard(`${prefix}{anvil}:u:${DEMO}`)).toBe(1);
      expect(await admin.zcard(`${prefix}{anvil}:r:/alpha`)).toBe(1);
      expect(await stores.sessions.deleteExpired(T0 + 2 * MINUTE, 10)).toBe(2);
      expect(await keysUnder(prefix)).toEqual([]);
    });

    it('refuses a duplicate session id', async () => {
      const session = storedSession();
      await stores.sessions.insert(session);
      await expect(stores.sessions.insert({ ...session, sessionHandle: 'shandle:other' })).rejects.toThrow(
        /duplicate session id/,
      );
      expect(await stores.sessions.get(session.id)).toEqual(session);
    });

    it('reads a damaged hash as an error naming the field, a hash without id as no session', async () => {
      const session = storedSession();
      await stores.sessions.insert(session);
      const key = `${prefix}{anvil}:s:${session.id}`;
      await admin.hdel(key, 'latestAccessTime');
      await expect(stores.sessions.get(session.id)).rejects.toThrow(
        `Redis session ${session.id} lacks the field latestAccessTime`,
      );
      await admin.hdel(key, 'id');
      expect(await stores.sessions.get(session.id)).toBeUndefined();
    });
  });

  describe('openRedis options', () => {
    it('rejects contradicting or incomplete connection options and bad prefixes', async () => {
      await expect(openRedis({ url: URL, cluster: [{ host: '127.0.0.1', port: 1 }] })).rejects.toThrow(
        /one of/,
      );
      await expect(openRedis({ sentinels: [{ host: '127.0.0.1', port: 1 }] })).rejects.toThrow(
        /sentinelName/,
      );
      await expect(openRedis({ url: 'http://127.0.0.1:6379' })).rejects.toThrow(/redis:\/\//);
      await expect(openRedis({ url: URL, keyPrefix: 'a{}:' })).rejects.toThrow(/hash tag/);
    });

    it('names an unreachable server in the error', async () => {
      await expect(openRedis({ url: 'redis://127.0.0.1:1' })).rejects.toThrow(
        /Redis not reachable at redis:\/\/127\.0\.0\.1:1/,
      );
    });
  });
}
