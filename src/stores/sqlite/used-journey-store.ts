import type { UsedJourneyStore } from '../../domain/authn/authn-service.js';
import type { SqliteDatabase } from './database.js';

export class SqliteUsedJourneyStore implements UsedJourneyStore {
  readonly #spend;
  readonly #deleteExpired;

  constructor(db: SqliteDatabase) {
    this.#spend = db.prepare<[string, number]>(
      'INSERT OR IGNORE INTO used_journeys (id, expires_at) VALUES (?, ?)',
    );
    this.#deleteExpired = db.prepare<[number, number]>(
      'DELETE FROM used_journeys WHERE id IN (SELECT id FROM used_journeys WHERE expires_at < ? LIMIT ?)',
    );
  }

  async spend(id: string, expiresAt: number): Promise<boolean> {
    return this.#spend.run(id, expiresAt).changes > 0;
  }

  async deleteExpired(now: number, limit: number): Promise<number> {
    return this.#deleteExpired.run(now, limit).changes;
  }
}
