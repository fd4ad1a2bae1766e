import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { mintSessionToken, sha256 } from '../../src/core/tokens.js';
import { AnvilError } from '../../src/domain/errors.js';
import type { Realm } from '../../src/domain/realms/realm.js';
import type {
  QuotaSettings,
  RealmDefinition,
  RealmRegistry,
} from '../../src/domain/realms/realm-registry.js';
import type { Session, StoredSession } from '../../src/domain/sessions/session.js';
import { SessionService } from '../../src/domain/sessions/session-service.js';
import type { QuotaAction } from '../../src/domain/sessions/store.js';
import { MemorySessionStore } from '../../src/stores/memory/index.js';
import {
  DEFAULT_SESSION_SETTINGS,
  type RecordingSessionStore,
  realms,
  realmsWithQuota,
  recordCalls,
  replaceAt,
} from './fixtures.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const TOKEN_SHAPE = /^AQIC5w[A-Za-z0-9_-]{48}\.\*AAJTSQACMDE\.\*$/;

describe('SessionService', () => {
  let clock: ManualClock;
  let store: RecordingSessionStore;
  let service: SessionService;
  let registry: RealmRegistry;
  let alpha: Realm;
  let start: number;

  beforeEach(() => {
    clock = new ManualClock();
    start = clock.now();
    store = recordCalls(new MemorySessionStore());
    service = new SessionService({ store, clock, updateFrequencySeconds: 60 });
    registry = realms([{ path: '/alpha' }, { path: '/short', session: { maxIdleMinutes: 5 } }]);
    alpha = registry.byPath('/alpha') as Realm;
  });

  const createDemo = (properties?: Record<string, string>) =>
    service.create({
      universalId: 'id=demo,ou=user,o=alpha,ou=services,ou=am-config',
      username: 'demo',
      realm: alpha,
      ...(properties === undefined ? {} : { properties }),
    });

  describe('create', () => {
    it('mints a token and stores a session with the realm timeouts and AM properties', async () => {
      const { token, session } = await createDemo({ AuthLevel: '0', Service: 'Login' });
      expect(token).toMatch(TOKEN_SHAPE);
      expect(session).toMatchObject({
        universalId: 'id=demo,ou=user,o=alpha,ou=services,ou=am-config',
        username: 'demo',
        realm: '/alpha',
        creationTime: start,
        latestAccessTime: start,
        maxIdleMinutes: 30,
        maxSessionMinutes: 120,
      });
      expect(session.sessionHandle).toMatch(/^shandle:[A-Za-z0-9_-]+$/);
      expect(session.properties).toMatchObject({
        AuthLevel: '0',
        Service: 'Login',
        Organization: 'o=alpha,ou=services,ou=am-config',
        'sun.am.UniversalIdentifier': 'id=demo,ou=user,o=alpha,ou=services,ou=am-config',
        UserId: 'demo',
        Principal: 'id=demo,ou=user,o=alpha,ou=services,ou=am-config',
        authInstant: '2026-01-01T09:00:00Z',
      });
      expect(session.properties.AMCtxId).toMatch(/^[0-9a-f-]{36}-\d+$/);

      const stored = await store.get(session.id);
      expect(stored).toMatchObject({ ...session, expiresAt: start + 30 * MINUTE });
      // Only the hash of the secret is stored, never the token.
      expect(stored?.secretHash.equals(sha256(token.slice(6 + 16, 6 + 48)))).toBe(true);
      expect(JSON.stringify(stored)).not.toContain(token.slice(6 + 16, 6 + 48));
    });

    it('does not let login properties overwrite the properties the server sets', async () => {
      const { session } = await createDemo({ UserId: 'admin', Organization: 'ou=am-config' });
      expect(session.properties.UserId).toBe('demo');
      expect(session.properties.Organization).toBe('o=alpha,ou=services,ou=am-config');
    });

    it('takes the timeouts from the realm', async () => {
      const { session } = await service.create({
        universalId: 'id=x,ou=user,o=short,ou=services,ou=am-config',
        username: 'x',
        realm: registry.byPath('/short') as Realm,
      });
      expect(session.maxIdleMinutes).toBe(5);
      expect(session.maxSessionMinutes).toBe(120);
      expect((await store.get(session.id))?.expiresAt).toBe(start + 5 * MINUTE);
    });

    it('gives each session its own token, id, handle and audit id', async () => {
      const a = await createDemo();
      const b = await createDemo();
      expect(a.token).not.toBe(b.token);
      expect(a.session.id).not.toBe(b.session.id);
      expect(a.session.sessionHandle).not.toBe(b.session.sessionHandle);
      expect(a.session.properties.AMCtxId).not.toBe(b.session.properties.AMCtxId);
    });
  });

  describe('resolve', () => {
    it('returns the live session for its token', async () => {
      const { token, session } = await createDemo();
      expect(await service.resolve(token)).toEqual(expect.objectContaining(session));
    });

    it('returns undefined without a token, for garbage, a truncated or an extended token', async () => {
      const { token } = await createDemo();
      for (const bad of [undefined, '', 'garbage', token.slice(0, -1), token.slice(1), `${token}x`]) {
        expect(await service.resolve(bad), String(bad)).toBeUndefined();
      }
    });

    it('returns undefined for a token with any single character changed', async () => {
      const { token } = await createDemo();
      for (let i = 0; i < token.length; i += 1) {
        expect(await service.resolve(replaceAt(token, i)), `position ${i}`).toBeUndefined();
      }
    });

    it('returns undefined for a well-formed token the store does not know', async () => {
      await createDemo();
      expect(await service.resolve(mintSessionToken().token)).toBeUndefined();
    });

    it('returns undefined for the right id with another secret (a forged token)', async () => {
      const { token } = await createDemo();
      const other = mintSessionToken().token;
      const forged = `${token.slice(0, 6 + 16)}${other.slice(6 + 16)}`;
      expect(forged).not.toBe(token);
      expect(await service.resolve(forged)).toBeUndefined();
    });

    it('returns undefined once the session is destroyed', async () => {
      const { token, session } = await createDemo();
      await service.destroy(session);
      expect(await service.resolve(token)).toBeUndefined();
    });

    it('never changes the session', async () => {
      const { token, session } = await createDemo();
      clock.advanceSeconds(90);
      await service.resolve(token);
      expect(store.count('touch')).toBe(0);
      expect((await store.get(session.id))?.latestAccessTime).toBe(start);
    });
  });

  describe('expiry', () => {
    it('is invalid exactly at latestAccess + maxIdle, valid 1 ms before', async () => {
      const { token } = await createDemo();
      clock.advance(30 * MINUTE - 1);
      expect(await service.resolve(token)).toBeDefined();
      clock.advance(1);
      expect(await service.resolve(token)).toBeUndefined();
    });

    it('measures idle time from the latest recorded access', async () => {
      const { token, session } = await createDemo();
      clock.advanceMinutes(10);
      const touched = service.touch(session);
      expect(touched.latestAccessTime).toBe(start + 10 * MINUTE);
      clock.advance(30 * MINUTE - 1);
      expect(await service.resolve(token)).toBeDefined();
      clock.advance(1);
      expect(await service.resolve(token)).toBeUndefined();
    });

    it('is invalid exactly at creation + maxSession however active, valid 1 ms before', async () => {
      const { token } = await createDemo();
      for (let minute = 20; minute <= 100; minute += 20) {
        clock.advanceMinutes(20);
        const live = await service.resolve(token);
        expect(live, `minute ${minute}`).toBeDefined();
        service.touch(live as Session);
      }
      // Latest access at 100 min: idle would allow 130 min, the max session time stops at 120.
      clock.advance(20 * MINUTE - 1);
      expect(await service.resolve(token)).toBeDefined();
      clock.advance(1);
      expect(await service.resolve(token)).toBeUndefined();
    });

    it('stores expiresAt capped by the max session time when touched late', async () => {
      const { session } = await createDemo();
      let current = session;
      for (let i = 0; i < 4; i += 1) {
        clock.advanceMinutes(25);
        current = service.touch(current);
      }
      // 100 min after creation: min(100 + 30, 0 + 120) = 120.
      expect((await store.get(session.id))?.expiresAt).toBe(start + 120 * MINUTE);
    });
  });

  describe('touch (latest access time update frequency)', () => {
    it('does not write within the update frequency, 60 s included', async () => {
      const { session } = await createDemo();
      for (const seconds of [0, 1, 30, 60]) {
        clock.advance(seconds * SECOND - (clock.now() - start));
        const result = service.touch(session);
        expect(result.latestAccessTime, `${seconds} s`).toBe(start);
      }
      expect(store.count('touch')).toBe(0);
      expect((await store.get(session.id))?.latestAccessTime).toBe(start);
    });

    it('writes once more than 60 s have passed, with the new expiry', async () => {
      const { session } = await createDemo();
      clock.advance(60 * SECOND + 1);
      const touched = service.touch(session);
      expect(touched.latestAccessTime).toBe(start + 60 * SECOND + 1);
      expect(store.count('touch')).toBe(1);
      const stored = await store.get(session.id);
      expect(stored?.latestAccessTime).toBe(start + 60 * SECOND + 1);
      expect(stored?.expiresAt).toBe(start + 60 * SECOND + 1 + 30 * MINUTE);
    });

    it('counts the next window from the recorded access', async () => {
      const { session } = await createDemo();
      clock.advanceSeconds(61);
      const touched = service.touch(session);
      clock.advanceSeconds(60);
      expect(service.touch(touched).latestAccessTime).toBe(touched.latestAccessTime);
      expect(store.count('touch')).toBe(1);
      clock.advance(1);
      expect(service.touch(touched).latestAccessTime).toBe(clock.now());
      expect(store.count('touch')).toBe(2);
    });

    it('follows a configured update frequency of 0: every later instant is written', async () => {
      const eager = new SessionService({ store, clock, updateFrequencySeconds: 0 });
      const { session } = await eager.create({ universalId: 'u', username: 'demo', realm: alpha });
      expect(eager.touch(session).latestAccessTime).toBe(start);
      clock.advance(1);
      expect(eager.touch(session).latestAccessTime).toBe(start + 1);
    });

    it('does not recreate a session deleted meanwhile, nor lay its new access time over nothing', async () => {
      const { token, session } = await createDemo();
      await service.destroy(session);
      clock.advanceMinutes(5);
      expect(service.touch(session).latestAccessTime).toBe(clock.now());
      await service.settle();
      expect(await store.get(session.id)).toBeUndefined();
      expect(await service.resolve(token)).toBeUndefined();
    });
  });

  describe('touch while the store is slow to write', () => {
    /** A store whose idle-time writes wait until `release()` (and fail with `error`, if given). */
    const slowWrites = () => {
      const held: (() => void)[] = [];
      let error: Error | undefined;
      class SlowStore extends MemorySessionStore {
        override touch(id: string, latestAccessTime: number, expires: number): Promise<boolean> {
          return new Promise<boolean>((resolve, reject) => {
            held.push(() => {
              if (error) reject(error);
              else resolve(super.touch(id, latestAccessTime, expires));
            });
          });
        }
      }
      return {
        store: recordCalls(new SlowStore()),
        fail: (e: Error) => {
          error = e;
        },
        release: () => {
          for (const go of held.splice(0)) go();
        },
      };
    };

    it('answers at once; its own reads see the new time, and the window is written once', async () => {
      const slow = slowWrites();
      const svc = new SessionService({ store: slow.store, clock, updateFrequencySeconds: 60 });
      const { token, session } = await svc.create({ universalId: 'u', username: 'demo', realm: alpha });
      clock.advanceSeconds(61);
      const touched = svc.touch(session);
      expect(touched.latestAccessTime).toBe(clock.now());
      expect((await slow.store.get(session.id))?.latestAccessTime).toBe(start);

      clock.advanceSeconds(5);
      const seen = await svc.resolve(token);
      expect(seen?.latestAccessTime).toBe(touched.latestAccessTime);
      expect((seen as StoredSession).expiresAt).toBe(touched.latestAccessTime + 30 * MINUTE);
      expect((await svc.byHandle(session.sessionHandle))?.latestAccessTime).toBe(touched.latestAccessTime);
      expect((await svc.listForUser('u'))[0]?.latestAccessTime).toBe(touched.latestAccessTime);
      expect((await svc.listInRealm('/alpha', 10))[0]?.latestAccessTime).toBe(touched.latestAccessTime);
      svc.touch(seen as Session);
      expect(slow.store.count('touch')).toBe(1);

      // Past the session's old idle expiry, before the write lands: still live on this node.
      clock.advance(session.latestAccessTime + 30 * MINUTE - clock.now());
      expect(await svc.resolve(token)).toBeDefined();

      let settled = false;
      const settling = svc.settle().then(() => {
        settled = true;
      });
      await Promise.resolve();
      expect(settled).toBe(false);
      slow.release();
      await settling;
      expect((await slow.store.get(session.id))?.latestAccessTime).toBe(touched.latestAccessTime);
      expect((await svc.resolve(token))?.latestAccessTime).toBe(touched.latestAccessTime);
    });

    it('a login under a quota waits for the idle-time writes under way, which move the ranking', async () => {
      const slow = slowWrites();
      const realms = realmsWithQuota({ limit: 2, action: 'DESTROY_NEXT_EXPIRING' });
      const svc = new SessionService({ store: slow.store, clock, updateFrequencySeconds: 60 });
      const login = () =>
        svc.create({ universalId: 'u', username: 'demo', realm: realms.byPath('/alpha') as Realm });
      const a = await login();
      clock.advanceMinutes(1);
      const b = await login();
      clock.advanceMinutes(5);
      // a's idle expiry moves past b's, but the store does not have it yet.
      svc.touch(a.session);
      let done = false;
      const c = login().then((created) => {
        done = true;
        return created;
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(done).toBe(false);
      expect(slow.store.count('insertWithQuota')).toBe(2);
      slow.release();
      await c;
      expect(await svc.resolve(b.token)).toBeUndefined();
      expect(await svc.resolve(a.token)).toBeDefined();
    });

    it('reports a refused write, forgets its time, and writes again on the next use', async () => {
      const slow = slowWrites();
      const errors: unknown[] = [];
      const svc = new SessionService({
        store: slow.store,
        clock,
        updateFrequencySeconds: 60,
        onTouchError: (error) => errors.push(error),
      });
      const { token, session } = await svc.create({ universalId: 'u', username: 'demo', realm: alpha });
      clock.advanceSeconds(61);
      svc.touch(session);
      const refused = new Error('store unavailable');
      slow.fail(refused);
      slow.release();
      await svc.settle();
      expect(errors).toEqual([refused]);
      const seen = await svc.resolve(token);
      expect(seen?.latestAccessTime).toBe(start);
      expect(svc.touch(seen as Session).latestAccessTime).toBe(clock.now());
      expect(slow.store.count('touch')).toBe(2);
    });
  });

  describe('destroy', () => {
    it('deletes the session and says whether it existed', async () => {
      const { session } = await createDemo();
      expect(await service.destroy(session)).toBe(true);
      expect(await store.get(session.id)).toBeUndefined();
      expect(await service.destroy(session)).toBe(false);
    });

    it('leaves other sessions alone', async () => {
      const a = await createDemo();
      const b = await createDemo();
      await service.destroy(a.session);
      expect(await service.resolve(b.token)).toBeDefined();
    });
  });

  describe('sweep', () => {
    it('deletes expired sessions only, up to the limit, and returns how many went', async () => {
      const old = [await createDemo(), await createDemo(), await createDemo()];
      clock.advanceMinutes(20);
      const fresh = await createDemo();
      clock.advanceMinutes(10); // the first three expire exactly now
      expect(await service.sweep(2)).toBe(2);
      expect(await service.sweep(2)).toBe(1);
      expect(await service.sweep(2)).toBe(0);
      for (const { session } of old) expect(await store.get(session.id)).toBeUndefined();
      expect(await service.resolve(fresh.token)).toBeDefined();
      expect(store.calls.filter((c) => c.method === 'deleteExpired').map((c) => c.args)).toEqual([
        [clock.now(), 2],
        [clock.now(), 2],
        [clock.now(), 2],
      ]);
    });

    it('uses a default limit of 1000', async () => {
      await createDemo();
      clock.advanceMinutes(31);
      expect(await service.sweep()).toBe(1);
      expect(store.calls.find((c) => c.method === 'deleteExpired')?.args[1]).toBe(1000);
    });

    it('does not delete a session 1 ms before it expires', async () => {
      const { token } = await createDemo();
      clock.advance(30 * MINUTE - 1);
      expect(await service.sweep()).toBe(0);
      expect(await service.resolve(token)).toBeDefined();
    });
  });

  describe('quota', () => {
    const DEMO = 'id=demo,ou=user,o=alpha,ou=services,ou=am-config';
    let quotaRealms: RealmRegistry;

    /** A service over the same store and clock, for a registry with a quota on /alpha. */
    const withQuota = (quota: Partial<QuotaSettings>, more: RealmDefinition[] = []) => {
      quotaRealms = realmsWithQuota(quota, more);
      return new SessionService({ store, clock, updateFrequencySeconds: 60 });
    };
    const login = (svc: SessionService, realmPath = '/alpha', universalId = DEMO) =>
      svc.create({ universalId, username: 'demo', realm: quotaRealms.byPath(realmPath) as Realm });
    const liveIds = async () => (await service.listForUser(DEMO)).map((s) => s.id).sort();

    it('is off by default: the defaults have a quota, but disabled, so create uses plain insert', async () => {
      expect(DEFAULT_SESSION_SETTINGS.quota.enabled).toBe(false);
      expect(alpha.session.quota).toBeUndefined();
      for (let i = 0; i < DEFAULT_SESSION_SETTINGS.quota.limit + 3; i += 1) await createDemo();
      expect(await service.listForUser(DEMO)).toHaveLength(DEFAULT_SESSION_SETTINGS.quota.limit + 3);
      expect(store.count('insertWithQuota')).toBe(0);
    });

    it('passes the realm quota and the clock reading to the store', async () => {
      const svc = withQuota({ limit: 3, action: 'DESTROY_ALL' });
      clock.advance(1234);
      await login(svc);
      const call = store.calls.find((c) => c.method === 'insertWithQuota');
      expect(call?.args.slice(1)).toEqual([{ limit: 3, action: 'DESTROY_ALL' }, clock.now()]);
      expect(store.count('insert')).toBe(0);
    });

    describe('DENY_ACCESS', () => {
      it('refuses a login beyond the limit with SessionLimitReached, storing nothing', async () => {
        const svc = withQuota({ limit: 2, action: 'DENY_ACCESS' });
        const a = await login(svc);
        const b = await login(svc);
        const refused = login(svc);
        await expect(refused).rejects.toBeInstanceOf(AnvilError);
        await expect(refused).rejects.toMatchObject({ kind: 'SessionLimitReached' });
        expect(await liveIds()).toEqual([a.session.id, b.session.id].sort());
        expect(await service.resolve(a.token)).toBeDefined();
        expect(await service.resolve(b.token)).toBeDefined();
      });

      it('counts the user whatever the case of the universal id', async () => {
        const svc = withQuota({ limit: 2, action: 'DENY_ACCESS' });
        await login(svc, '/alpha', DEMO);
        await login(svc, '/alpha', DEMO.toUpperCase());
        await expect(
          login(svc, '/alpha', 'Id=Demo,ou=user,o=alpha,ou=services,ou=am-config'),
        ).rejects.toMatchObject({
          kind: 'SessionLimitReached',
        });
      });

      it('lets the user in again once a session has expired (expired ones do not count)', async () => {
        const svc = withQuota({ limit: 2, action: 'DENY_ACCESS' });
        const first = await login(svc);
        clock.advanceMinutes(10);
        await login(svc);
        clock.advanceMinutes(20); // the first expires exactly now
        expect(await service.resolve(first.token)).toBeUndefined();
        await expect(login(svc)).resolves.toBeDefined();
        expect(await liveIds()).toHaveLength(2);
      });

      it('lets the user in again after a logout', async () => {
        const svc = withQuota({ limit: 1, action: 'DENY_ACCESS' });
        const first = await login(svc);
        await expect(login(svc)).rejects.toMatchObject({ kind: 'SessionLimitReached' });
        await service.destroy(first.session);
        await expect(login(svc)).resolves.toBeDefined();
      });

      it('is per user: another user still gets in', async () => {
        const svc = withQuota({ limit: 1, action: 'DENY_ACCESS' });
        await login(svc);
        const other = await login(svc, '/alpha', 'id=other,ou=user,o=alpha,ou=services,ou=am-config');
        expect(await service.resolve(other.token)).toBeDefined();
      });

      it('applies only in the realm that has the quota', async () => {
        const svc = withQuota({ limit: 1, action: 'DENY_ACCESS' });
        const bravoUser = 'id=demo,ou=user,o=bravo,ou=services,ou=am-config';
        await login(svc, '/bravo', bravoUser);
        await login(svc, '/bravo', bravoUser);
        expect(await service.listForUser(bravoUser)).toHaveLength(2);
      });
    });

    /**
     * a (oldest), then b; then a is used, so b now expires first. Returns both logins and the
     * third one, made at the limit of 2.
     */
    const crowd = async (action: QuotaAction) => {
      const svc = withQuota({ limit: 2, action });
      const a = await login(svc);
      clock.advanceMinutes(1);
      const b = await login(svc);
      clock.advanceMinutes(5);
      const touchedA = service.touch(a.session);
      expect(touchedA.latestAccessTime).toBe(clock.now());
      const c = await login(svc);
      return { a, b, c };
    };

    it('DESTROY_OLDEST_SESSION: the oldest session goes, even when it expires last', async () => {
      const { a, b, c } = await crowd('DESTROY_OLDEST_SESSION');
      expect(await service.resolve(a.token)).toBeUndefined();
      expect(await service.resolve(b.token)).toBeDefined();
      expect(await service.resolve(c.token)).toBeDefined();
      expect(await liveIds()).toEqual([b.session.id, c.session.id].sort());
    });

    it('DESTROY_NEXT_EXPIRING: the session expiring first goes, even when it is not the oldest', async () => {
      const { a, b, c } = await crowd('DESTROY_NEXT_EXPIRING');
      expect(await service.resolve(b.token)).toBeUndefined();
      expect(await service.resolve(a.token)).toBeDefined();
      expect(await service.resolve(c.token)).toBeDefined();
    });

    it('DESTROY_ALL: every other session goes', async () => {
      const { a, b, c } = await crowd('DESTROY_ALL');
      expect(await service.resolve(a.token)).toBeUndefined();
      expect(await service.resolve(b.token)).toBeUndefined();
      expect(await service.resolve(c.token)).toBeDefined();
      expect(await liveIds()).toEqual([c.session.id]);
    });

    it('is inherited by sub-realms part by part, and can be switched off below', async () => {
      const svc = withQuota({ limit: 1, action: 'DESTROY_ALL' }, [
        { path: '/alpha/inner', session: { quota: { action: 'DENY_ACCESS' } } },
        { path: '/alpha/free', session: { quota: { enabled: false } } },
      ]);
      expect(quotaRealms.byPath('/alpha/inner')?.session.quota).toEqual({ limit: 1, action: 'DENY_ACCESS' });
      const innerUser = 'id=demo,ou=user,o=inner,o=alpha,ou=services,ou=am-config';
      await login(svc, '/alpha/inner', innerUser);
      await expect(login(svc, '/alpha/inner', innerUser)).rejects.toMatchObject({
        kind: 'SessionLimitReached',
      });
      const freeUser = 'id=demo,ou=user,o=free,o=alpha,ou=services,ou=am-config';
      await login(svc, '/alpha/free', freeUser);
      await login(svc, '/alpha/free', freeUser);
      expect(await service.listForUser(freeUser)).toHaveLength(2);
    });
  });

  describe('byHandle', () => {
    it('returns the live session with that handle', async () => {
      await createDemo();
      const { session } = await createDemo();
      expect(await service.byHandle(session.sessionHandle)).toEqual(expect.objectContaining(session));
    });

    it('returns undefined once the session has expired, though it is still stored', async () => {
      const { session } = await createDemo();
      clock.advance(30 * MINUTE - 1);
      expect(await service.byHandle(session.sessionHandle)).toBeDefined();
      clock.advance(1);
      expect(await service.byHandle(session.sessionHandle)).toBeUndefined();
      expect(await store.getByHandle(session.sessionHandle)).toBeDefined();
    });

    it('returns undefined for an unknown handle and after logout', async () => {
      const { session } = await createDemo();
      expect(await service.byHandle('shandle:unknown')).toBeUndefined();
      expect(await service.byHandle(session.id)).toBeUndefined();
      await service.destroy(session);
      expect(await service.byHandle(session.sessionHandle)).toBeUndefined();
    });
  });

  describe('listForUser', () => {
    const DEMO = 'id=demo,ou=user,o=alpha,ou=services,ou=am-config';

    it("returns the user's live sessions only, oldest first, whatever the case of the id", async () => {
      const expired = await createDemo();
      clock.advanceMinutes(10);
      const a = await createDemo();
      clock.advanceMinutes(1);
      const b = await service.create({ universalId: DEMO.toUpperCase(), username: 'demo', realm: alpha });
      await service.create({
        universalId: 'id=other,ou=user,o=alpha,ou=services,ou=am-config',
        username: 'o',
        realm: alpha,
      });
      clock.advanceMinutes(19); // the first expires exactly now
      expect(await store.get(expired.session.id)).toBeDefined();
      for (const query of [DEMO, DEMO.toUpperCase()]) {
        expect(
          (await service.listForUser(query)).map((s) => s.id),
          query,
        ).toEqual([a.session.id, b.session.id]);
      }
    });

    it('returns an empty list for a user without live sessions', async () => {
      await createDemo();
      clock.advanceMinutes(30);
      expect(await service.listForUser(DEMO)).toEqual([]);
    });
  });

  describe('listInRealm', () => {
    it('returns live sessions of exactly that realm, oldest first, at most limit', async () => {
      const short = registry.byPath('/short') as Realm;
      const a = await createDemo();
      clock.advanceMinutes(1);
      await service.create({
        universalId: 'id=x,ou=user,o=short,ou=services,ou=am-config',
        username: 'x',
        realm: short,
      });
      clock.advanceMinutes(1);
      const b = await createDemo();
      clock.advanceMinutes(1);
      const c = await createDemo();
      expect((await service.listInRealm('/alpha', 10)).map((s) => s.id)).toEqual([
        a.session.id,
        b.session.id,
        c.session.id,
      ]);
      expect((await service.listInRealm('/ALPHA', 2)).map((s) => s.id)).toEqual([a.session.id, b.session.id]);
      clock.advanceMinutes(28); // a expires exactly now
      expect((await service.listInRealm('/alpha', 10)).map((s) => s.id)).toEqual([
        b.session.id,
        c.session.id,
      ]);
      expect(store.calls.filter((call) => call.method === 'listByRealm').at(-1)?.args).toEqual([
        '/alpha',
        clock.now(),
        10,
      ]);
    });
  });

  describe('destroyAllOf', () => {
    it("ends every session of the user and returns how many there were; other users' remain", async () => {
      const a = await createDemo();
      const b = await createDemo();
      const other = await service.create({
        universalId: 'id=other,ou=user,o=alpha,ou=services,ou=am-config',
        username: 'other',
        realm: alpha,
      });
      expect(await service.destroyAllOf('ID=DEMO,ou=user,o=alpha,ou=services,ou=am-config')).toBe(2);
      expect(await service.resolve(a.token)).toBeUndefined();
      expect(await service.resolve(b.token)).toBeUndefined();
      expect(await service.resolve(other.token)).toBeDefined();
      expect(await service.destroyAllOf('id=demo,ou=user,o=alpha,ou=services,ou=am-config')).toBe(0);
    });
  });

  describe('setProperties', () => {
    it('merges the changes into the properties, persists them and returns the changed session', async () => {
      const { token, session } = await createDemo({ AuthLevel: '0', Mine: 'old' });
      const changed = await service.setProperties(session, { Mine: 'new', Added: 'x' });
      const expected = { ...session.properties, Mine: 'new', Added: 'x' };
      expect(changed).toEqual({ ...session, properties: expected });
      expect((await store.get(session.id))?.properties).toEqual(expected);
      expect((await service.resolve(token))?.properties).toEqual(expected);
    });

    it('keeps earlier changes when called again with the session it returned', async () => {
      const { session } = await createDemo();
      const once = (await service.setProperties(session, { A: '1' })) as Session;
      const twice = await service.setProperties(once, { B: '2' });
      expect(twice?.properties).toMatchObject({ A: '1', B: '2' });
      expect((await store.get(session.id))?.properties).toMatchObject({ A: '1', B: '2' });
    });

    it('sets a property to the empty string with ""', async () => {
      const { session } = await createDemo({ Mine: 'value' });
      await service.setProperties(session, { Mine: '' });
      expect((await store.get(session.id))?.properties.Mine).toBe('');
    });

    it('changes nothing but the properties: no touch, same expiry', async () => {
      const { session } = await createDemo();
      clock.advanceMinutes(5);
      await service.setProperties(session, { A: '1' });
      const stored = await store.get(session.id);
      expect(stored?.latestAccessTime).toBe(start);
      expect(stored?.expiresAt).toBe(start + 30 * MINUTE);
    });

    it('returns undefined for a session that is gone, without recreating it', async () => {
      const { session } = await createDemo();
      await service.destroy(session);
      expect(await service.setProperties(session, { A: '1' })).toBeUndefined();
      expect(await store.get(session.id)).toBeUndefined();
    });
  });
});
