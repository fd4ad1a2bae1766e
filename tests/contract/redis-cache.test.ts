import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, expect, it } from 'vitest';
import { openRedis, type RedisStores } from '../../src/stores/redis/index.js';
import { removeRedisKeys } from '../services.js';
import { describeWithRedis, REDIS_URL } from './redis-support.js';
import { expectOtherNodesWritesSeen, storedSession } from './session-store.contract.js';

await describeWithRedis('Redis session cache (client-side caching)', () => {
  const admin = new Redis(REDIS_URL);
  const opened: { prefix: string; stores: RedisStores }[] = [];
  const prefix = () => `anvil-test:${randomBytes(8).toString('hex')}:`;
  const node = async (keyPrefix: string, sessionCacheEntries?: number): Promise<RedisStores> => {
    const stores = await openRedis({ url: REDIS_URL, keyPrefix, sessionCacheEntries });
    opened.push({ prefix: keyPrefix, stores });
    return stores;
  };
  /** Two nodes on one server: `a` caches, `b` writes. */
  const pair = async () => {
    const p = prefix();
    const a = await node(p);
    const b = await node(p);
    return { a, b, key: (id: string) => `${p}{anvil}:s:${id}` };
  };

  afterEach(async () => {
    for (const { prefix: p, stores } of opened.splice(0)) {
      await stores.close();
      await removeRedisKeys(p);
    }
  });
  afterAll(async () => {
    await admin.quit();
  });

  it('keeps a session it has read, and serves it again unchanged', async () => {
    const { a, b } = await pair();
    const session = storedSession();
    await b.sessions.insert(session);
    expect(a.sessionCache?.size).toBe(0);
    expect(await a.sessions.get(session.id)).toEqual(session);
    expect(a.sessionCache?.size).toBe(1);
    const again = await a.sessions.get(session.id);
    expect(again).toEqual(session);
    expect(Object.isFrozen(again)).toBe(true);
    expect(a.description).toContain('session cache 100000 entries');
  });

  it("sees every other node's change at once: touch, properties, logout, a user's logout", async () => {
    const { a, b } = await pair();
    await expectOtherNodesWritesSeen(a.sessions, b.sessions);
  });

  it('sees a change made by any Redis client, and a key that went away', async () => {
    const { a, b, key } = await pair();
    const session = storedSession();
    await b.sessions.insert(session);
    await a.sessions.get(session.id);
    await admin.hset(key(session.id), 'latestAccessTime', String(session.latestAccessTime + 1));
    expect((await a.sessions.get(session.id))?.latestAccessTime).toBe(session.latestAccessTime + 1);
    await admin.del(key(session.id));
    expect(await a.sessions.get(session.id)).toBeUndefined();
  });

  it("sees its own node's writes at once", async () => {
    const { a } = await pair();
    const session = storedSession();
    await a.sessions.insert(session);
    await a.sessions.get(session.id);
    await a.sessions.touch(session.id, session.latestAccessTime + 5, session.expiresAt);
    expect((await a.sessions.get(session.id))?.latestAccessTime).toBe(session.latestAccessTime + 5);
    await a.sessions.delete(session.id);
    expect(await a.sessions.get(session.id)).toBeUndefined();
  });

  it('stays right while many reads and writes of one session interleave over two nodes', async () => {
    const { a, b } = await pair();
    const session = storedSession();
    await b.sessions.insert(session);
    for (let step = 1; step <= 40; step += 1) {
      const reads = Array.from({ length: 5 }, () => a.sessions.get(session.id));
      await b.sessions.touch(session.id, session.latestAccessTime + step, session.expiresAt);
      await Promise.all(reads);
      // The write was acknowledged before this read was asked: it must show.
      expect((await a.sessions.get(session.id))?.latestAccessTime).toBe(session.latestAccessTime + step);
    }
  });

  it('drops the cache when its tracker connection is killed, and stays right until it is back', async () => {
    const pubsubClients = async () =>
      String(await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub'))
        .split('\n')
        .map((line) => /\bid=(\d+)/.exec(line)?.[1])
        .filter((id): id is string => id !== undefined);
    const before = new Set(await pubsubClients());
    const { a, b } = await pair();
    const trackers = (await pubsubClients()).filter((id) => !before.has(id));
    expect(trackers.length).toBeGreaterThanOrEqual(2);
    const session = storedSession();
    await b.sessions.insert(session);
    await a.sessions.get(session.id);
    expect(a.sessionCache?.size).toBe(1);
    for (const id of trackers) await admin.client('KILL', 'ID', id);
    await b.sessions.touch(session.id, session.latestAccessTime + 7, session.expiresAt);
    expect((await a.sessions.get(session.id))?.latestAccessTime).toBe(session.latestAccessTime + 7);
    // ioredis reconnects the tracker; caching then resumes.
    const deadline = Date.now() + 5_000;
    while (a.sessionCache?.size === 0 && Date.now() < deadline) {
      await a.sessions.get(session.id);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(a.sessionCache?.size).toBe(1);
    await b.sessions.delete(session.id);
    expect(await a.sessions.get(session.id)).toBeUndefined();
  });

  it('keeps nothing with sessionCacheEntries 0', async () => {
    const p = prefix();
    const a = await node(p, 0);
    const session = storedSession();
    await a.sessions.insert(session);
    expect(await a.sessions.get(session.id)).toEqual(session);
    expect(a.sessionCache).toBeUndefined();
    expect(a.description).toContain('no session cache');
  });
});
