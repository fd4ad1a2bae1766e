import type pg from 'pg';
import type { StoredIdentity } from '../../domain/identity/identity.js';
import type { IdentityStore } from '../../domain/identity/store.js';
import { type IdentityRow, identityFromRow } from '../rows.js';
import { IDENTITY_COLUMNS, prepared, type Tables } from './database.js';

/** Realm and user name compare case-insensitively (the unique index is on their `lower(…)`). */
const SAME_USER = 'lower(realm) = lower($1) AND lower(username) = lower($2)';

export class PostgresIdentityStore implements IdentityStore {
  readonly #pool: pg.Pool;
  readonly #t: string;

  constructor(pool: pg.Pool, tables: Tables) {
    this.#pool = pool;
    this.#t = tables.identities;
  }

  async get(realm: string, username: string): Promise<StoredIdentity | undefined> {
    const { rows } = await this.#pool.query<IdentityRow>(
      prepared(`SELECT ${IDENTITY_COLUMNS} FROM ${this.#t} WHERE ${SAME_USER}`, [realm, username]),
    );
    return rows[0] ? identityFromRow(rows[0]) : undefined;
  }

  async insert(identity: StoredIdentity): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      `INSERT INTO ${this.#t} (realm, username, universal_id, status, password_hash, attributes,
         create_time, modify_time)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)
       ON CONFLICT DO NOTHING`,
      [
        identity.realm,
        identity.username,
        identity.universalId,
        identity.status,
        identity.passwordHash ?? null,
        JSON.stringify(identity.attributes),
        identity.createTime,
        identity.modifyTime,
      ],
    );
    return (rowCount ?? 0) > 0;
  }

  async update(identity: StoredIdentity): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      `UPDATE ${this.#t} SET status = $3, password_hash = $4, attributes = $5::jsonb, modify_time = $6
       WHERE ${SAME_USER}`,
      [
        identity.realm,
        identity.username,
        identity.status,
        identity.passwordHash ?? null,
        JSON.stringify(identity.attributes),
        identity.modifyTime,
      ],
    );
    return (rowCount ?? 0) > 0;
  }

  async delete(realm: string, username: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query(`DELETE FROM ${this.#t} WHERE ${SAME_USER}`, [
      realm,
      username,
    ]);
    return (rowCount ?? 0) > 0;
  }

  async list(realm: string): Promise<StoredIdentity[]> {
    const { rows } = await this.#pool.query<IdentityRow>(
      `SELECT * FROM ${this.#t} WHERE lower(realm) = lower($1)
       ORDER BY lower(username) COLLATE "C", username COLLATE "C"`,
      [realm],
    );
    return rows.map(identityFromRow);
  }

  async count(): Promise<number> {
    const { rows } = await this.#pool.query<{ n: number }>(`SELECT count(*) AS n FROM ${this.#t}`);
    return rows[0]?.n ?? 0;
  }
}
