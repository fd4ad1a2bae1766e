import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LockoutStore } from '../../src/domain/authn/lockout.js';

export interface LockoutStoreHandle {
  store: LockoutStore;
  close(): Promise<void>;
}

/** The shared contract of `LockoutStore`: atomic per-user failure counts, case-insensitive, resettable. */
export function describeLockoutStore(name: string, makeStore: () => Promise<LockoutStoreHandle>): void {
  describe(`LockoutStore contract: ${name}`, () => {
    let handle: LockoutStoreHandle;
    let store: LockoutStore;

    beforeEach(async () => {
      handle = await makeStore();
      store = handle.store;
    });
    afterEach(async () => {
      await handle.close();
    });

    it('counts failures per realm and user, user names and realms case-insensitively', async () => {
      expect(await store.increment('/alpha', 'demo')).toBe(1);
      expect(await store.increment('/alpha', 'DEMO')).toBe(2);
      expect(await store.increment('/ALPHA', 'Demo')).toBe(3);
      expect(await store.increment('/bravo', 'demo')).toBe(1);
      expect(await store.increment('/alpha', 'other')).toBe(1);
    });

    it('counts every one of many concurrent failures', async () => {
      const counts = await Promise.all(Array.from({ length: 30 }, () => store.increment('/alpha', 'demo')));
      expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    });

    it('starts again from one after a reset, and leaves other users alone', async () => {
      await store.increment('/alpha', 'demo');
      await store.increment('/alpha', 'demo');
      await store.increment('/alpha', 'other');
      await store.reset('/alpha', 'Demo');
      expect(await store.increment('/alpha', 'demo')).toBe(1);
      expect(await store.increment('/alpha', 'other')).toBe(2);
      await store.reset('/alpha', 'nobody');
    });
  });
}
