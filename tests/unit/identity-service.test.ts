import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { AnvilError } from '../../src/domain/errors.js';
import { isSuperUser, universalIdOf } from '../../src/domain/identity/identity.js';
import { IdentityService } from '../../src/domain/identity/identity-service.js';
import type { Realm } from '../../src/domain/realms/realm.js';
import { MemoryIdentityStore } from '../../src/stores/memory/index.js';
import { FakeHasher, realms } from './fixtures.js';

async function rejection(promise: Promise<unknown>): Promise<AnvilError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AnvilError) return error;
    throw error;
  }
  throw new Error('expected an AnvilError');
}

describe('IdentityService', () => {
  let clock: ManualClock;
  let store: MemoryIdentityStore;
  let hasher: FakeHasher;
  let service: IdentityService;
  let root: Realm;
  let alpha: Realm;
  let bravo: Realm;

  beforeEach(() => {
    clock = new ManualClock();
    store = new MemoryIdentityStore();
    hasher = new FakeHasher();
    service = new IdentityService({ store, hasher, clock });
    const registry = realms();
    root = registry.root;
    alpha = registry.byPath('/alpha') as Realm;
    bravo = registry.byPath('/bravo') as Realm;
  });

  describe('create', () => {
    it('creates an active user with a universal id, times, and a hashed password', async () => {
      const identity = await service.create(alpha, {
        username: 'demo',
        password: 'Ch4ng31t!',
        attributes: { mail: ['demo@example.com'] },
      });
      expect(identity).toEqual({
        realm: '/alpha',
        username: 'demo',
        universalId: 'id=demo,ou=user,o=alpha,ou=services,ou=am-config',
        status: 'Active',
        attributes: { mail: ['demo@example.com'] },
        createTime: clock.now(),
        modifyTime: clock.now(),
      });
      expect(identity).not.toHaveProperty('passwordHash');
      const stored = await store.get('/alpha', 'demo');
      expect(stored?.passwordHash).toBeDefined();
      expect(stored?.passwordHash).not.toContain('Ch4ng31t!');
      expect(await hasher.verify(stored?.passwordHash as string, 'Ch4ng31t!')).toBe(true);
    });

    it('creates a user without a password, and an inactive one', async () => {
      await service.create(alpha, { username: 'nopass' });
      expect((await store.get('/alpha', 'nopass'))?.passwordHash).toBeUndefined();
      expect((await service.create(alpha, { username: 'off', status: 'Inactive' })).status).toBe('Inactive');
    });

    it('uses the root realm DN for root users; amAdmin is the super user', async () => {
      const admin = await service.create(root, { username: 'amAdmin', password: 'x' });
      expect(admin.universalId).toBe('id=amAdmin,ou=user,ou=am-config');
      expect(isSuperUser(admin.universalId)).toBe(true);
      expect(isSuperUser(admin.universalId.toUpperCase())).toBe(true);
      expect(isSuperUser(universalIdOf('amAdmin', alpha))).toBe(false);
    });

    it('refuses a duplicate name in the same realm, in any case, with IdentityExists', async () => {
      await service.create(alpha, { username: 'demo', password: 'a' });
      for (const username of ['demo', 'DEMO']) {
        const error = await rejection(service.create(alpha, { username, password: 'b' }));
        expect(error.kind).toBe('IdentityExists');
        expect(error.message).toContain(username);
      }
      // The original password still works.
      expect((await service.checkCredentials(alpha, 'demo', 'a')).outcome).toBe('success');
    });

    it('allows the same name in another realm', async () => {
      await service.create(alpha, { username: 'demo', password: 'a' });
      await expect(service.create(bravo, { username: 'demo', password: 'b' })).resolves.toMatchObject({
        realm: '/bravo',
      });
      expect(await service.count()).toBe(2);
    });

    it('refuses invalid user names with BadRequest', async () => {
      for (const username of ['', 'a b', 'a,b', 'a=b', 'a/b', 'a\\b', 'a"b', 'a+b', 'x'.repeat(256)]) {
        const error = await rejection(service.create(alpha, { username }));
        expect(error.kind, JSON.stringify(username)).toBe('BadRequest');
      }
      expect(await service.count()).toBe(0);
    });
  });

  describe('get, list, delete', () => {
    it('gets a user case-insensitively, without the password hash', async () => {
      await service.create(alpha, { username: 'Demo', password: 'a' });
      const found = await service.get(alpha, 'dEMO');
      expect(found?.username).toBe('Demo');
      expect(found).not.toHaveProperty('passwordHash');
      expect(await service.get(bravo, 'demo')).toBeUndefined();
    });

    it('lists the users of a realm without password hashes', async () => {
      await service.create(alpha, { username: 'b', password: 'x' });
      await service.create(alpha, { username: 'a', password: 'x' });
      await service.create(bravo, { username: 'c', password: 'x' });
      const list = await service.list(alpha);
      expect(list.map((i) => i.username)).toEqual(['a', 'b']);
      for (const identity of list) expect(identity).not.toHaveProperty('passwordHash');
    });

    it('deletes a user and refuses an unknown one with IdentityNotFound', async () => {
      await service.create(alpha, { username: 'demo', password: 'a' });
      expect((await service.delete(alpha, 'DEMO')).username).toBe('demo');
      expect(await service.get(alpha, 'demo')).toBeUndefined();
      expect((await rejection(service.delete(alpha, 'demo'))).kind).toBe('IdentityNotFound');
    });
  });

  describe('update', () => {
    it('changes the password: the old one fails, the new one works', async () => {
      await service.create(alpha, { username: 'demo', password: 'old-password' });
      await service.update(alpha, 'demo', { password: 'new-password' });
      expect((await service.checkCredentials(alpha, 'demo', 'old-password')).outcome).toBe('failure');
      expect((await service.checkCredentials(alpha, 'demo', 'new-password')).outcome).toBe('success');
    });

    it('changes the status, keeps the rest, and moves modifyTime only', async () => {
      const created = await service.create(alpha, {
        username: 'demo',
        password: 'pw',
        attributes: { mail: ['d@example.com'] },
      });
      clock.advanceMinutes(5);
      const updated = await service.update(alpha, 'demo', { status: 'Inactive' });
      expect(updated).toEqual({
        ...created,
        status: 'Inactive',
        modifyTime: created.createTime + 5 * 60_000,
      });
      expect((await service.checkCredentials(alpha, 'demo', 'pw')).outcome).toBe('inactive');
      await service.update(alpha, 'demo', { status: 'Active' });
      expect((await service.checkCredentials(alpha, 'demo', 'pw')).outcome).toBe('success');
    });

    it('does not rehash when the password is unchanged', async () => {
      await service.create(alpha, { username: 'demo', password: 'pw' });
      const before = (await store.get('/alpha', 'demo'))?.passwordHash;
      const hashes = hasher.hashes;
      await service.update(alpha, 'demo', { attributes: { cn: ['Demo'] } });
      expect(hasher.hashes).toBe(hashes);
      expect((await store.get('/alpha', 'demo'))?.passwordHash).toBe(before);
      expect((await service.get(alpha, 'demo'))?.attributes).toEqual({ cn: ['Demo'] });
    });

    it('refuses an unknown user with IdentityNotFound', async () => {
      const error = await rejection(service.update(alpha, 'ghost', { status: 'Inactive' }));
      expect(error.kind).toBe('IdentityNotFound');
      expect(await service.count()).toBe(0);
    });
  });

  describe('checkCredentials', () => {
    beforeEach(async () => {
      await service.create(alpha, { username: 'demo', password: 'Ch4ng31t!' });
      await service.create(alpha, { username: 'off', password: 'Ch4ng31t!', status: 'Inactive' });
      await service.create(alpha, { username: 'nopass' });
    });

    it('succeeds with the right password, returning the identity without its hash', async () => {
      const check = await service.checkCredentials(alpha, 'demo', 'Ch4ng31t!');
      expect(check.outcome).toBe('success');
      if (check.outcome !== 'success') return;
      expect(check.identity.universalId).toBe('id=demo,ou=user,o=alpha,ou=services,ou=am-config');
      expect(check.identity).not.toHaveProperty('passwordHash');
    });

    it('accepts the user name in any case', async () => {
      const check = await service.checkCredentials(alpha, 'DEMO', 'Ch4ng31t!');
      expect(check.outcome).toBe('success');
    });

    it('fails with a wrong password (passwords are case-sensitive)', async () => {
      expect(await service.checkCredentials(alpha, 'demo', 'wrong')).toEqual({ outcome: 'failure' });
      expect(await service.checkCredentials(alpha, 'demo', 'ch4ng31t!')).toEqual({ outcome: 'failure' });
      expect(await service.checkCredentials(alpha, 'demo', '')).toEqual({ outcome: 'failure' });
    });

    it('fails for an unknown user, a user of another realm, an empty name, a user without password', async () => {
      expect(await service.checkCredentials(alpha, 'ghost', 'Ch4ng31t!')).toEqual({ outcome: 'failure' });
      expect(await service.checkCredentials(bravo, 'demo', 'Ch4ng31t!')).toEqual({ outcome: 'failure' });
      expect(await service.checkCredentials(alpha, '', 'Ch4ng31t!')).toEqual({ outcome: 'failure' });
      expect(await service.checkCredentials(alpha, 'nopass', '')).toEqual({ outcome: 'failure' });
    });

    it('answers inactive only with the right password', async () => {
      const check = await service.checkCredentials(alpha, 'off', 'Ch4ng31t!');
      expect(check.outcome).toBe('inactive');
      expect(await service.checkCredentials(alpha, 'off', 'wrong')).toEqual({ outcome: 'failure' });
    });

    it('spends one verification on an unknown user, as on a known one', async () => {
      const before = hasher.verifications;
      await service.checkCredentials(alpha, 'demo', 'wrong');
      expect(hasher.verifications - before).toBe(1);
      await service.checkCredentials(alpha, 'ghost', 'wrong');
      expect(hasher.verifications - before).toBe(2);
      await service.checkCredentials(alpha, 'nopass', 'wrong');
      expect(hasher.verifications - before).toBe(3);
    });
  });
});
