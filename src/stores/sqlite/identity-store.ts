import type { StoredIdentity } from '../../domain/identity/identity.js';
import type { IdentityStore } from '../../domain/identity/store.js';
import { type IdentityRow, identityFromRow, identityToRow } from '../rows.js';
import type { SqliteDatabase } from './database.js';
import { WriteGate } from './write-gate.js';

export class SqliteIdentityStore implements IdentityStore {
  readonly #get;
  readonly #insert;
  readonly #update;
  readonly #delete;
  readonly #list;
  readonly #count;
  readonly #gate: WriteGate;

  constructor(db: SqliteDatabase, gate = new WriteGate()) {
    this.#gate = gate;
    this.#get = db.prepare<[string, string], IdentityRow>(
      'SELECT * FROM identities WHERE realm = ? AND username = ?',
    );
    this.#insert = db.prepare(
      `INSERT OR IGNORE INTO identities (realm, username, universal_id, status, password_hash, attributes,
         create_time, modify_time)
       VALUES (@realm, @username, @universal_id, @status, @password_hash, @attributes, @create_time, @modify_time)`,
    );
    this.#update = db.prepare(
      `UPDATE identities SET status = @status, password_hash = @password_hash, attributes = @attributes,
         modify_time = @modify_time WHERE realm = @realm AND username = @username`,
    );
    this.#delete = db.prepare<[string, string]>('DELETE FROM identities WHERE realm = ? AND username = ?');
    this.#list = db.prepare<[string], IdentityRow>(
      'SELECT * FROM identities WHERE realm = ? ORDER BY username',
    );
    this.#count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM identities');
  }

  async get(realm: string, username: string): Promise<StoredIdentity | undefined> {
    const row = this.#get.get(realm, username);
    return row ? identityFromRow(row) : undefined;
  }

  async insert(identity: StoredIdentity): Promise<boolean> {
    await this.#gate.held;
    return this.#insert.run(identityToRow(identity)).changes > 0;
  }

  async update(identity: StoredIdentity): Promise<boolean> {
    await this.#gate.held;
    return this.#update.run(identityToRow(identity)).changes > 0;
  }

  async delete(realm: string, username: string): Promise<boolean> {
    await this.#gate.held;
    return this.#delete.run(realm, username).changes > 0;
  }

  async list(realm: string): Promise<StoredIdentity[]> {
    return this.#list.all(realm).map(identityFromRow);
  }

  async count(): Promise<number> {
    return this.#count.get()?.n ?? 0;
  }
}
