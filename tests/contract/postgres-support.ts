import { describe, it } from 'vitest';
import { DATABASE_URL, postgresUnreachable, shown } from '../services.js';

export { DATABASE_URL };

/**
 * Runs `suite` when PostgreSQL answers; otherwise skips it with a printed notice, except under
 * CI=true, where a missing server is a failure.
 */
export async function describeWithPostgres(name: string, suite: () => void): Promise<void> {
  const unreachable = await postgresUnreachable();
  if (unreachable === undefined) {
    describe(name, suite);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('can reach PostgreSQL (required on CI)', () => {
        throw new Error(
          `PostgreSQL not reachable at ${shown(DATABASE_URL)} (${unreachable}); on CI the PostgreSQL ` +
            'store tests must run: start the server or set ANVIL_TEST_DATABASE_URL',
        );
      });
    });
    return;
  }
  console.warn(`PostgreSQL not reachable at ${shown(DATABASE_URL)}: skipping ${name}`);
  describe.skip(name, suite);
}
