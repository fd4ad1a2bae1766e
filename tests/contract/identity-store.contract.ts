import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredIdentity } from '../../src/domain/identity/identity.js';
import type { IdentityStore } from '../../src/domain/identity/store.js';

export interface IdentityStoreHandle {
  store: IdentityStore;
  close(): Promise<void>;
}

const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);

export function storedIdentity(
  realm: string,
  username: string,
  overrides: Partial<StoredIdentity> = {},
): StoredIdentity {
  return {
    realm,
    username,
    universalId: `id=${username},ou=user,o=${realm.slice(1) || 'root'},ou=services,ou=am-config`,
    status: 'Active',
    attributes: { mail: [`${username}@example.com`], cn: [username, `${username} (2)`] },
    createTime: T0,
    modifyTime: T0,
    passwordHash: `$argon2id$v=19$m=1024,t=1,p=1$${username}$hash`,
    ...overrides,
  };
}

/**
 * The shared contract of `IdentityStore` (src/domain/identity/store.ts): user names are
 * case-insensitive within a realm, insert refuses duplicates, list is per realm and ordered.
 */
export function describeIdentityStore(name: string, makeStore: () => Promise<IdentityStoreHandle>): void {
  describe(`IdentityStore contract: ${name}`, () => {
    let handle: IdentityStoreHandle;
    let store: IdentityStore;

    beforeEach(async () => {
      handle = await makeStore();
      store = handle.store;
    });
    afterEach(async () => {
      await handle.close();
    });

    describe('insert / get', () => {
      it('returns every field of an inserted identity', async () => {
        const alice = storedIdentity('/alpha', 'alice');
        expect(await store.insert(alice)).toBe(true);
        expect(await store.get('/alpha', 'alice')).toEqual(alice);
      });

      it('keeps an identity without a password hash and with no attributes', async () => {
        const service = storedIdentity('/alpha', 'service', {
          passwordHash: undefined,
          attributes: {},
          status: 'Inactive',
        });
        expect(await store.insert(service)).toBe(true);
        const got = await store.get('/alpha', 'service');
        expect(got?.passwordHash).toBeUndefined();
        expect(got?.attributes).toEqual({});
        expect(got?.status).toBe('Inactive');
      });

      it('returns undefined for an unknown user, and for a user of another realm', async () => {
        await store.insert(storedIdentity('/alpha', 'alice'));
        expect(await store.get('/alpha', 'bob')).toBeUndefined();
        expect(await store.get('/bravo', 'alice')).toBeUndefined();
      });

      it('finds a user whatever the case of the name, keeping the stored spelling', async () => {
        await store.insert(storedIdentity('/alpha', 'Alice'));
        for (const spelling of ['Alice', 'alice', 'ALICE', 'aLiCe']) {
          const got = await store.get('/alpha', spelling);
          expect(got, spelling).toBeDefined();
          expect(got?.username).toBe('Alice');
        }
      });

      it('returns false and changes nothing for a duplicate name in the same realm, in any case', async () => {
        const original = storedIdentity('/alpha', 'alice');
        expect(await store.insert(original)).toBe(true);
        const twin = storedIdentity('/alpha', 'alice', { status: 'Inactive', attributes: { mail: ['x'] } });
        expect(await store.insert(twin)).toBe(false);
        const upper = storedIdentity('/alpha', 'ALICE', { passwordHash: 'other' });
        expect(await store.insert(upper)).toBe(false);
        expect(await store.get('/alpha', 'alice')).toEqual(original);
        expect(await store.count()).toBe(1);
        expect(await store.list('/alpha')).toEqual([original]);
      });

      it('allows the same name in two realms, as separate users', async () => {
        const a = storedIdentity('/alpha', 'alice');
        const b = storedIdentity('/bravo', 'alice', { status: 'Inactive' });
        expect(await store.insert(a)).toBe(true);
        expect(await store.insert(b)).toBe(true);
        expect(await store.get('/alpha', 'alice')).toEqual(a);
        expect(await store.get('/bravo', 'alice')).toEqual(b);
      });
    });

    describe('update', () => {
      it('replaces the record and returns true', async () => {
        await store.insert(storedIdentity('/alpha', 'alice'));
        const changed = storedIdentity('/alpha', 'alice', {
          status: 'Inactive',
          passwordHash: 'new-hash',
          attributes: { mail: ['new@example.com'] },
          modifyTime: T0 + 1000,
        });
        expect(await store.update(changed)).toBe(true);
        expect(await store.get('/alpha', 'alice')).toEqual(changed);
      });

      it('can remove the password hash', async () => {
        await store.insert(storedIdentity('/alpha', 'alice'));
        expect(await store.update(storedIdentity('/alpha', 'alice', { passwordHash: undefined }))).toBe(true);
        expect((await store.get('/alpha', 'alice'))?.passwordHash).toBeUndefined();
      });

      it('finds the user whatever the case of the name', async () => {
        await store.insert(storedIdentity('/alpha', 'alice'));
        expect(await store.update(storedIdentity('/alpha', 'ALICE', { status: 'Inactive' }))).toBe(true);
        expect((await store.get('/alpha', 'alice'))?.status).toBe('Inactive');
        expect(await store.count()).toBe(1);
      });

      it('returns false and creates nothing when there is no such user', async () => {
        await store.insert(storedIdentity('/alpha', 'alice'));
        expect(await store.update(storedIdentity('/alpha', 'bob'))).toBe(false);
        expect(await store.update(storedIdentity('/bravo', 'alice'))).toBe(false);
        expect(await store.get('/alpha', 'bob')).toBeUndefined();
        expect(await store.get('/bravo', 'alice')).toBeUndefined();
        expect(await store.count()).toBe(1);
      });

      it('changes only that realm', async () => {
        const bravo = storedIdentity('/bravo', 'alice');
        await store.insert(storedIdentity('/alpha', 'alice'));
        await store.insert(bravo);
        await store.update(storedIdentity('/alpha', 'alice', { status: 'Inactive' }));
        expect(await store.get('/bravo', 'alice')).toEqual(bravo);
      });
    });

    describe('delete', () => {
      it('removes the user and returns true, then false', async () => {
        await store.insert(storedIdentity('/alpha', 'alice'));
        expect(await store.delete('/alpha', 'alice')).toBe(true);
        expect(await store.get('/alpha', 'alice')).toBeUndefined();
        expect(await store.delete('/alpha', 'alice')).toBe(false);
      });

      it('finds the user whatever the case of the name', async () => {
        await store.insert(storedIdentity('/alpha', 'Alice'));
        expect(await store.delete('/alpha', 'aLICE')).toBe(true);
        expect(await store.get('/alpha', 'Alice')).toBeUndefined();
      });

      it('returns false for an unknown user and leaves other realms alone', async () => {
        const bravo = storedIdentity('/bravo', 'alice');
        await store.insert(bravo);
        expect(await store.delete('/alpha', 'alice')).toBe(false);
        expect(await store.get('/bravo', 'alice')).toEqual(bravo);
      });

      it('frees the name for a new insert', async () => {
        await store.insert(storedIdentity('/alpha', 'alice'));
        await store.delete('/alpha', 'alice');
        expect(await store.insert(storedIdentity('/alpha', 'ALICE'))).toBe(true);
        expect((await store.get('/alpha', 'alice'))?.username).toBe('ALICE');
      });
    });

    describe('list', () => {
      it('returns the users of one realm only, ordered by user name (case-insensitively)', async () => {
        for (const [realm, username] of [
          ['/alpha', 'carol'],
          ['/bravo', 'aaron'],
          ['/alpha', 'Alice'],
          ['/alpha', 'dave2'],
          ['/alpha', 'bob'],
          ['/bravo', 'zed'],
          ['/alpha', 'Dave1'],
          ['/', 'amAdmin'],
        ] as const) {
          expect(await store.insert(storedIdentity(realm, username))).toBe(true);
        }
        expect((await store.list('/alpha')).map((i) => i.username)).toEqual([
          'Alice',
          'bob',
          'carol',
          'Dave1',
          'dave2',
        ]);
        expect((await store.list('/bravo')).map((i) => i.username)).toEqual(['aaron', 'zed']);
        expect((await store.list('/')).map((i) => i.username)).toEqual(['amAdmin']);
      });

      it('returns whole records', async () => {
        const alice = storedIdentity('/alpha', 'alice');
        await store.insert(alice);
        expect(await store.list('/alpha')).toEqual([alice]);
      });

      it('returns an empty list for a realm without users', async () => {
        await store.insert(storedIdentity('/alpha', 'alice'));
        expect(await store.list('/bravo')).toEqual([]);
      });

      it('reflects deletes', async () => {
        await store.insert(storedIdentity('/alpha', 'alice'));
        await store.insert(storedIdentity('/alpha', 'bob'));
        await store.delete('/alpha', 'alice');
        expect((await store.list('/alpha')).map((i) => i.username)).toEqual(['bob']);
      });
    });

    describe('count', () => {
      it('is 0 on a new store (a first boot)', async () => {
        expect(await store.count()).toBe(0);
      });

      it('counts identities of all realms, and follows inserts and deletes', async () => {
        await store.insert(storedIdentity('/', 'amAdmin'));
        await store.insert(storedIdentity('/alpha', 'alice'));
        await store.insert(storedIdentity('/bravo', 'alice'));
        expect(await store.count()).toBe(3);
        await store.insert(storedIdentity('/alpha', 'Alice')); // duplicate: refused
        expect(await store.count()).toBe(3);
        await store.delete('/bravo', 'alice');
        expect(await store.count()).toBe(2);
      });
    });
  });
}
