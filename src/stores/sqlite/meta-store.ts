import type { MetaStore } from '../../domain/meta-store.js';
import type { SqliteDatabase } from './database.js';
import { WriteGate } from './write-gate.js';

export class SqliteMetaStore implements MetaStore {
  readonly #insert;
  readonly #get;
  readonly #gate: WriteGate;

  constructor(db: SqliteDatabase, gate = new WriteGate()) {
    this.#gate = gate;
    this.#insert = db.prepare<[string, string]>('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)');
    this.#get = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
  }

  async getOrSet(key: string, value: string): Promise<string> {
    await this.#gate.held;
    this.#insert.run(key, value);
    return (this.#get.get(key) as { value: string }).value;
  }
}
