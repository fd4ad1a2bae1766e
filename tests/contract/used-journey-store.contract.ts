import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UsedJourneyStore } from '../../src/domain/authn/authn-service.js';

export interface UsedJourneyStoreHandle {
  store: UsedJourneyStore;
  close(): Promise<void>;
}

/** The shared contract of `UsedJourneyStore`: spend once (atomically), forget after expiry. */
export function describeUsedJourneyStore(
  name: string,
  makeStore: () => Promise<UsedJourneyStoreHandle>,
): void {
  describe(`UsedJourneyStore contract: ${name}`, () => {
    let handle: UsedJourneyStoreHandle;
    let store: UsedJourneyStore;

    beforeEach(async () => {
      handle = await makeStore();
      store = handle.store;
    });
    afterEach(async () => {
      await handle.close();
    });

    it('spends an id once: the first spend is true, every later one false', async () => {
      expect(await store.spend('otk-1', 10_000)).toBe(true);
      expect(await store.spend('otk-1', 10_000)).toBe(false);
      expect(await store.spend('otk-1', 99_000)).toBe(false);
      expect(await store.spend('otk-2', 10_000)).toBe(true);
    });

    it('lets exactly one of many concurrent spends of one id win', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => store.spend('race', 10_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('forgets only ids that expired before now, at most limit of them', async () => {
      await store.spend('old-1', 1_000);
      await store.spend('old-2', 2_000);
      await store.spend('edge', 5_000);
      await store.spend('young', 9_000);
      expect(await store.deleteExpired(5_000, 1)).toBe(1);
      expect(await store.deleteExpired(5_000, 10)).toBe(1);
      expect(await store.deleteExpired(5_000, 10)).toBe(0);
      // Still remembered: expiring exactly now is not "before now".
      expect(await store.spend('edge', 5_000)).toBe(false);
      expect(await store.spend('young', 9_000)).toBe(false);
      expect(await store.spend('old-1', 1_000)).toBe(true);
    });
  });
}
