import type pg from 'pg';
import type { MetaStore } from '../../domain/meta-store.js';
import type { Tables } from './database.js';

export class PostgresMetaStore implements MetaStore {
  readonly #pool: pg.Pool;
  readonly #t: string;

  constructor(pool: pg.Pool, tables: Tables) {
    this.#pool = pool;
    this.#t = tables.meta;
  }

  async getOrSet(key: string, value: string): Promise<string> {
    // First write wins: a concurrent insert of the same key makes this one wait for it to commit
    // and then do nothing; the select (a statement of its own, so a new snapshot) sees the winner.
    await this.#pool.query(`INSERT INTO ${this.#t} (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
      key,
      value,
    ]);
    const { rows } = await this.#pool.query<{ value: string }>(
      `SELECT value FROM ${this.#t} WHERE key = $1`,
      [key],
    );
    const stored = rows[0];
    if (stored === undefined) throw new Error(`meta key ${key} vanished right after it was stored`);
    return stored.value;
  }
}
