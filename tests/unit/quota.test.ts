import { describe, expect, it } from 'vitest';
import type { QuotaAction } from '../../src/domain/sessions/store.js';
import { chooseEvictions, type LiveSessionKey } from '../../src/stores/quota.js';

const ACTIONS: readonly QuotaAction[] = [
  'DENY_ACCESS',
  'DESTROY_NEXT_EXPIRING',
  'DESTROY_OLDEST_SESSION',
  'DESTROY_ALL',
];

const key = (id: string, creationTime: number, expiresAt: number): LiveSessionKey => ({
  id,
  creationTime,
  expiresAt,
});

/** Creation order a, b, c, d; expiry order c, a, d, b. */
const FOUR: readonly LiveSessionKey[] = [key('a', 1, 20), key('b', 2, 40), key('c', 3, 10), key('d', 4, 30)];

/** Every ordering of `items`. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('chooseEvictions', () => {
  describe('with room (fewer live sessions than the limit)', () => {
    for (const action of ACTIONS) {
      it(`${action}: evicts nothing`, () => {
        expect(chooseEvictions([], { limit: 1, action })).toEqual([]);
        expect(chooseEvictions(FOUR, { limit: 5, action })).toEqual([]);
        expect(chooseEvictions(FOUR.slice(0, 1), { limit: 2, action })).toEqual([]);
      });
    }
  });

  describe('at the limit', () => {
    it('DENY_ACCESS: denies (undefined)', () => {
      expect(chooseEvictions(FOUR, { limit: 4, action: 'DENY_ACCESS' })).toBeUndefined();
      expect(chooseEvictions(FOUR.slice(0, 1), { limit: 1, action: 'DENY_ACCESS' })).toBeUndefined();
    });

    it('DESTROY_NEXT_EXPIRING: the one with the earliest expiresAt', () => {
      expect(chooseEvictions(FOUR, { limit: 4, action: 'DESTROY_NEXT_EXPIRING' })).toEqual(['c']);
    });

    it('DESTROY_OLDEST_SESSION: the one with the earliest creationTime', () => {
      expect(chooseEvictions(FOUR, { limit: 4, action: 'DESTROY_OLDEST_SESSION' })).toEqual(['a']);
    });

    it('DESTROY_ALL: all of them', () => {
      expect(chooseEvictions(FOUR, { limit: 4, action: 'DESTROY_ALL' })?.sort()).toEqual([
        'a',
        'b',
        'c',
        'd',
      ]);
    });

    it('with limit 1: the single session, except under DENY_ACCESS', () => {
      const one = [key('only', 5, 5)];
      for (const action of ['DESTROY_NEXT_EXPIRING', 'DESTROY_OLDEST_SESSION', 'DESTROY_ALL'] as const) {
        expect(chooseEvictions(one, { limit: 1, action }), action).toEqual(['only']);
      }
    });
  });

  describe('above the limit: evicts enough to leave limit - 1', () => {
    it('DESTROY_NEXT_EXPIRING: the earliest expiring ones', () => {
      // Expiry order c, a, d, b: four live with limit 2 leave one, so three go.
      expect(chooseEvictions(FOUR, { limit: 2, action: 'DESTROY_NEXT_EXPIRING' })?.sort()).toEqual([
        'a',
        'c',
        'd',
      ]);
      expect(chooseEvictions(FOUR, { limit: 1, action: 'DESTROY_NEXT_EXPIRING' })?.sort()).toEqual([
        'a',
        'b',
        'c',
        'd',
      ]);
      expect(chooseEvictions(FOUR, { limit: 3, action: 'DESTROY_NEXT_EXPIRING' })?.sort()).toEqual([
        'a',
        'c',
      ]);
    });

    it('DESTROY_OLDEST_SESSION: the oldest ones', () => {
      expect(chooseEvictions(FOUR, { limit: 2, action: 'DESTROY_OLDEST_SESSION' })?.sort()).toEqual([
        'a',
        'b',
        'c',
      ]);
      expect(chooseEvictions(FOUR, { limit: 3, action: 'DESTROY_OLDEST_SESSION' })?.sort()).toEqual([
        'a',
        'b',
      ]);
    });

    it('DESTROY_ALL: all of them; DENY_ACCESS: denies', () => {
      expect(chooseEvictions(FOUR, { limit: 2, action: 'DESTROY_ALL' })?.sort()).toEqual([
        'a',
        'b',
        'c',
        'd',
      ]);
      expect(chooseEvictions(FOUR, { limit: 2, action: 'DENY_ACCESS' })).toBeUndefined();
    });

    it('never evicts an id twice, and only ids it was given', () => {
      for (const action of ACTIONS) {
        for (let limit = 1; limit <= 5; limit += 1) {
          const evicted = chooseEvictions(FOUR, { limit, action }) ?? [];
          expect(new Set(evicted).size, `${action} ${limit}`).toBe(evicted.length);
          for (const id of evicted) expect(['a', 'b', 'c', 'd']).toContain(id);
          if (action !== 'DENY_ACCESS' && limit <= 4) {
            expect(FOUR.length - evicted.length, `${action} ${limit}`).toBe(
              action === 'DESTROY_ALL' ? 0 : limit - 1,
            );
          }
        }
      }
    });
  });

  describe('choosing alike in every store', () => {
    /** Ties on both keys: only the id can decide. */
    const TIED: readonly LiveSessionKey[] = [
      key('q', 7, 70),
      key('m', 7, 70),
      key('x', 7, 70),
      key('early', 9, 50),
    ];

    for (const action of ['DESTROY_NEXT_EXPIRING', 'DESTROY_OLDEST_SESSION'] as const) {
      it(`${action}: the answer does not depend on the order the store lists sessions in`, () => {
        for (const limit of [2, 3, 4]) {
          const answers = new Set(
            permutations(TIED).map((order) =>
              JSON.stringify(chooseEvictions(order, { limit, action })?.slice().sort()),
            ),
          );
          expect(answers.size, `limit ${limit}`).toBe(1);
        }
      });
    }

    it('breaks ties on the key by id', () => {
      // Equal expiresAt: the lowest id goes first.
      expect(
        chooseEvictions([key('s2', 1, 10), key('s1', 2, 10)], { limit: 2, action: 'DESTROY_NEXT_EXPIRING' }),
      ).toEqual(['s1']);
      // Equal creationTime: the lowest id goes first.
      expect(
        chooseEvictions([key('s2', 1, 10), key('s1', 1, 20)], { limit: 2, action: 'DESTROY_OLDEST_SESSION' }),
      ).toEqual(['s1']);
    });

    it('does not reorder or change the list it is given', () => {
      const live = Object.freeze(FOUR.map((k) => Object.freeze({ ...k })));
      for (const action of ACTIONS) chooseEvictions(live, { limit: 2, action });
      expect(live).toEqual(FOUR);
    });
  });
});
