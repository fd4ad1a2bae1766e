import pg from 'pg';
import { describe, it } from 'vitest';

export const DATABASE_URL = process.env.ANVIL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The URL without its password, for messages. */
function shown(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(the configured URL)';
  }
}

/** Why the server cannot be used, or `undefined` when it answers. */
async function unreachableBecause(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Runs `suite` when PostgreSQL answers; otherwise skips it with a printed notice, except under
 * CI=true, where a missing server is a failure.
 */
export async function describeWithPostgres(name: string, suite: () => void): Promise<void> {
  const unreachable = await unreachableBecause();
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
