import { describe, expect, it } from 'vitest';
import type { StoredIdentity } from '../../src/domain/identity/identity.js';
import { RequestReads } from '../../src/domain/identity/request-reads.js';
import type { IdentityStore } from '../../src/domain/identity/store.js';
import { MemoryIdentityStore } from '../../src/stores/memory/index.js';

const demo: StoredIdentity = {
  realm: '/alpha',
  username: 'demo',
  universalId: 'id=demo,ou=user,o=alpha,ou=services,ou=am-config',
  status: 'Active',
  attributes: {},
  createTime: 1,
  modifyTime: 1,
  passwordHash: 'hash',
};

/** A store that counts the reads that reach it, and can be made to fail them. */
class CountingStore extends MemoryIdentityStore {
  reads = 0;
  failNext = false;
  override async get(realm: string, username: string): Promise<StoredIdentity | undefined> {
    this.reads += 1;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('store unavailable');
    }
    return super.get(realm, username);
  }
}

async function setUp(): Promise<{ store: CountingStore; reads: IdentityStore }> {
  const store = new CountingStore();
  await store.insert(demo);
  return { store, reads: new RequestReads(store) };
}

describe('RequestReads (one request’s view of the identity store)', () => {
  it('answers a second read of the same user from the first', async () => {
    const { store, reads } = await setUp();
    const first = await reads.get('/alpha', 'demo');
    const second = await reads.get('/alpha', 'demo');
    expect(first).toEqual(demo);
    expect(second).toBe(first);
    expect(store.reads).toBe(1);
  });

  it('knows the user by its stored spelling after a read by another spelling', async () => {
    const { store, reads } = await setUp();
    expect((await reads.get('/alpha', 'DEMO'))?.username).toBe('demo');
    expect((await reads.get('/alpha', 'demo'))?.username).toBe('demo');
    expect(store.reads).toBe(1);
    // A third spelling is a read of its own: names are never folded here.
    await reads.get('/alpha', 'Demo');
    expect(store.reads).toBe(2);
  });

  it('keeps users of different realms apart', async () => {
    const { store, reads } = await setUp();
    await store.insert({ ...demo, realm: '/bravo', universalId: 'id=demo,ou=user,o=bravo' });
    expect((await reads.get('/alpha', 'demo'))?.realm).toBe('/alpha');
    expect((await reads.get('/bravo', 'demo'))?.realm).toBe('/bravo');
    expect(store.reads).toBe(2);
  });

  it('forgets every read on a write through it, so the next read sees the change', async () => {
    const { store, reads } = await setUp();
    await reads.get('/alpha', 'demo');
    expect(await reads.update({ ...demo, status: 'Inactive' })).toBe(true);
    expect((await reads.get('/alpha', 'demo'))?.status).toBe('Inactive');
    expect(store.reads).toBe(2);
    expect(await reads.delete('/alpha', 'demo')).toBe(true);
    expect(await reads.get('/alpha', 'demo')).toBeUndefined();
    expect(await reads.insert(demo)).toBe(true);
    expect(await reads.get('/alpha', 'demo')).toEqual(demo);
    expect(store.reads).toBe(4);
  });

  it('does not keep a read that failed', async () => {
    const { store, reads } = await setUp();
    store.failNext = true;
    await expect(reads.get('/alpha', 'demo')).rejects.toThrow('store unavailable');
    expect(await reads.get('/alpha', 'demo')).toEqual(demo);
    expect(store.reads).toBe(2);
  });

  it('passes listings and counts through', async () => {
    const { reads } = await setUp();
    expect((await reads.list('/alpha')).map((i) => i.username)).toEqual(['demo']);
    expect(await reads.count()).toBe(1);
  });
});
