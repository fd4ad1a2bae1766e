import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, expect, it } from 'vitest';
import { openPostgres, type PostgresStores } from '../../src/stores/postgres/index.js';
import type { PostgresSessionStore } from '../../src/stores/postgres/session-store.js';
import { DATABASE_URL, describeWithPostgres } from './postgres-support.js';
import { expectOtherNodesWritesSeen, storedSession } from './session-store.contract.js';

await describeWithPostgres('PostgreSQL session cache (row versions)', () => {
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  const opened: { schema: string; stores: PostgresStores }[] = [];
  const node = async (schema: string, sessionCacheEntries?: number) => {
    const stores = await openPostgres({ url: DATABASE_URL, schema, sessionCacheEntries });
    opened.push({ schema, stores });
    return { sessions: stores.sessions as PostgresSessionStore };
  };
  /** Two nodes on one schema: `a` caches, `b` writes; `table` for writes by any other client. */
  const pair = async () => {
    const schema = `anvil_test_${randomBytes(8).toString('hex')}`;
    const a = await node(schema);
    const b = await node(schema);
    return { a, b, table: `${pg.escapeIdentifier(schema)}.sessions` };
  };

  afterEach(async () => {
    for (const { schema, stores } of opened.splice(0)) {
      await stores.close();
      await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
    }
  });
  afterAll(async () => {
    await admin.end();
  });

  it('keeps a session it has read, and serves it again unchanged', async () => {
    const { a, b } = await pair();
    const session = storedSession();
    await b.sessions.insert(session);
    expect(await a.sessions.get(session.id)).toEqual(session);
    expect(a.sessions.cachedSessions).toBe(1);
    const again = await a.sessions.get(session.id);
    expect(again).toEqual(session);
    expect(Object.isFrozen(again)).toBe(true);
  });

  it("sees every other node's change at once: touch, properties, logout, a user's logout", async () => {
    const { a, b } = await pair();
    await expectOtherNodesWritesSeen(a.sessions, b.sessions, () => {
      expect(a.sessions.cachedSessions).toBe(0);
    });
  });

  it('keeps the row its own touch wrote, with whatever another node changed before it', async () => {
    const { a, b, table } = await pair();
    const session = storedSession();
    await b.sessions.insert(session);
    await a.sessions.get(session.id);
    await b.sessions.mergeProperties(session.id, { seen: 'by b' });
    const at = session.latestAccessTime + 60_001;
    expect(await a.sessions.touch(session.id, at, at + 30 * 60_000)).toBe(true);
    expect(a.sessions.cachedSessions, 'the entry stays, not read again').toBe(1);
    const cached = await a.sessions.get(session.id);
    expect(cached).toEqual({
      ...session,
      latestAccessTime: at,
      expiresAt: at + 30 * 60_000,
      properties: { ...session.properties, seen: 'by b' },
    });
    // Still checked against the row: a later change anywhere is seen.
    await admin.query(`UPDATE ${table} SET latest_access_time = latest_access_time + 1 WHERE id = $1`, [
      session.id,
    ]);
    expect((await a.sessions.get(session.id))?.latestAccessTime).toBe(at + 1);
    // A touch that moves nothing (the row is already later) drops the entry.
    expect(await a.sessions.touch(session.id, at, at + 30 * 60_000)).toBe(true);
    expect(a.sessions.cachedSessions).toBe(0);
  });

  it('sees a change made by any client of the database, and a row that went away', async () => {
    const { a, b, table } = await pair();
    const session = storedSession();
    await b.sessions.insert(session);
    await a.sessions.get(session.id);
    await admin.query(`UPDATE ${table} SET latest_access_time = latest_access_time + 1 WHERE id = $1`, [
      session.id,
    ]);
    expect((await a.sessions.get(session.id))?.latestAccessTime).toBe(session.latestAccessTime + 1);
    await admin.query(`DELETE FROM ${table} WHERE id = $1`, [session.id]);
    expect(await a.sessions.get(session.id)).toBeUndefined();
  });

  it('answers many concurrent reads of cached and changed sessions right, in one check per turn', async () => {
    const { a, b } = await pair();
    const sessions = Array.from({ length: 20 }, () => storedSession());
    for (const s of sessions) await b.sessions.insert(s);
    await Promise.all(sessions.map((s) => a.sessions.get(s.id)));
    expect(a.sessions.cachedSessions).toBe(20);
    const [moved, gone] = [sessions.slice(0, 5), sessions.slice(5, 10)];
    for (const s of moved) await b.sessions.touch(s.id, s.latestAccessTime + 9, s.expiresAt);
    for (const s of gone) await b.sessions.delete(s.id);
    const read = await Promise.all(sessions.map((s) => a.sessions.get(s.id)));
    sessions.forEach((s, i) => {
      if (gone.includes(s)) expect(read[i]).toBeUndefined();
      else if (moved.includes(s)) expect(read[i]?.latestAccessTime).toBe(s.latestAccessTime + 9);
      else expect(read[i]).toEqual(s);
    });
  });

  it('keeps nothing with sessionCacheEntries 0', async () => {
    const a = await node(`anvil_test_${randomBytes(8).toString('hex')}`, 0);
    const session = storedSession();
    await a.sessions.insert(session);
    expect(await a.sessions.get(session.id)).toEqual(session);
    expect(a.sessions.cachedSessions).toBe(0);
  });
});
