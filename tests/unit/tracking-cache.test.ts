import { describe, expect, it } from 'vitest';
import type { StoredSession } from '../../src/domain/sessions/session.js';
import { TrackingCache } from '../../src/stores/redis/tracking-cache.js';
import { storedSession } from '../contract/session-store.contract.js';

/** A stored session with the given id (and access time, to tell versions apart). */
const session = (id: string, latestAccessTime = 1): StoredSession => storedSession({ id, latestAccessTime });

/** A tracker whose PINGs answer only when the test says so. */
function tracker() {
  const pending: { answer: () => void; fail: () => void }[] = [];
  const ping = () =>
    new Promise<unknown>((resolve, reject) => {
      pending.push({ answer: () => resolve('PONG'), fail: () => reject(new Error('connection closed')) });
    });
  return {
    ping,
    pending,
    /** Lets setImmediate send the pending barrier, then answers every PING sent so far. */
    async answerAll(): Promise<void> {
      await new Promise((resolve) => setImmediate(resolve));
      for (const p of pending.splice(0)) p.answer();
    },
  };
}

/** A cache with tracking on, holding `s` as read by a completed, unspoiled read. */
function cacheHolding(s: StoredSession, limit = 10) {
  const t = tracker();
  const cache = new TrackingCache(limit, t.ping);
  cache.tracking(cache.epoch);
  const epoch = cache.beginRead(s.id);
  expect(epoch).toBeDefined();
  cache.endRead(s.id, epoch as number, s);
  return { cache, t };
}

