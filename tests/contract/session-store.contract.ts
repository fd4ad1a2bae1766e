import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredSession } from '../../src/domain/sessions/session.js';
import type { SessionStore } from '../../src/domain/sessions/store.js';

export interface SessionStoreHandle {
  store: SessionStore;
  close(): Promise<void>;
}

/** A fixed instant: stores never read the clock, so every time here is a plain number. */
const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);
const MINUTE = 60_000;

/** A stored session with random id/handle/secret; `overrides` win. */
export function storedSession(overrides: Partial<StoredSession> = {}): StoredSession {
  const id = randomBytes(12).toString('base64url');
  return {
    id,
    sessionHandle: `shandle:${randomBytes(24).toString('base64url')}`,
    universalId: 'id=demo,ou=user,o=alpha,ou=services,ou=am-config',
    username: 'demo',
    realm: '/alpha',
    creationTime: T0,
    latestAccessTime: T0,
    maxIdleMinutes: 30,
    maxSessionMinutes: 120,
    properties: { AMCtxId: `ctx-${id}`, Organization: 'o=alpha,ou=services,ou=am-config', 'x.é': 'ünï' },
    secretHash: createHash('sha256').update(randomBytes(24)).digest(),
    expiresAt: T0 + 30 * MINUTE,
    ...overrides,
  };
}

/**
 * The shared contract of `SessionStore` (src/domain/sessions/store.ts). Only the interface is
 * used, so that the same suite runs against every implementation (memory, SQLite, Redis, …).
 */
