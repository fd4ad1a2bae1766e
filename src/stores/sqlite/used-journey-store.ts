import type { UsedJourneyStore } from '../../domain/authn/authn-service.js';
import type { SqliteDatabase } from './database.js';
import { WriteGate } from './write-gate.js';

export class SqliteUsedJourneyStore implements UsedJourneyStore {
  readonly #spend;
  readonly #deleteExpired;
  readonly #gate: WriteGate;

  constructor(db: SqliteDatabase, gate = new WriteGate()) {
    this.#gate = gate;
    this.#spend = db.prepare<[string, number]>(
      'INSERT OR IGNORE INTO used_journeys (id, expires_at) VALUES (?, ?)',
    );
    this.#deleteExpired = db.prepare<[number, number]>(
      'DELETE FROM used_journeys WHERE id IN (SELECT id FROM used_journeys WHERE expires_at < ? LIMIT ?)',
    );
  }

  async spend(id: string, expiresAt: number): Promise<boolean> {
    await this.#gate.held;
    return this.#spend.run(id, expiresAt).changes > 0;
  }

  async deleteExpired(now: number, limit: number): Promise<number> {
    await this.#gate.held;
    return this.#deleteExpired.run(now, limit).changes;
  }
}
