import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { mintSessionToken, sha256 } from '../../src/core/tokens.js';
import type { Realm } from '../../src/domain/realms/realm.js';
import type { RealmRegistry } from '../../src/domain/realms/realm-registry.js';
import type { Session } from '../../src/domain/sessions/session.js';
import { SessionService } from '../../src/domain/sessions/session-service.js';
import { MemorySessionStore } from '../../src/stores/memory/index.js';
import { type RecordingSessionStore, realms, recordCalls, replaceAt } from './fixtures.js';

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
      const touched = await service.touch(session);
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
        await service.touch(live as Session);
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
        current = await service.touch(current);
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
        const result = await service.touch(session);
        expect(result.latestAccessTime, `${seconds} s`).toBe(start);
      }
      expect(store.count('touch')).toBe(0);
      expect((await store.get(session.id))?.latestAccessTime).toBe(start);
    });

    it('writes once more than 60 s have passed, with the new expiry', async () => {
      const { session } = await createDemo();
      clock.advance(60 * SECOND + 1);
      const touched = await service.touch(session);
      expect(touched.latestAccessTime).toBe(start + 60 * SECOND + 1);
      expect(store.count('touch')).toBe(1);
      const stored = await store.get(session.id);
      expect(stored?.latestAccessTime).toBe(start + 60 * SECOND + 1);
      expect(stored?.expiresAt).toBe(start + 60 * SECOND + 1 + 30 * MINUTE);
    });

    it('counts the next window from the recorded access', async () => {
      const { session } = await createDemo();
      clock.advanceSeconds(61);
      const touched = await service.touch(session);
      clock.advanceSeconds(60);
      expect((await service.touch(touched)).latestAccessTime).toBe(touched.latestAccessTime);
      expect(store.count('touch')).toBe(1);
      clock.advance(1);
      expect((await service.touch(touched)).latestAccessTime).toBe(clock.now());
      expect(store.count('touch')).toBe(2);
    });

    it('follows a configured update frequency of 0: every later instant is written', async () => {
      const eager = new SessionService({ store, clock, updateFrequencySeconds: 0 });
      const { session } = await eager.create({ universalId: 'u', username: 'demo', realm: alpha });
      expect((await eager.touch(session)).latestAccessTime).toBe(start);
      clock.advance(1);
      expect((await eager.touch(session)).latestAccessTime).toBe(start + 1);
    });

    it('returns the unchanged session and does not recreate it when it was deleted meanwhile', async () => {
      const { session } = await createDemo();
      await service.destroy(session);
      clock.advanceMinutes(5);
      const result = await service.touch(session);
      expect(result).toEqual(session);
      expect(await store.get(session.id)).toBeUndefined();
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

  it('now() reads the clock', () => {
    clock.advance(1234);
    expect(service.now()).toBe(start + 1234);
  });
});
