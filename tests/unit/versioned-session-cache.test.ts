import { describe, expect, it } from 'vitest';
import type { StoredSession } from '../../src/domain/sessions/session.js';
import { VersionedSessionCache } from '../../src/stores/postgres/session-cache.js';
import { storedSession } from '../contract/session-store.contract.js';

const session = (id: string): StoredSession => storedSession({ id });

/** A version check answering from `rows`, recording each batch it was asked. */
function database(rows: Map<string, string>) {
  const batches: string[][] = [];
  let failing = false;
  return {
    rows,
    batches,
    fail: () => {
      failing = true;
    },
    check: async (ids: readonly string[]) => {
      batches.push([...ids]);
      if (failing) throw new Error('connection lost');
      return new Map([...rows].filter(([id]) => ids.includes(id)));
    },
  };
}

describe('VersionedSessionCache', () => {
  it('serves a session whose row is still at the version it was read at', async () => {
    const db = database(new Map([['a', '100']]));
    const cache = new VersionedSessionCache(10, db.check);
    const s = cache.set(session('a'), '100');
    expect(await cache.fresh('a')).toEqual({ session: s });
    expect(Object.isFrozen(s)).toBe(true);
  });

  it('asks nothing for a session it does not hold', async () => {
    const db = database(new Map());
    const cache = new VersionedSessionCache(10, db.check);
    expect(await cache.fresh('a')).toBeUndefined();
    expect(db.batches).toEqual([]);
  });

  it('checks the lookups of one turn in one batch, and a later lookup in a new one', async () => {
    const db = database(
      new Map([
        ['a', '1'],
        ['b', '2'],
      ]),
    );
    const cache = new VersionedSessionCache(10, db.check);
    cache.set(session('a'), '1');
    cache.set(session('b'), '2');
    const turn = await Promise.all([cache.fresh('a'), cache.fresh('b'), cache.fresh('a')]);
    expect(turn.every((answer) => answer?.session !== undefined)).toBe(true);
    expect(db.batches).toEqual([['a', 'b']]);
    await cache.fresh('a');
    expect(db.batches).toHaveLength(2);
  });

  it('sends one check at a time: lookups while one is out go together in the next', async () => {
    const asked: string[][] = [];
    const answers: (() => void)[] = [];
    const cache = new VersionedSessionCache(10, (ids) => {
      asked.push([...ids]);
      return new Promise((resolve) => answers.push(() => resolve(new Map(ids.map((id) => [id, '1'])))));
    });
    for (const id of ['a', 'b', 'c']) cache.set(session(id), '1');
    const first = cache.fresh('a');
    await new Promise((resolve) => setImmediate(resolve));
    expect(asked).toEqual([['a']]);
    const waiting = [cache.fresh('b'), cache.fresh('c')];
    await new Promise((resolve) => setImmediate(resolve));
    expect(asked).toHaveLength(1);
    answers.shift()?.();
    expect((await first)?.session?.id).toBe('a');
    await new Promise((resolve) => setImmediate(resolve));
    expect(asked).toEqual([['a'], ['b', 'c']]);
    answers.shift()?.();
    expect((await Promise.all(waiting)).map((answer) => answer?.session?.id)).toEqual(['b', 'c']);
  });

  it('misses (to read again) when the row changed, and answers gone when it went', async () => {
    const db = database(
      new Map([
        ['a', '1'],
        ['b', '1'],
      ]),
    );
    const cache = new VersionedSessionCache(10, db.check);
    cache.set(session('a'), '1');
    cache.set(session('b'), '1');
    db.rows.set('a', '2');
    db.rows.delete('b');
    expect(await cache.fresh('a')).toBeUndefined();
    expect(await cache.fresh('b')).toEqual({ session: undefined });
    expect(cache.size).toBe(0);
  });

  it('misses when the check fails', async () => {
    const db = database(new Map([['a', '1']]));
    const cache = new VersionedSessionCache(10, db.check);
    cache.set(session('a'), '1');
    db.fail();
    expect(await cache.fresh('a')).toBeUndefined();
  });

  it('misses when its own node changed the session meanwhile (forget)', async () => {
    const db = database(new Map([['a', '1']]));
    const cache = new VersionedSessionCache(10, db.check);
    cache.set(session('a'), '1');
    const lookup = cache.fresh('a');
    cache.forget('a');
    expect(await lookup).toBeUndefined();
  });

  it('keeps at most `limit` sessions, and none with a limit of 0', () => {
    const cache = new VersionedSessionCache(2, database(new Map()).check);
    for (const id of ['a', 'b', 'c']) cache.set(session(id), '1');
    expect(cache.size).toBe(2);
    const off = new VersionedSessionCache(0, database(new Map()).check);
    off.set(session('a'), '1');
    expect(off.size).toBe(0);
  });
});