export function describeSessionStore(name: string, makeStore: () => Promise<SessionStoreHandle>): void {
  describe(`SessionStore contract: ${name}`, () => {
    let handle: SessionStoreHandle;
    let store: SessionStore;

    beforeEach(async () => {
      handle = await makeStore();
      store = handle.store;
    });
    afterEach(async () => {
      await handle.close();
    });

    describe('insert / get', () => {
      it('returns every field of an inserted session, secret hash and properties included', async () => {
        const session = storedSession();
        await store.insert(session);
        const got = await store.get(session.id);
        expect(got).toBeDefined();
        expect(got).toEqual(session);
        expect(Buffer.isBuffer(got?.secretHash)).toBe(true);
        expect(got?.secretHash.equals(session.secretHash)).toBe(true);
      });

      it('returns undefined for an id it has never seen', async () => {
        await store.insert(storedSession());
        expect(await store.get(randomBytes(12).toString('base64url'))).toBeUndefined();
      });

      it('keeps several sessions apart, also of the same user', async () => {
        const a = storedSession({ properties: { which: 'a' } });
        const b = storedSession({ properties: { which: 'b' }, latestAccessTime: T0 + 5 });
        await store.insert(a);
        await store.insert(b);
        expect(await store.get(a.id)).toEqual(a);
        expect(await store.get(b.id)).toEqual(b);
      });

      it('returns expired sessions too: validity is the domain decision', async () => {
        const expired = storedSession({
          creationTime: T0 - 200 * MINUTE,
          latestAccessTime: T0 - 150 * MINUTE,
          expiresAt: T0 - 120 * MINUTE,
        });
        await store.insert(expired);
        expect(await store.get(expired.id)).toEqual(expired);
      });

      it('keeps a session with empty properties', async () => {
        const session = storedSession({ properties: {} });
        await store.insert(session);
        expect((await store.get(session.id))?.properties).toEqual({});
      });
    });

    describe('touch', () => {
      it('moves latestAccessTime and expiresAt forward and returns true', async () => {
        const session = storedSession();
        await store.insert(session);
        const later = T0 + 5 * MINUTE;
        expect(await store.touch(session.id, later, later + 30 * MINUTE)).toBe(true);
        const got = await store.get(session.id);
        expect(got?.latestAccessTime).toBe(later);
        expect(got?.expiresAt).toBe(later + 30 * MINUTE);
        // Nothing else changes.
        expect(got).toEqual({ ...session, latestAccessTime: later, expiresAt: later + 30 * MINUTE });
      });

      it('only moves forward: an equal latestAccessTime changes nothing and still returns true', async () => {
        const session = storedSession({ latestAccessTime: T0 + MINUTE, expiresAt: T0 + 31 * MINUTE });
        await store.insert(session);
        expect(await store.touch(session.id, T0 + MINUTE, T0 + 99 * MINUTE)).toBe(true);
        expect(await store.get(session.id)).toEqual(session);
      });

      it('only moves forward: an earlier latestAccessTime changes nothing and still returns true', async () => {
        const session = storedSession({ latestAccessTime: T0 + 10 * MINUTE, expiresAt: T0 + 40 * MINUTE });
        await store.insert(session);
        expect(await store.touch(session.id, T0 + 9 * MINUTE, T0 + 39 * MINUTE)).toBe(true);
        expect(await store.get(session.id)).toEqual(session);
      });

      it('keeps the later of two out-of-order touches', async () => {
        const session = storedSession();
        await store.insert(session);
        expect(await store.touch(session.id, T0 + 3 * MINUTE, T0 + 33 * MINUTE)).toBe(true);
        expect(await store.touch(session.id, T0 + 2 * MINUTE, T0 + 32 * MINUTE)).toBe(true);
        const got = await store.get(session.id);
        expect(got?.latestAccessTime).toBe(T0 + 3 * MINUTE);
        expect(got?.expiresAt).toBe(T0 + 33 * MINUTE);
      });

      it('returns false for an unknown session and does not create it', async () => {
        const id = randomBytes(12).toString('base64url');
        expect(await store.touch(id, T0 + MINUTE, T0 + 31 * MINUTE)).toBe(false);
        expect(await store.get(id)).toBeUndefined();
      });

      it('returns false once the session was deleted, and does not bring it back', async () => {
        const session = storedSession();
        await store.insert(session);
        await store.delete(session.id);
        expect(await store.touch(session.id, T0 + MINUTE, T0 + 31 * MINUTE)).toBe(false);
        expect(await store.get(session.id)).toBeUndefined();
      });

      it('changes only the touched session', async () => {
        const a = storedSession();
        const b = storedSession();
        await store.insert(a);
        await store.insert(b);
        await store.touch(a.id, T0 + MINUTE, T0 + 31 * MINUTE);
        expect(await store.get(b.id)).toEqual(b);
      });
    });

    describe('delete', () => {
      it('removes a session and returns true when it was there', async () => {
        const session = storedSession();
        await store.insert(session);
        expect(await store.delete(session.id)).toBe(true);
        expect(await store.get(session.id)).toBeUndefined();
      });

      it('returns false the second time, and for an unknown id', async () => {
        const session = storedSession();
        await store.insert(session);
        expect(await store.delete(session.id)).toBe(true);
        expect(await store.delete(session.id)).toBe(false);
        expect(await store.delete(randomBytes(12).toString('base64url'))).toBe(false);
      });

      it('removes only that session', async () => {
        const a = storedSession();
        const b = storedSession();
        await store.insert(a);
        await store.insert(b);
        await store.delete(a.id);
        expect(await store.get(b.id)).toEqual(b);
      });
    });

    describe('deleteExpired', () => {
      const at = (minutes: number) => storedSession({ expiresAt: T0 + minutes * MINUTE });

      it('removes only sessions whose expiresAt is at or before now, and returns the count', async () => {
        const sessions = [at(1), at(2), at(3), at(4), at(5)];
        for (const s of sessions) await store.insert(s);
        // now = expiresAt of the third: the boundary is included.
        expect(await store.deleteExpired(T0 + 3 * MINUTE, 100)).toBe(3);
        for (const s of sessions.slice(0, 3)) expect(await store.get(s.id)).toBeUndefined();
        for (const s of sessions.slice(3)) expect(await store.get(s.id)).toEqual(s);
      });

      it('keeps a session that expires 1 ms after now', async () => {
        const session = at(10);
        await store.insert(session);
        expect(await store.deleteExpired(session.expiresAt - 1, 100)).toBe(0);
        expect(await store.get(session.id)).toEqual(session);
        expect(await store.deleteExpired(session.expiresAt, 100)).toBe(1);
        expect(await store.get(session.id)).toBeUndefined();
      });

      it('removes at most `limit` per call, so a sweeper can loop until fewer than `limit` go', async () => {
        const expired = [at(1), at(2), at(3), at(4), at(5)];
        const live = [at(60), at(61)];
        for (const s of [...expired, ...live]) await store.insert(s);
        const now = T0 + 30 * MINUTE;
        expect(await store.deleteExpired(now, 2)).toBe(2);
        expect(await store.deleteExpired(now, 2)).toBe(2);
        expect(await store.deleteExpired(now, 2)).toBe(1);
        expect(await store.deleteExpired(now, 2)).toBe(0);
        for (const s of expired) expect(await store.get(s.id)).toBeUndefined();
        for (const s of live) expect(await store.get(s.id)).toEqual(s);
      });

      it('removes exactly `limit` when more are expired, leaving the others', async () => {
        const expired = [at(1), at(2), at(3)];
        for (const s of expired) await store.insert(s);
        expect(await store.deleteExpired(T0 + 10 * MINUTE, 2)).toBe(2);
        const left = (await Promise.all(expired.map((s) => store.get(s.id)))).filter((s) => s !== undefined);
        expect(left).toHaveLength(1);
      });

      it('removes nothing with limit 0', async () => {
        const session = at(1);
        await store.insert(session);
        expect(await store.deleteExpired(T0 + 10 * MINUTE, 0)).toBe(0);
        expect(await store.get(session.id)).toEqual(session);
      });

      it('returns 0 on an empty store', async () => {
        expect(await store.deleteExpired(T0 + 10_000 * MINUTE, 10)).toBe(0);
      });

      it('uses the expiresAt recorded by touch', async () => {
        const session = at(30);
        await store.insert(session);
        expect(await store.touch(session.id, T0 + 20 * MINUTE, T0 + 50 * MINUTE)).toBe(true);
        expect(await store.deleteExpired(T0 + 40 * MINUTE, 10)).toBe(0);
        expect(await store.get(session.id)).toBeDefined();
        expect(await store.deleteExpired(T0 + 50 * MINUTE, 10)).toBe(1);
        expect(await store.get(session.id)).toBeUndefined();
      });

      it('makes touch and delete of a swept session answer false', async () => {
        const session = at(1);
        await store.insert(session);
        expect(await store.deleteExpired(T0 + 2 * MINUTE, 10)).toBe(1);
        expect(await store.touch(session.id, T0 + 3 * MINUTE, T0 + 33 * MINUTE)).toBe(false);
        expect(await store.delete(session.id)).toBe(false);
      });
    });
  });
}
