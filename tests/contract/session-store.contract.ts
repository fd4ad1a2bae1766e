import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredSession } from '../../src/domain/sessions/session.js';
import {
  type Quota,
  type QuotaAction,
  type SessionStore,
  SWEEP_LAG_MS,
} from '../../src/domain/sessions/store.js';

export interface SessionStoreHandle {
  store: SessionStore;
  close(): Promise<void>;
}

/** A fixed instant: stores never read the clock, so every time here is a plain number. */
const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);
const MINUTE = 60_000;

const DEMO = 'id=demo,ou=user,o=alpha,ou=services,ou=am-config';
/** Another user whose universal id shares a prefix with DEMO's. */
const DEMO2 = 'id=demo2,ou=user,o=alpha,ou=services,ou=am-config';
/** The same user name in another realm: another user. */
const DEMO_BRAVO = 'id=demo,ou=user,o=bravo,ou=services,ou=am-config';
const ACTIONS: readonly QuotaAction[] = [
  'DENY_ACCESS',
  'DESTROY_NEXT_EXPIRING',
  'DESTROY_OLDEST_SESSION',
  'DESTROY_ALL',
];

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
 * For the shared stores' caches: node `a` has read a session; node `b` then touches it, sets a
 * property, logs it out, and logs out every session of another user — `a` sees each at once.
 * `afterLogout` runs right after the logout has been seen.
 */
