import { describe, expect, it } from 'vitest';
import { BoundedHasher } from '../../src/adapters/bounded-hasher.js';
import { AnvilError } from '../../src/domain/errors.js';
import type { PasswordHasher } from '../../src/domain/identity/store.js';

/** A hasher whose calls finish only when the test says so. */
function controlledHasher() {
  const pending: (() => void)[] = [];
  let running = 0;
  let peak = 0;
  const hasher: PasswordHasher = {
    hash: async () => 'h',
    verify: () =>
      new Promise<boolean>((resolve) => {
        running += 1;
        peak = Math.max(peak, running);
        pending.push(() => {
          running -= 1;
          resolve(true);
        });
      }),
  };
  return { hasher, pending, peak: () => peak };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('BoundedHasher', () => {
  it('runs at most `concurrency` hashes at once, queues up to the limit, and refuses the rest with 503', async () => {
    const inner = controlledHasher();
    const bounded = new BoundedHasher(inner.hasher, { concurrency: 2, queueLimit: 3 });
    const calls = Array.from({ length: 5 }, () => bounded.verify('h', 'p'));
    const refused = bounded.verify('h', 'p');
    await expect(refused).rejects.toBeInstanceOf(AnvilError);
    await expect(refused).rejects.toMatchObject({ kind: 'ServiceUnavailable' });
    await tick();
    expect(inner.pending).toHaveLength(2);
    while (inner.pending.length > 0) {
      inner.pending.shift()?.();
      await tick();
    }
    expect(await Promise.all(calls)).toEqual([true, true, true, true, true]);
    expect(inner.peak()).toBe(2);
  });

  it('frees its slots after failures', async () => {
    const failing: PasswordHasher = {
      hash: async () => 'h',
      verify: async () => Promise.reject(new Error('boom')),
    };
    const bounded = new BoundedHasher(failing, { concurrency: 1, queueLimit: 0 });
    await expect(bounded.verify('h', 'p')).rejects.toThrow('boom');
    await expect(bounded.verify('h', 'p')).rejects.toThrow('boom');
  });
});
