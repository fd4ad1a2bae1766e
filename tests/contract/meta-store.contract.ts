import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetaStore } from '../../src/domain/meta-store.js';

export interface MetaStoreHandle {
  store: MetaStore;
  close(): Promise<void>;
}

/** The shared contract of `MetaStore` (src/domain/meta-store.ts): an atomic, first-write-wins getOrSet. */
export function describeMetaStore(name: string, makeStore: () => Promise<MetaStoreHandle>): void {
  describe(`MetaStore contract: ${name}`, () => {
    let handle: MetaStoreHandle;
    let store: MetaStore;

    beforeEach(async () => {
      handle = await makeStore();
      store = handle.store;
    });
    afterEach(async () => {
      await handle.close();
    });

    it('stores and returns the value when the key is new', async () => {
      expect(await store.getOrSet('journeySecret', 'first')).toBe('first');
    });

    it('keeps the first value: later calls get it back whatever value they offer', async () => {
      expect(await store.getOrSet('journeySecret', 'first')).toBe('first');
      expect(await store.getOrSet('journeySecret', 'second')).toBe('first');
      expect(await store.getOrSet('journeySecret', 'first')).toBe('first');
      expect(await store.getOrSet('journeySecret', '')).toBe('first');
    });

    it('keeps keys apart', async () => {
      expect(await store.getOrSet('a', 'value-a')).toBe('value-a');
      expect(await store.getOrSet('b', 'value-b')).toBe('value-b');
      expect(await store.getOrSet('a', 'other')).toBe('value-a');
      expect(await store.getOrSet('b', 'other')).toBe('value-b');
    });

    it('keeps values exactly (long, non-ASCII, JSON-looking)', async () => {
      const values = ['x'.repeat(10_000), 'ɗëɱø — ✓', '{"a":[1,2]}', ' spaced '];
      for (const [i, value] of values.entries()) {
        expect(await store.getOrSet(`k${i}`, value)).toBe(value);
        expect(await store.getOrSet(`k${i}`, 'other')).toBe(value);
      }
    });

    it('is atomic: concurrent first calls all get one and the same value, which then stays', async () => {
      const offered = Array.from({ length: 20 }, (_, i) => `candidate-${i}`);
      const answers = await Promise.all(offered.map((value) => store.getOrSet('race', value)));
      const winner = answers[0] as string;
      expect(offered).toContain(winner);
      expect(new Set(answers)).toEqual(new Set([winner]));
      expect(await store.getOrSet('race', 'late')).toBe(winner);
    });
  });
}