describe('TrackingCache', () => {
  it('caches nothing until the server has confirmed tracking', async () => {
    const t = tracker();
    const cache = new TrackingCache(10, t.ping);
    expect(cache.beginRead('a')).toBeUndefined();
    expect(await cache.fresh('a')).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(t.pending).toHaveLength(0);
  });

  it('ignores a confirmation from an earlier connection epoch', () => {
    const cache = new TrackingCache(10, tracker().ping);
    const epoch = cache.epoch;
    cache.lost();
    cache.tracking(epoch);
    expect(cache.beginRead('a')).toBeUndefined();
  });

  it('never tracks with a limit of 0', () => {
    const cache = new TrackingCache(0, tracker().ping);
    cache.tracking(cache.epoch);
    expect(cache.beginRead('a')).toBeUndefined();
  });

  it('serves a cached session only after a PING on the tracker has answered', async () => {
    const s = session('a');
    const { cache, t } = cacheHolding(s);
    let served: StoredSession | undefined;
    const lookup = cache.fresh('a').then((found) => {
      served = found;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.pending).toHaveLength(1);
    expect(served).toBeUndefined();
    t.pending[0]?.answer();
    await lookup;
    expect(served).toBe(s);
    expect(Object.isFrozen(served)).toBe(true);
    expect(Object.isFrozen(served?.properties)).toBe(true);
  });

  it('lets the lookups of one turn share a PING; lookups while it is out share the next', async () => {
    const { cache, t } = cacheHolding(session('a'));
    const first = [cache.fresh('a'), cache.fresh('a'), cache.fresh('a')];
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.pending).toHaveLength(1);
    const later = [cache.fresh('a'), cache.fresh('a')];
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.pending).toHaveLength(1);
    t.pending.shift()?.answer();
    expect((await Promise.all(first)).every((s) => s?.id === 'a')).toBe(true);
    // The second PING goes only now, after the lookups that wait for it.
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.pending).toHaveLength(1);
    t.pending.shift()?.answer();
    expect((await Promise.all(later)).every((s) => s?.id === 'a')).toBe(true);
  });

  it('sends PINGs again after a lost connection, though a PING of the old one never answered', async () => {
    const { cache, t } = cacheHolding(session('a'));
    const lookup = cache.fresh('a');
    await new Promise((resolve) => setImmediate(resolve));
    cache.lost();
    expect(await lookup).toBeUndefined();
    cache.tracking(cache.epoch);
    cache.endRead('a', cache.beginRead('a') as number, session('a'));
    const again = cache.fresh('a');
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.pending).toHaveLength(2);
    t.pending[1]?.answer();
    expect((await again)?.id).toBe('a');
  });

  it('does not send a PING for a session it does not hold', async () => {
    const { cache, t } = cacheHolding(session('a'));
    expect(await cache.fresh('b')).toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.pending).toHaveLength(0);
  });

  it('misses when the invalidation arrives before the PING answers', async () => {
    const { cache, t } = cacheHolding(session('a'));
    const lookup = cache.fresh('a');
    await new Promise((resolve) => setImmediate(resolve));
    cache.invalidate(['a']);
    await t.answerAll();
    expect(await lookup).toBeUndefined();
  });

  it('does not keep a read that an invalidation overtook', () => {
    const t = tracker();
    const cache = new TrackingCache(10, t.ping);
    cache.tracking(cache.epoch);
    const epoch = cache.beginRead('a') as number;
    cache.invalidate(['a']);
    cache.endRead('a', epoch, session('a'));
    expect(cache.size).toBe(0);
    // The next read, sent after the invalidation, is kept.
    const next = cache.beginRead('a') as number;
    cache.endRead('a', next, session('a', 2));
    expect(cache.size).toBe(1);
  });

  it('keeps none of overlapping reads when an invalidation came while either was in flight', () => {
    const cache = new TrackingCache(10, tracker().ping);
    cache.tracking(cache.epoch);
    const one = cache.beginRead('a') as number;
    cache.invalidate(['a']);
    const two = cache.beginRead('a') as number;
    cache.endRead('a', one, session('a', 1));
    cache.endRead('a', two, session('a', 2));
    expect(cache.size).toBe(0);
  });

  it('drops its own writes at once and spoils reads of them in flight', () => {
    const { cache } = cacheHolding(session('a'));
    const epoch = cache.beginRead('a') as number;
    cache.forget('a');
    expect(cache.size).toBe(0);
    cache.endRead('a', epoch, session('a', 5));
    expect(cache.size).toBe(0);
  });

  it('drops everything on a flush (null invalidation)', async () => {
    const { cache, t } = cacheHolding(session('a'));
    const epoch = cache.beginRead('b') as number;
    cache.invalidate(null);
    cache.endRead('b', epoch, session('b'));
    expect(cache.size).toBe(0);
    const lookup = cache.fresh('a');
    await t.answerAll();
    expect(await lookup).toBeUndefined();
  });

  it('on a lost connection drops everything, releases waiting lookups and stops caching', async () => {
    const { cache, t } = cacheHolding(session('a'));
    const lookup = cache.fresh('a');
    await new Promise((resolve) => setImmediate(resolve));
    const reading = cache.beginRead('b') as number;
    cache.lost();
    // The PING never answers (the tracker is gone): the lookup is released anyway, as a miss.
    expect(await lookup).toBeUndefined();
    cache.endRead('b', reading, session('b'));
    expect(cache.size).toBe(0);
    expect(cache.beginRead('c')).toBeUndefined();
    // Once tracking is confirmed in the new epoch, reads are kept again.
    cache.tracking(cache.epoch);
    const again = cache.beginRead('c') as number;
    cache.endRead('c', again, session('c'));
    expect(cache.size).toBe(1);
    expect(t.pending.length).toBeLessThanOrEqual(1);
  });

  it('misses when the PING fails', async () => {
    const { cache, t } = cacheHolding(session('a'));
    const lookup = cache.fresh('a');
    await new Promise((resolve) => setImmediate(resolve));
    t.pending[0]?.fail();
    expect(await lookup).toBeUndefined();
  });

  it('keeps at most `limit` sessions, dropping the oldest first', () => {
    const cache = new TrackingCache(2, tracker().ping);
    cache.tracking(cache.epoch);
    for (const id of ['a', 'b', 'c']) cache.endRead(id, cache.beginRead(id) as number, session(id));
    expect(cache.size).toBe(2);
    cache.invalidate(['b', 'c']);
    expect(cache.size).toBe(0);
  });

  it('keeps no absent session (a miss is not cached)', () => {
    const cache = new TrackingCache(10, tracker().ping);
    cache.tracking(cache.epoch);
    cache.endRead('a', cache.beginRead('a') as number, undefined);
    expect(cache.size).toBe(0);
  });
});
