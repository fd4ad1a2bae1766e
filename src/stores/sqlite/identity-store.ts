import type { StoredIdentity } from '../../domain/identity/identity.js';
import type { IdentityStore } from '../../domain/identity/store.js';
import type { SqliteDatabase } from './database.js';

interface Row {
  realm: string;
  username: string;
  universal_id: string;
  status: string;
  password_hash: string | null;
  attributes: string;
  create_time: number;
  modify_time: number;
}

export class SqliteIdentityStore implements IdentityStore {
  readonly #get;
  readonly #insert;
  readonly #update;
  readonly #delete;
  readonly #list;
  readonly #count;

  constructor(db: SqliteDatabase) {
    this.#get = db.prepare<[string, string], Row>(
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
    this.#list = db.prepare<[string], Row>('SELECT * FROM identities WHERE realm = ? ORDER BY username');
    this.#count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM identities');
  }

  async get(realm: string, username: string): Promise<StoredIdentity | undefined> {
    const row = this.#get.get(realm, username);
    return row ? fromRow(row) : undefined;
  }

  async insert(identity: StoredIdentity): Promise<boolean> {
    return this.#insert.run(toRow(identity)).changes > 0;
  }

  async update(identity: StoredIdentity): Promise<boolean> {
    return this.#update.run(toRow(identity)).changes > 0;
  }

  async delete(realm: string, username: string): Promise<boolean> {
    return this.#delete.run(realm, username).changes > 0;
  }

  async list(realm: string): Promise<StoredIdentity[]> {
    return this.#list.all(realm).map(fromRow);
  }

  async count(): Promise<number> {
    return this.#count.get()?.n ?? 0;
  }
}

function toRow(i: StoredIdentity): Row {
  return {
    realm: i.realm,
    username: i.username,
    universal_id: i.universalId,
    status: i.status,
    password_hash: i.passwordHash ?? null,
    attributes: JSON.stringify(i.attributes),
    create_time: i.createTime,
    modify_time: i.modifyTime,
  };
}

function fromRow(r: Row): StoredIdentity {
  return {
    realm: r.realm,
    username: r.username,
    universalId: r.universal_id,
    status: r.status === 'Inactive' ? 'Inactive' : 'Active',
    passwordHash: r.password_hash ?? undefined,
    attributes: JSON.parse(r.attributes) as Record<string, string[]>,
    createTime: r.create_time,
    modifyTime: r.modify_time,
  };
}
