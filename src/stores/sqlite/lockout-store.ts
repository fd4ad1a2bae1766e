import type { LockoutStore } from '../../domain/authn/lockout.js';
import type { SqliteDatabase } from './database.js';

export class SqliteLockoutStore implements LockoutStore {
  readonly #increment;
  readonly #reset;

  constructor(db: SqliteDatabase) {
    this.#increment = db.prepare<[string, string], { failures: number }>(
      `INSERT INTO lockout_counters (realm, username, failures) VALUES (?, ?, 1)
       ON CONFLICT (realm, username) DO UPDATE SET failures = failures + 1 RETURNING failures`,
    );
    this.#reset = db.prepare<[string, string]>(
      'DELETE FROM lockout_counters WHERE realm = ? AND username = ?',
    );
  }

  async increment(realm: string, username: string): Promise<number> {
    return (this.#increment.get(realm, username) as { failures: number }).failures;
  }

  async reset(realm: string, username: string): Promise<void> {
    this.#reset.run(realm, username);
  }
}
