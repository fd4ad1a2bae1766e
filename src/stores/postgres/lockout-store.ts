import type pg from 'pg';
import type { LockoutStore } from '../../domain/authn/lockout.js';
import { prepared, type Tables } from './database.js';

export class PostgresLockoutStore implements LockoutStore {
  readonly #pool: pg.Pool;
  readonly #t: string;

  constructor(pool: pg.Pool, tables: Tables) {
    this.#pool = pool;
    this.#t = tables.lockouts;
  }

  async increment(realm: string, username: string): Promise<number> {
    const { rows } = await this.#pool.query<{ failures: number }>(
      prepared(
        `INSERT INTO ${this.#t} (realm, username, failures) VALUES ($1, $2, 1)
       ON CONFLICT (lower(realm), lower(username)) DO UPDATE SET failures = ${this.#t}.failures + 1
       RETURNING failures`,
        [realm, username],
      ),
    );
    return rows[0]?.failures ?? 1;
  }

  async reset(realm: string, username: string): Promise<void> {
    await this.#pool.query(
      prepared(`DELETE FROM ${this.#t} WHERE lower(realm) = lower($1) AND lower(username) = lower($2)`, [
        realm,
        username,
      ]),
    );
  }
}
