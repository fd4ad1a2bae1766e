import { describe, it } from 'vitest';
import { REDIS_URL, redisUnreachable } from '../services.js';

export { REDIS_URL };

/**
 * Runs `suite` when Redis answers; otherwise skips it with a printed notice, except under
 * CI=true, where a missing Redis is a failure.
 */
export async function describeWithRedis(name: string, suite: () => void): Promise<void> {
  const available = (await redisUnreachable()) === undefined;
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
