import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EXPIRY_BUCKET_MS } from '../expiry-buckets.js';

export type SqliteDatabase = Database.Database;

/**
 * Schema changes, applied in order inside one transaction at open; `PRAGMA user_version` records
 * how many have run. Append only: never edit a migration that has shipped.
 */
export const migrations: readonly string[] = [
  `CREATE TABLE sessions (
     id TEXT PRIMARY KEY,
     secret_hash BLOB NOT NULL,
     session_handle TEXT NOT NULL UNIQUE,
     universal_id TEXT NOT NULL COLLATE NOCASE,
     username TEXT NOT NULL,
     realm TEXT NOT NULL COLLATE NOCASE,
     creation_time INTEGER NOT NULL,
     latest_access_time INTEGER NOT NULL,
     max_idle_minutes INTEGER NOT NULL,
     max_session_minutes INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     properties TEXT NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX sessions_expires_at ON sessions (expires_at);
   CREATE INDEX sessions_universal_id ON sessions (universal_id);
   CREATE TABLE identities (
     realm TEXT NOT NULL COLLATE NOCASE,
     username TEXT NOT NULL COLLATE NOCASE,
     universal_id TEXT NOT NULL,
     status TEXT NOT NULL,
     password_hash TEXT,
     attributes TEXT NOT NULL,
     create_time INTEGER NOT NULL,
     modify_time INTEGER NOT NULL,
     PRIMARY KEY (realm, username)
   ) WITHOUT ROWID;
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;`,
  `CREATE INDEX sessions_realm ON sessions (realm, creation_time);
   DROP INDEX sessions_universal_id;
   CREATE INDEX sessions_universal_id ON sessions (universal_id, creation_time);`,
  `CREATE TABLE used_journeys (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
   CREATE INDEX used_journeys_expires_at ON used_journeys (expires_at);`,
  `CREATE TABLE lockout_counters (
     realm TEXT NOT NULL COLLATE NOCASE,
     username TEXT NOT NULL COLLATE NOCASE,
     failures INTEGER NOT NULL,
     PRIMARY KEY (realm, username)
   ) WITHOUT ROWID;`,
  // Idle-time writes change expires_at; while it was indexed, each one also moved the session's
  // entry in that index (a second page written, besides the row's). The sweeper's index is now on
  // the 10-minute expiry bucket (src/stores/expiry-buckets.ts), which most of those writes leave
  // as it was. Building it reads the table once (0.5 s per 1,000,000 sessions measured).
  `CREATE INDEX sessions_expiry_bucket ON sessions (expires_at / ${EXPIRY_BUCKET_MS});
   DROP INDEX sessions_expires_at;`,
];

/**
 * Opens (creating if needed) the database in WAL mode with `synchronous=NORMAL`: every committed
 * write survives a crash of the process (`kill -9`); only an OS crash or power loss may lose the
 * last commits.
 */
export function openSqlite(location: { dataDir: string } | { memory: true }): SqliteDatabase {
  let db: SqliteDatabase;
  if ('memory' in location) {
    db = new Database(':memory:');
  } else {
    mkdirSync(location.dataDir, { recursive: true });
    db = new Database(join(location.dataDir, 'anvil.db'));
    db.pragma('journal_mode = WAL');
  }
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

function migrate(db: SqliteDatabase): void {
  const applied = db.pragma('user_version', { simple: true }) as number;
  if (applied > migrations.length) {
    throw new Error(
      `the database schema (version ${applied}) is newer than this Anvil (version ${migrations.length})`,
    );
  }
  db.transaction(() => {
    for (let i = applied; i < migrations.length; i += 1) db.exec(migrations[i] as string);
    db.pragma(`user_version = ${migrations.length}`);
  })();
}
