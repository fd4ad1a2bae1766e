import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStores, type StoreLocation, type Stores } from '../../src/stores/index.js';
import { describeIdentityStore, storedIdentity } from './identity-store.contract.js';
import { describeMetaStore } from './meta-store.contract.js';
import { describeSessionStore, storedSession } from './session-store.contract.js';

interface Backend {
  name: string;
  /** Opens a fresh, empty set of stores. */
  open(): { stores: Stores; cleanup(): void };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'anvil-contract-'));
}

const backends: Backend[] = [
  { name: 'memory', open: () => ({ stores: createStores({ kind: 'memory' }), cleanup: () => {} }) },
  {
    name: 'sqlite (in memory)',
    open: () => ({ stores: createStores({ kind: 'sqlite-memory' }), cleanup: () => {} }),
  },
  {
    name: 'sqlite (data directory)',
    open: () => {
      const dataDir = tempDir();
      return {
        stores: createStores({ kind: 'sqlite', dataDir }),
        cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
      };
    },
  },
];

function opener<K extends 'sessions' | 'identities' | 'meta'>(backend: Backend, key: K) {
  return async () => {
    const { stores, cleanup } = backend.open();
    return {
      store: stores[key],
      close: async () => {
        await stores.close();
        cleanup();
      },
    };
  };
}

for (const backend of backends) {
  describeSessionStore(backend.name, opener(backend, 'sessions'));
  describeIdentityStore(backend.name, opener(backend, 'identities'));
  describeMetaStore(backend.name, opener(backend, 'meta'));
}

describe('SQLite on a data directory: data survives closing and reopening', () => {
  let dataDir: string;
  let location: StoreLocation;
  let open: Stores[];

  const reopen = (): Stores => {
    const stores = createStores(location);
    open.push(stores);
    return stores;
  };

  beforeEach(() => {
    dataDir = join(tempDir(), 'nested', 'data');
    location = { kind: 'sqlite', dataDir };
    open = [];
  });
  afterEach(async () => {
    for (const stores of open) await stores.close().catch(() => {});
    rmSync(join(dataDir, '..', '..'), { recursive: true, force: true });
  });

  it('keeps sessions, touches and deletes', async () => {
    const kept = storedSession();
    const touched = storedSession();
    const deleted = storedSession();
    const first = reopen();
    for (const s of [kept, touched, deleted]) await first.sessions.insert(s);
    await first.sessions.touch(touched.id, touched.latestAccessTime + 90_000, touched.expiresAt + 90_000);
    await first.sessions.delete(deleted.id);
    await first.close();

    const second = reopen();
    expect(await second.sessions.get(kept.id)).toEqual(kept);
    expect(await second.sessions.get(touched.id)).toEqual({
      ...touched,
      latestAccessTime: touched.latestAccessTime + 90_000,
      expiresAt: touched.expiresAt + 90_000,
    });
    expect(await second.sessions.get(deleted.id)).toBeUndefined();
    expect(await second.sessions.deleteExpired(kept.expiresAt, 10)).toBe(1);
    await second.close();

    const third = reopen();
    expect(await third.sessions.get(kept.id)).toBeUndefined();
    expect(await third.sessions.get(touched.id)).toBeDefined();
  });

  it('keeps identities, their updates and the case-insensitive uniqueness', async () => {
    const first = reopen();
    await first.identities.insert(storedIdentity('/', 'amAdmin'));
    await first.identities.insert(storedIdentity('/alpha', 'Alice'));
    await first.identities.update(storedIdentity('/alpha', 'Alice', { status: 'Inactive', modifyTime: 7 }));
    await first.close();

    const second = reopen();
    expect(await second.identities.count()).toBe(2);
    expect(await second.identities.get('/alpha', 'alice')).toEqual(
      storedIdentity('/alpha', 'Alice', { status: 'Inactive', modifyTime: 7 }),
    );
    expect(await second.identities.insert(storedIdentity('/alpha', 'ALICE'))).toBe(false);
    expect((await second.identities.list('/')).map((i) => i.username)).toEqual(['amAdmin']);
  });

  it('keeps the first meta value', async () => {
    const first = reopen();
    expect(await first.meta.getOrSet('journeySecret', 'first-boot')).toBe('first-boot');
    await first.close();

    const second = reopen();
    expect(await second.meta.getOrSet('journeySecret', 'second-boot')).toBe('first-boot');
  });

  it('creates the data directory and names it in the description', async () => {
    const stores = reopen();
    expect(stores.description).toContain(dataDir);
  });

  it('shares data between two stores open on the same directory at once', async () => {
    const a = reopen();
    const b = reopen();
    const session = storedSession();
    await a.sessions.insert(session);
    expect(await b.sessions.get(session.id)).toEqual(session);
    expect(await a.meta.getOrSet('k', 'from-a')).toBe('from-a');
    expect(await b.meta.getOrSet('k', 'from-b')).toBe('from-a');
  });
});

describe('memory and sqlite-memory stores keep nothing across instances', () => {
  for (const kind of ['memory', 'sqlite-memory'] as const) {
    it(`${kind}: a new instance starts empty`, async () => {
      const first = createStores({ kind });
      const session = storedSession();
      await first.sessions.insert(session);
      await first.identities.insert(storedIdentity('/alpha', 'alice'));
      await first.meta.getOrSet('k', 'v1');
      await first.close();
      const second = createStores({ kind });
      expect(await second.sessions.get(session.id)).toBeUndefined();
      expect(await second.identities.count()).toBe(0);
      expect(await second.meta.getOrSet('k', 'v2')).toBe('v2');
      await second.close();
    });
  }
});