export async function expectOtherNodesWritesSeen(
  a: SessionStore,
  b: SessionStore,
  afterLogout: () => void = () => {},
): Promise<void> {
  const session = storedSession();
  await b.insert(session);
  await a.get(session.id);
  await b.touch(session.id, session.latestAccessTime + 60_000, session.expiresAt + 60_000);
  expect((await a.get(session.id))?.latestAccessTime).toBe(session.latestAccessTime + 60_000);
  await b.mergeProperties(session.id, { colour: 'blue' });
  expect((await a.get(session.id))?.properties.colour).toBe('blue');
  await b.delete(session.id);
  expect(await a.get(session.id)).toBeUndefined();
  afterLogout();

  const other = storedSession();
  await b.insert(other);
  await a.get(other.id);
  await b.deleteByUniversalId(other.universalId);
  expect(await a.get(other.id)).toBeUndefined();
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

      it('answers each of many deletes asked at once as if they ran one after the other', async () => {
        const sessions = [storedSession(), storedSession(), storedSession()];
        const kept = storedSession();
        for (const s of [...sessions, kept]) await store.insert(s);
        const [a, b, c] = sessions.map((s) => s.id) as [string, string, string];
        const unknown = randomBytes(12).toString('base64url');
        const answers = await Promise.all([a, b, a, unknown, c].map((id) => store.delete(id)));
        expect(answers).toEqual([true, true, false, false, true]);
        for (const id of [a, b, c]) expect(await store.get(id)).toBeUndefined();
        expect(await store.get(kept.id)).toEqual(kept);
      });

      it('is not undone by a read made while it is under way', async () => {
        const session = storedSession();
        await store.insert(session);
        const deleting = store.delete(session.id);
        // Whatever this read answers, it must not bring the session back for later readers.
        await store.get(session.id);
        expect(await deleting).toBe(true);
        expect(await store.get(session.id)).toBeUndefined();
        expect(await store.touch(session.id, session.latestAccessTime + 1, session.expiresAt + 1)).toBe(
          false,
        );
      });
    });

    describe('deleteExpired', () => {
      const at = (minutes: number) => storedSession({ expiresAt: T0 + minutes * MINUTE });
      /** A time by which every session expired at `minutes` must be gone (SWEEP_LAG_MS later). */
      const pastLag = (minutes: number) => T0 + minutes * MINUTE + SWEEP_LAG_MS;

      it('removes the sessions that expired (the lag allowed for), keeps the live, returns the count', async () => {
        const expired = [at(1), at(2), at(3)];
        // Live at the sweep's time: expiring 1 ms after it, and later.
        const live = [storedSession({ expiresAt: pastLag(3) + 1 }), at(120)];
        for (const s of [...expired, ...live]) await store.insert(s);
        expect(await store.deleteExpired(pastLag(3), 100)).toBe(3);
        for (const s of expired) expect(await store.get(s.id)).toBeUndefined();
        for (const s of live) expect(await store.get(s.id)).toEqual(s);
      });

      it('never removes a session before its expiresAt, and has removed it SWEEP_LAG_MS after', async () => {
        // On a 10-minute boundary and off one (a store may sweep by coarse expiry buckets).
        for (const expiresAt of [T0 + 10 * MINUTE, T0 + 13 * MINUTE + 30_001]) {
          const session = storedSession({ expiresAt });
          await store.insert(session);
          expect(await store.deleteExpired(expiresAt - 1, 100)).toBe(0);
          expect(await store.get(session.id)).toEqual(session);
          expect(await store.deleteExpired(expiresAt + SWEEP_LAG_MS, 100)).toBe(1);
          expect(await store.get(session.id)).toBeUndefined();
        }
      });

      it('removes at most `limit` per call, so a sweeper can loop until fewer than `limit` go', async () => {
        const expired = [at(1), at(2), at(3), at(4), at(5)];
        const live = [at(60), at(61)];
        for (const s of [...expired, ...live]) await store.insert(s);
        const now = pastLag(5);
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
        expect(await store.deleteExpired(pastLag(3), 2)).toBe(2);
        const left = (await Promise.all(expired.map((s) => store.get(s.id)))).filter((s) => s !== undefined);
        expect(left).toHaveLength(1);
      });

      it('removes nothing with limit 0', async () => {
        const session = at(1);
        await store.insert(session);
        expect(await store.deleteExpired(pastLag(1), 0)).toBe(0);
        expect(await store.get(session.id)).toEqual(session);
      });

      it('returns 0 on an empty store', async () => {
        expect(await store.deleteExpired(T0 + 10_000 * MINUTE, 10)).toBe(0);
      });

      it('uses the expiresAt recorded by touch', async () => {
        const session = at(30);
        await store.insert(session);
        expect(await store.touch(session.id, T0 + 20 * MINUTE, T0 + 50 * MINUTE)).toBe(true);
        // Past the old expiry and its lag, before the new expiry.
        expect(await store.deleteExpired(T0 + 50 * MINUTE - 1, 10)).toBe(0);
        expect(await store.get(session.id)).toBeDefined();
        expect(await store.deleteExpired(pastLag(50), 10)).toBe(1);
        expect(await store.get(session.id)).toBeUndefined();
      });

      it('makes touch and delete of a swept session answer false', async () => {
        const session = at(1);
        await store.insert(session);
        expect(await store.deleteExpired(pastLag(1), 10)).toBe(1);
        expect(await store.touch(session.id, T0 + 3 * MINUTE, T0 + 33 * MINUTE)).toBe(false);
        expect(await store.delete(session.id)).toBe(false);
      });
    });

    /** The sessions (of those given) that the store still holds, by id. */
    const present = async (sessions: readonly StoredSession[]): Promise<string[]> => {
      const found = await Promise.all(
        sessions.map(async (s) => ((await store.get(s.id)) ? s.id : undefined)),
      );
      return found.filter((id): id is string => id !== undefined);
    };
    const sorted = (ids: readonly string[]) => [...ids].sort();

    describe('insertWithQuota', () => {
      const NOW = T0 + 10 * MINUTE;
      /** A session of DEMO created `created` and expiring `expires` minutes after T0. */
      const demo = (created: number, expires: number, overrides: Partial<StoredSession> = {}) =>
        storedSession({
          universalId: DEMO,
          creationTime: T0 + created * MINUTE,
          latestAccessTime: T0 + created * MINUTE,
          expiresAt: T0 + expires * MINUTE,
          ...overrides,
        });
      /** The new login: created now. */
      const login = (overrides: Partial<StoredSession> = {}) =>
        storedSession({
          universalId: DEMO,
          creationTime: NOW,
          latestAccessTime: NOW,
          expiresAt: NOW + 30 * MINUTE,
          ...overrides,
        });
      const quota = (limit: number, action: QuotaAction): Quota => ({ limit, action });

      /**
       * Three live sessions of DEMO whose creation order differs from their expiry order:
       * oldest is `a`, next expiring is `b`.
       */
      const threeLive = async () => {
        const a = demo(1, 50);
        const b = demo(2, 35);
        const c = demo(3, 45);
        for (const s of [c, a, b]) await store.insert(s);
        return { a, b, c };
      };

      for (const action of ACTIONS) {
        it(`${action}: with room (limit - 1 live sessions), inserts and evicts nothing`, async () => {
          const { a, b, c } = await threeLive();
          const session = login();
          expect(await store.insertWithQuota(session, quota(4, action), NOW)).toEqual({
            inserted: true,
            evicted: [],
          });
          expect(await store.get(session.id)).toEqual(session);
          for (const s of [a, b, c]) expect(await store.get(s.id)).toEqual(s);
        });

        it(`${action}: on an empty store, inserts the session with every field`, async () => {
          const session = login();
          expect(await store.insertWithQuota(session, quota(1, action), NOW)).toEqual({
            inserted: true,
            evicted: [],
          });
          const got = await store.get(session.id);
          expect(got).toEqual(session);
          expect(got?.secretHash.equals(session.secretHash)).toBe(true);
        });
      }

      it('DENY_ACCESS at the limit: adds nothing, removes nothing, returns {inserted: false}', async () => {
        const { a, b, c } = await threeLive();
        const session = login();
        expect(await store.insertWithQuota(session, quota(3, 'DENY_ACCESS'), NOW)).toEqual({
          inserted: false,
        });
        expect(await store.get(session.id)).toBeUndefined();
        expect(await store.getByHandle(session.sessionHandle)).toBeUndefined();
        for (const s of [a, b, c]) expect(await store.get(s.id)).toEqual(s);
      });

      it('DESTROY_NEXT_EXPIRING at the limit: evicts the live session with the earliest expiresAt', async () => {
        const { a, b, c } = await threeLive();
        const session = login();
        expect(await store.insertWithQuota(session, quota(3, 'DESTROY_NEXT_EXPIRING'), NOW)).toEqual({
          inserted: true,
          evicted: [b.id],
        });
        expect(await store.get(b.id)).toBeUndefined();
        for (const s of [a, c, session]) expect(await store.get(s.id)).toEqual(s);
      });

      it('DESTROY_OLDEST_SESSION at the limit: evicts the live session with the earliest creationTime', async () => {
        const { a, b, c } = await threeLive();
        const session = login();
        expect(await store.insertWithQuota(session, quota(3, 'DESTROY_OLDEST_SESSION'), NOW)).toEqual({
          inserted: true,
          evicted: [a.id],
        });
        expect(await store.get(a.id)).toBeUndefined();
        for (const s of [b, c, session]) expect(await store.get(s.id)).toEqual(s);
      });

      it('DESTROY_ALL at the limit: evicts every live session of the user', async () => {
        const { a, b, c } = await threeLive();
        const session = login();
        const result = await store.insertWithQuota(session, quota(3, 'DESTROY_ALL'), NOW);
        expect(result.inserted).toBe(true);
        expect(sorted(result.inserted ? result.evicted : [])).toEqual(sorted([a.id, b.id, c.id]));
        expect(await present([a, b, c])).toEqual([]);
        expect(await store.get(session.id)).toEqual(session);
      });

      it('with limit 1: DENY_ACCESS refuses a second session, the others replace the first', async () => {
        for (const action of ACTIONS) {
          const first = login({ creationTime: NOW - MINUTE, latestAccessTime: NOW - MINUTE });
          expect(await store.insertWithQuota(first, quota(1, action), NOW), action).toEqual({
            inserted: true,
            evicted: [],
          });
          const second = login();
          const result = await store.insertWithQuota(second, quota(1, action), NOW);
          if (action === 'DENY_ACCESS') {
            expect(result, action).toEqual({ inserted: false });
            expect(await present([first, second]), action).toEqual([first.id]);
          } else {
            expect(result, action).toEqual({ inserted: true, evicted: [first.id] });
            expect(await present([first, second]), action).toEqual([second.id]);
          }
          expect(await store.deleteByUniversalId(DEMO)).toBe(1);
        }
      });

      describe('more live sessions than the limit already', () => {
        /** Five live sessions; creation order 1..5, expiry order e1 < e2 < … is 4, 2, 5, 1, 3. */
        const fiveLive = async () => {
          const s1 = demo(1, 40);
          const s2 = demo(2, 20);
          const s3 = demo(3, 50);
          const s4 = demo(4, 15);
          const s5 = demo(5, 30);
          const all = [s1, s2, s3, s4, s5];
          for (const s of all) await store.insert(s);
          return all as [StoredSession, StoredSession, StoredSession, StoredSession, StoredSession];
        };

        it('DESTROY_NEXT_EXPIRING evicts the earliest expiring, leaving limit - 1 before the insert', async () => {
          const [s1, s2, s3, s4, s5] = await fiveLive();
          const session = login();
          const result = await store.insertWithQuota(session, quota(3, 'DESTROY_NEXT_EXPIRING'), NOW);
          expect(result.inserted).toBe(true);
          expect(sorted(result.inserted ? result.evicted : [])).toEqual(sorted([s4.id, s2.id, s5.id]));
          expect(sorted(await present([s1, s2, s3, s4, s5, session]))).toEqual(
            sorted([s1.id, s3.id, session.id]),
          );
        });

        it('DESTROY_OLDEST_SESSION evicts the oldest, leaving limit - 1 before the insert', async () => {
          const [s1, s2, s3, s4, s5] = await fiveLive();
          const session = login();
          const result = await store.insertWithQuota(session, quota(3, 'DESTROY_OLDEST_SESSION'), NOW);
          expect(result.inserted).toBe(true);
          expect(sorted(result.inserted ? result.evicted : [])).toEqual(sorted([s1.id, s2.id, s3.id]));
          expect(sorted(await present([s1, s2, s3, s4, s5, session]))).toEqual(
            sorted([s4.id, s5.id, session.id]),
          );
        });

        it('DESTROY_ALL evicts all of them', async () => {
          const all = await fiveLive();
          const session = login();
          const result = await store.insertWithQuota(session, quota(3, 'DESTROY_ALL'), NOW);
          expect(result.inserted).toBe(true);
          expect(sorted(result.inserted ? result.evicted : [])).toEqual(sorted(all.map((s) => s.id)));
          expect(await present([...all, session])).toEqual([session.id]);
        });

        it('DENY_ACCESS refuses and leaves them all', async () => {
          const all = await fiveLive();
          const session = login();
          expect(await store.insertWithQuota(session, quota(3, 'DENY_ACCESS'), NOW)).toEqual({
            inserted: false,
          });
          expect(await present([...all, session])).toEqual(all.map((s) => s.id));
        });
      });

      describe('expired sessions (expiresAt ≤ now)', () => {
        /** Sessions of DEMO that are older and expire earlier than every live one; one expires exactly now. */
        const expiredOnes = () => [
          demo(-100, -50),
          demo(-90, -1),
          storedSession({ universalId: DEMO, creationTime: T0 - 60 * MINUTE, expiresAt: NOW }),
        ];

        for (const action of ACTIONS) {
          it(`${action}: do not count towards the limit`, async () => {
            const expired = expiredOnes();
            const live = [demo(1, 50), demo(2, 35)];
            for (const s of [...expired, ...live]) await store.insert(s);
            const session = login();
            const result = await store.insertWithQuota(session, quota(3, action), NOW);
            expect(result).toEqual({ inserted: true, evicted: [] });
            for (const s of [...live, session]) expect(await store.get(s.id)).toEqual(s);
          });

          it(`${action}: are never returned as evicted`, async () => {
            const expired = expiredOnes();
            const { a, b, c } = await threeLive();
            for (const s of expired) await store.insert(s);
            const session = login();
            const result = await store.insertWithQuota(session, quota(3, action), NOW);
            const expected = {
              DENY_ACCESS: undefined,
              DESTROY_NEXT_EXPIRING: [b.id],
              DESTROY_OLDEST_SESSION: [a.id],
              DESTROY_ALL: [a.id, b.id, c.id],
            }[action];
            if (expected === undefined) {
              expect(result).toEqual({ inserted: false });
            } else {
              expect(result.inserted).toBe(true);
              expect(sorted(result.inserted ? result.evicted : [])).toEqual(sorted(expected));
              expect(await present([a, b, c])).toEqual(
                [a, b, c].map((s) => s.id).filter((id) => !expected.includes(id)),
              );
            }
          });
        }
      });

      describe('other users', () => {
        /** Sessions of other users, older and expiring earlier than DEMO's: evicting them would be wrong. */
        const othersOf = () => [
          storedSession({ universalId: DEMO2, creationTime: T0 - 5 * MINUTE, expiresAt: NOW + MINUTE }),
          storedSession({ universalId: DEMO2, creationTime: T0 - 4 * MINUTE, expiresAt: NOW + 2 * MINUTE }),
          storedSession({ universalId: DEMO_BRAVO, creationTime: T0 - 3 * MINUTE, expiresAt: NOW + MINUTE }),
          storedSession({
            universalId: DEMO_BRAVO,
            creationTime: T0 - 2 * MINUTE,
            expiresAt: NOW + 3 * MINUTE,
          }),
        ];

        for (const action of ACTIONS) {
          it(`${action}: other users' sessions neither count nor get evicted`, async () => {
            const others = othersOf();
            for (const s of others) await store.insert(s);
            const first = demo(1, 50);
            // DEMO has one session, the others four: with limit 2 there is room.
            expect(await store.insertWithQuota(first, quota(2, action), NOW)).toEqual({
              inserted: true,
              evicted: [],
            });
            expect(await store.insertWithQuota(demo(2, 40), quota(2, action), NOW)).toEqual({
              inserted: true,
              evicted: [],
            });
            // Now DEMO is at the limit.
            await store.insertWithQuota(login(), quota(2, action), NOW);
            for (const s of others) expect(await store.get(s.id)).toEqual(s);
          });
        }
      });

      it('compares universal ids case-insensitively', async () => {
        const upper = demo(1, 50, { universalId: DEMO.toUpperCase() });
        const mixed = demo(2, 40, { universalId: 'ID=Demo,OU=User,o=Alpha,ou=services,ou=am-config' });
        await store.insert(upper);
        await store.insert(mixed);
        expect(await store.insertWithQuota(login(), quota(2, 'DENY_ACCESS'), NOW)).toEqual({
          inserted: false,
        });
        const session = login();
        expect(await store.insertWithQuota(session, quota(2, 'DESTROY_OLDEST_SESSION'), NOW)).toEqual({
          inserted: true,
          evicted: [upper.id],
        });
        expect(await present([upper, mixed, session])).toEqual([mixed.id, session.id]);
      });

      describe('50 concurrent logins of one user with limit 5', () => {
        const concurrent = async (action: QuotaAction) => {
          const sessions = Array.from({ length: 50 }, (_, i) =>
            login({
              creationTime: NOW - 50 + i,
              latestAccessTime: NOW - 50 + i,
              expiresAt: NOW + MINUTE + i,
            }),
          );
          const results = await Promise.all(
            sessions.map((s) => store.insertWithQuota(s, quota(5, action), NOW)),
          );
          return { sessions, results, left: await present(sessions) };
        };

        it('DENY_ACCESS: exactly 5 are inserted, and those are the 5 left', async () => {
          const { sessions, results, left } = await concurrent('DENY_ACCESS');
          const inserted = sessions.filter((_, i) => results[i]?.inserted).map((s) => s.id);
          expect(inserted).toHaveLength(5);
          expect(sorted(left)).toEqual(sorted(inserted));
          for (const r of results) if (r.inserted) expect(r.evicted).toEqual([]);
          expect(await store.listByUniversalId(DEMO)).toHaveLength(5);
        });

        for (const action of ['DESTROY_NEXT_EXPIRING', 'DESTROY_OLDEST_SESSION', 'DESTROY_ALL'] as const) {
          it(`${action}: every login succeeds, exactly 5 live sessions are left, each other one evicted once`, async () => {
            const { sessions, results, left } = await concurrent(action);
            expect(results.every((r) => r.inserted)).toBe(true);
            expect(left).toHaveLength(5);
            expect(await store.listByUniversalId(DEMO)).toHaveLength(5);
            const evicted = results.flatMap((r) => (r.inserted ? r.evicted : []));
            // Every session was either evicted exactly once or is one of the 5 left.
            expect(sorted([...evicted, ...left])).toEqual(sorted(sessions.map((s) => s.id)));
          });
        }
      });
    });

    describe('getByHandle', () => {
      it('returns the session with every field', async () => {
        const session = storedSession();
        await store.insert(storedSession());
        await store.insert(session);
        await store.insert(storedSession());
        expect(await store.getByHandle(session.sessionHandle)).toEqual(session);
      });

      it('returns expired sessions too', async () => {
        const expired = storedSession({ creationTime: T0 - 200 * MINUTE, expiresAt: T0 - 120 * MINUTE });
        await store.insert(expired);
        expect(await store.getByHandle(expired.sessionHandle)).toEqual(expired);
      });

      it('returns undefined for an unknown handle, an id, and once the session is deleted', async () => {
        const session = storedSession();
        await store.insert(session);
        expect(await store.getByHandle(`shandle:${randomBytes(24).toString('base64url')}`)).toBeUndefined();
        expect(await store.getByHandle(session.id)).toBeUndefined();
        await store.delete(session.id);
        expect(await store.getByHandle(session.sessionHandle)).toBeUndefined();
      });

      it('finds sessions inserted with insertWithQuota', async () => {
        const session = storedSession();
        await store.insertWithQuota(session, { limit: 5, action: 'DENY_ACCESS' }, T0);
        expect(await store.getByHandle(session.sessionHandle)).toEqual(session);
      });
    });

    describe('listByUniversalId', () => {
      it('returns every session of the user, live or expired, oldest first', async () => {
        const s1 = storedSession({ universalId: DEMO, creationTime: T0 + 1 });
        const s2 = storedSession({ universalId: DEMO, creationTime: T0 + 2, expiresAt: T0 - 1 });
        const s3 = storedSession({ universalId: DEMO, creationTime: T0 + 3 });
        const s0 = storedSession({ universalId: DEMO, creationTime: T0 - 500 * MINUTE, expiresAt: T0 - 400 });
        for (const s of [s3, s1, s0, s2]) await store.insert(s);
        expect(await store.listByUniversalId(DEMO)).toEqual([s0, s1, s2, s3]);
      });

      it('compares universal ids case-insensitively, keeping the stored spelling', async () => {
        const lower = storedSession({ universalId: DEMO, creationTime: T0 + 1 });
        const upper = storedSession({ universalId: DEMO.toUpperCase(), creationTime: T0 + 2 });
        await store.insert(upper);
        await store.insert(lower);
        for (const query of [DEMO, DEMO.toUpperCase(), 'Id=Demo,Ou=User,O=Alpha,Ou=Services,Ou=Am-Config']) {
          expect(await store.listByUniversalId(query), query).toEqual([lower, upper]);
        }
      });

      it("leaves out other users' sessions", async () => {
        const mine = storedSession({ universalId: DEMO });
        for (const universalId of [DEMO2, DEMO_BRAVO, 'id=dem,ou=user,o=alpha,ou=services,ou=am-config']) {
          await store.insert(storedSession({ universalId }));
        }
        await store.insert(mine);
        expect(await store.listByUniversalId(DEMO)).toEqual([mine]);
      });

      it('returns an empty list for a user without sessions, and after deleteByUniversalId', async () => {
        expect(await store.listByUniversalId(DEMO)).toEqual([]);
        await store.insert(storedSession({ universalId: DEMO }));
        await store.deleteByUniversalId(DEMO);
        expect(await store.listByUniversalId(DEMO)).toEqual([]);
      });
    });

    describe('listByRealm', () => {
      const NOW = T0 + 10 * MINUTE;
      const inRealm = (realm: string, created: number, overrides: Partial<StoredSession> = {}) =>
        storedSession({ realm, creationTime: T0 + created, expiresAt: NOW + MINUTE, ...overrides });

      it('returns live sessions of exactly that realm, of every user, oldest first', async () => {
        const a = inRealm('/alpha', 3, { universalId: DEMO });
        const b = inRealm('/alpha', 1, { universalId: DEMO2 });
        const c = inRealm('/alpha', 2, { universalId: DEMO });
        const elsewhere = [
          inRealm('/', 0),
          inRealm('/bravo', 0),
          inRealm('/alpha/inner', 0),
          inRealm('/alphabet', 0),
          inRealm('/alph', 0),
        ];
        for (const s of [a, ...elsewhere, b, c]) await store.insert(s);
        expect(await store.listByRealm('/alpha', NOW, 100)).toEqual([b, c, a]);
        expect(await store.listByRealm('/', NOW, 100)).toEqual([elsewhere[0]]);
        expect(await store.listByRealm('/alpha/inner', NOW, 100)).toEqual([elsewhere[2]]);
      });

      it('compares the realm case-insensitively, keeping the stored spelling', async () => {
        const lower = inRealm('/alpha', 1);
        const upper = inRealm('/ALPHA', 2);
        const mixed = inRealm('/Alpha', 3);
        for (const s of [mixed, lower, upper]) await store.insert(s);
        for (const query of ['/alpha', '/ALPHA', '/aLpHa']) {
          expect(await store.listByRealm(query, NOW, 100), query).toEqual([lower, upper, mixed]);
        }
      });

      it('leaves out sessions with expiresAt ≤ now, the boundary included', async () => {
        const live = inRealm('/alpha', 2, { expiresAt: NOW + 1 });
        const atNow = inRealm('/alpha', 1, { expiresAt: NOW });
        const past = inRealm('/alpha', 0, { expiresAt: NOW - MINUTE });
        for (const s of [live, atNow, past]) await store.insert(s);
        expect(await store.listByRealm('/alpha', NOW, 100)).toEqual([live]);
        expect(await store.listByRealm('/alpha', NOW - 1, 100)).toEqual([atNow, live]);
      });

      it('returns at most `limit`, the oldest live ones (expired ones do not use up the limit)', async () => {
        const expired = [inRealm('/alpha', 0, { expiresAt: NOW }), inRealm('/alpha', 1, { expiresAt: T0 })];
        const live = [5, 3, 4, 2, 6].map((created) => inRealm('/alpha', created));
        for (const s of [...live, ...expired]) await store.insert(s);
        const oldestFirst = [...live].sort((x, y) => x.creationTime - y.creationTime);
        expect(await store.listByRealm('/alpha', NOW, 2)).toEqual(oldestFirst.slice(0, 2));
        expect(await store.listByRealm('/alpha', NOW, 5)).toEqual(oldestFirst);
        expect(await store.listByRealm('/alpha', NOW, 6)).toEqual(oldestFirst);
        expect(await store.listByRealm('/alpha', NOW, 1)).toEqual(oldestFirst.slice(0, 1));
        expect(await store.listByRealm('/alpha', NOW, 0)).toEqual([]);
      });

      it('returns an empty list for a realm without sessions', async () => {
        await store.insert(inRealm('/alpha', 1));
        expect(await store.listByRealm('/bravo', NOW, 10)).toEqual([]);
      });
    });

    describe('deleteByUniversalId', () => {
      it('removes every session of the user, live or expired, in any case, and returns the count', async () => {
        const mine = [
          storedSession({ universalId: DEMO }),
          storedSession({ universalId: DEMO, expiresAt: T0 - MINUTE }),
          storedSession({ universalId: DEMO.toUpperCase() }),
          storedSession({ universalId: DEMO, realm: '/bravo' }),
        ];
        const others = [DEMO2, DEMO_BRAVO, 'id=dem,ou=user,o=alpha,ou=services,ou=am-config'].map(
          (universalId) => storedSession({ universalId }),
        );
        for (const s of [...others, ...mine]) await store.insert(s);
        expect(await store.deleteByUniversalId('Id=Demo,ou=user,o=alpha,ou=services,ou=am-config')).toBe(4);
        expect(await present(mine)).toEqual([]);
        for (const s of others) expect(await store.get(s.id)).toEqual(s);
        expect(await store.getByHandle(mine[0]?.sessionHandle as string)).toBeUndefined();
      });

      it('returns 0 for a user without sessions, and the second time', async () => {
        expect(await store.deleteByUniversalId(DEMO)).toBe(0);
        await store.insert(storedSession({ universalId: DEMO }));
        expect(await store.deleteByUniversalId(DEMO)).toBe(1);
        expect(await store.deleteByUniversalId(DEMO)).toBe(0);
      });

      it('makes room under a quota again', async () => {
        const quota: Quota = { limit: 1, action: 'DENY_ACCESS' };
        expect((await store.insertWithQuota(storedSession({ universalId: DEMO }), quota, T0)).inserted).toBe(
          true,
        );
        expect((await store.insertWithQuota(storedSession({ universalId: DEMO }), quota, T0)).inserted).toBe(
          false,
        );
        expect(await store.deleteByUniversalId(DEMO)).toBe(1);
        expect((await store.insertWithQuota(storedSession({ universalId: DEMO }), quota, T0)).inserted).toBe(
          true,
        );
      });
    });

    describe('mergeProperties', () => {
      it('sets the given properties and keeps the others, returning the merged map', async () => {
        const session = storedSession({ properties: { keep: 'old', change: 'x', AMCtxId: 'ctx' } });
        await store.insert(session);
        const merged = { keep: 'old', change: 'new', AMCtxId: 'ctx', added: 'ünï ✓', 'with.dots': '' };
        expect(
          await store.mergeProperties(session.id, { change: 'new', added: 'ünï ✓', 'with.dots': '' }),
        ).toEqual(merged);
        expect(await store.get(session.id)).toEqual({ ...session, properties: merged });
        expect(await store.getByHandle(session.sessionHandle)).toEqual({ ...session, properties: merged });
      });

      it('stores an empty string as a value (it does not remove the property)', async () => {
        const session = storedSession({ properties: { a: '1' } });
        await store.insert(session);
        expect(await store.mergeProperties(session.id, { a: '' })).toEqual({ a: '' });
        expect((await store.get(session.id))?.properties).toEqual({ a: '' });
      });

      it('keeps what it stored: later changes to the given object do not reach the store', async () => {
        const session = storedSession({ properties: {} });
        await store.insert(session);
        const changes: Record<string, string> = { a: '1' };
        await store.mergeProperties(session.id, changes);
        changes.a = '2';
        changes.b = '3';
        expect((await store.get(session.id))?.properties).toEqual({ a: '1' });
      });

      it('lets concurrent updates of different properties all land', async () => {
        const session = storedSession({ properties: {} });
        await store.insert(session);
        await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.mergeProperties(session.id, { [`p${i}`]: String(i) })),
        );
        const properties = (await store.get(session.id))?.properties ?? {};
        expect(Object.keys(properties).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `p${i}`).sort());
      });

      it('works on an expired session that is still stored (validity is the domain decision)', async () => {
        const expired = storedSession({ expiresAt: T0 - MINUTE, properties: {} });
        await store.insert(expired);
        expect(await store.mergeProperties(expired.id, { a: '1' })).toEqual({ a: '1' });
      });

      it('neither undoes a touch nor is undone by one', async () => {
        const session = storedSession({ properties: {} });
        await store.insert(session);
        await store.touch(session.id, T0 + 5 * MINUTE, T0 + 35 * MINUTE);
        await store.mergeProperties(session.id, { a: '1' });
        await store.touch(session.id, T0 + 7 * MINUTE, T0 + 37 * MINUTE);
        expect(await store.get(session.id)).toEqual({
          ...session,
          latestAccessTime: T0 + 7 * MINUTE,
          expiresAt: T0 + 37 * MINUTE,
          properties: { a: '1' },
        });
      });

      it('returns undefined for an unknown or deleted session and does not create it', async () => {
        const unknown = randomBytes(12).toString('base64url');
        expect(await store.mergeProperties(unknown, { a: '1' })).toBeUndefined();
        expect(await store.get(unknown)).toBeUndefined();
        const session = storedSession();
        await store.insert(session);
        await store.delete(session.id);
        expect(await store.mergeProperties(session.id, { a: '1' })).toBeUndefined();
        expect(await store.get(session.id)).toBeUndefined();
      });

      it('changes only that session', async () => {
        const a = storedSession();
        const b = storedSession();
        await store.insert(a);
        await store.insert(b);
        await store.mergeProperties(a.id, { a: '1' });
        expect(await store.get(b.id)).toEqual(b);
      });
    });
  });
}
