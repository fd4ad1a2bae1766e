import type pg from 'pg';
import type { UsedJourneyStore } from '../../domain/authn/authn-service.js';
import { prepared, type Tables } from './database.js';

export class PostgresUsedJourneyStore implements UsedJourneyStore {
  readonly #pool: pg.Pool;
  readonly #t: string;

  constructor(pool: pg.Pool, tables: Tables) {
    this.#pool = pool;
    this.#t = tables.usedJourneys;
  }

  async spend(id: string, expiresAt: number): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      prepared(`INSERT INTO ${this.#t} (id, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
        id,
        expiresAt,
      ]),
    );
    return (rowCount ?? 0) > 0;
  }

  async deleteExpired(now: number, limit: number): Promise<number> {
    const { rowCount } = await this.#pool.query(
      `DELETE FROM ${this.#t} WHERE id IN (
         SELECT id FROM ${this.#t} WHERE expires_at < $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
       )`,
      [now, limit],
    );
    return rowCount ?? 0;
  }
}
