import type { LockoutStore } from '../../domain/authn/lockout.js';
import type { SqliteDatabase } from './database.js';
import { WriteGate } from './write-gate.js';

export class SqliteLockoutStore implements LockoutStore {
  readonly #increment;
  readonly #reset;
  readonly #gate: WriteGate;

  constructor(db: SqliteDatabase, gate = new WriteGate()) {
    this.#gate = gate;
    this.#increment = db.prepare<[string, string], { failures: number }>(
      `INSERT INTO lockout_counters (realm, username, failures) VALUES (?, ?, 1)
       ON CONFLICT (realm, username) DO UPDATE SET failures = failures + 1 RETURNING failures`,
    );
    this.#reset = db.prepare<[string, string]>(
      'DELETE FROM lockout_counters WHERE realm = ? AND username = ?',
    );
  }

  async increment(realm: string, username: string): Promise<number> {
    await this.#gate.held;
    return (this.#increment.get(realm, username) as { failures: number }).failures;
  }

  async reset(realm: string, username: string): Promise<void> {
    await this.#gate.held;
    this.#reset.run(realm, username);
  }
}
