import type { MetaStore } from '../../domain/meta-store.js';
import type { SqliteDatabase } from './database.js';

export class SqliteMetaStore implements MetaStore {
  readonly #insert;
  readonly #get;

  constructor(db: SqliteDatabase) {
    this.#insert = db.prepare<[string, string]>('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)');
    this.#get = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
  }

  async getOrSet(key: string, value: string): Promise<string> {
    this.#insert.run(key, value);
    return (this.#get.get(key) as { value: string }).value;
  }
}
