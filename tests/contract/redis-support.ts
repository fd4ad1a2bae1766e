import { Redis } from 'ioredis';
import { describe, it } from 'vitest';

export const REDIS_URL = process.env.ANVIL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** One connection that fails fast, to see whether Redis is there at all. */
async function reachable(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null, connectTimeout: 2000 });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/**
 * Runs `suite` when Redis answers; otherwise skips it with a printed notice, except under
 * CI=true, where a missing Redis is a failure.
 */
export async function describeWithRedis(name: string, suite: () => void): Promise<void> {
  const available = await reachable();
  if (available) return suite();
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('need a Redis server in CI', () => {
        throw new Error(
          `Redis not reachable at ${REDIS_URL}: CI must provide one (or set ANVIL_TEST_REDIS_URL)`,
        );
      });
    });
    return;
  }
  console.warn(`Redis not reachable at ${REDIS_URL}: skipping ${name}`);
  describe.skip(name, () => {
    it('need a Redis server', () => {});
  });
}
