import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { isoMillis } from '../../core/clock.js';
import { type IdentityRow, identityFromRow, type SessionRow, sessionFromRow } from '../rows.js';
import {
  EXPORT_FORMAT_VERSION,
  type ExportLine,
  emptyCounts,
  identityRecord,
  type RecordCounts,
  sessionRecord,
} from '../transfer.js';
import type { SqliteDatabase } from './database.js';

/** The database file of a data directory (as `openSqlite` names it). */
export function sqliteFile(dataDir: string): string {
  return join(dataDir, 'anvil.db');
}

/** A data directory that holds no Anvil database, or one that cannot be read. */
export class SqliteExportError extends Error {
  override name = 'SqliteExportError';
}

/**
 * Opens the database read-only, never creating or migrating it (so that an export leaves the
 * source exactly as it was, and may run beside a server using it).
 */
function openReadOnly(dataDir: string): SqliteDatabase {
  const file = sqliteFile(dataDir);
  if (!existsSync(file)) throw new SqliteExportError(`no SQLite database at ${file}`);
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return db;
  } catch (error) {
    throw new SqliteExportError(`cannot open ${file} read-only: ${(error as Error).message}`);
  }
}

/** The schema version (`PRAGMA user_version`) of the database, or `undefined` when there is none. */
export function sqliteSchemaVersion(dataDir: string): number | undefined {
  if (!existsSync(sqliteFile(dataDir))) return undefined;
  const db = openReadOnly(dataDir);
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

export interface ExportStats {
  /** Records written, per type. */
  counts: RecordCounts;
  /** Sessions past their expiry, left out. */
  expiredSessions: number;
  source: string;
}

/**
 * The whole SQLite store under `dataDir` as export lines: the header, every identity (with its
 * argon2 hash), every session live at `now`, every lockout counter, every authId spent and not yet
 * expired, every meta value, then the end record. One read transaction: a consistent snapshot even
 * while a server writes. `stats` is filled in as the lines are produced.
 */
export function* exportSqlite(dataDir: string, now: number, stats?: ExportStats): Generator<ExportLine> {
  const db = openReadOnly(dataDir);
  const counts = emptyCounts();
  try {
    const tables = new Set(
      db
        .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .all()
        .map((r) => r.name),
    );
    for (const required of ['identities', 'sessions', 'meta']) {
      if (!tables.has(required)) {
        throw new SqliteExportError(`${db.name} is not an Anvil database (no ${required} table)`);
      }
    }
    db.exec('BEGIN');
    const source = `sqlite (${db.name})`;
    const expired = db
      .prepare<[number], { n: number }>('SELECT count(*) AS n FROM sessions WHERE expires_at <= ?')
      .get(now);
    if (stats) Object.assign(stats, { counts, expiredSessions: expired?.n ?? 0, source });
    yield {
      anvil: 'export',
      version: EXPORT_FORMAT_VERSION,
      exportedAt: isoMillis(now),
      source,
      schemaVersion: db.pragma('user_version', { simple: true }) as number,
    };
    const identities = db.prepare<[], IdentityRow>(
      `SELECT realm, username, universal_id, status, password_hash, attributes, create_time, modify_time
       FROM identities ORDER BY realm, username`,
    );
    for (const r of identities.iterate()) {
      counts.identity += 1;
      yield identityRecord(identityFromRow(r));
    }
    const sessions = db.prepare<[number], SessionRow>(
      `SELECT id, secret_hash, session_handle, universal_id, username, realm, creation_time,
         latest_access_time, max_idle_minutes, max_session_minutes, expires_at, properties
       FROM sessions WHERE expires_at > ? ORDER BY creation_time, id`,
    );
    for (const r of sessions.iterate(now)) {
      counts.session += 1;
      yield sessionRecord(sessionFromRow(r));
    }
    // Older databases (before these tables existed) simply have none of them.
    if (tables.has('lockout_counters')) {
      const lockouts = db.prepare<[], { realm: string; username: string; failures: number }>(
        'SELECT realm, username, failures FROM lockout_counters WHERE failures > 0 ORDER BY realm, username',
      );
      for (const r of lockouts.iterate()) {
        counts.lockout += 1;
        yield { type: 'lockout', ...r };
      }
    }
    if (tables.has('used_journeys')) {
      const spent = db.prepare<[number], { id: string; expires_at: number }>(
        'SELECT id, expires_at FROM used_journeys WHERE expires_at >= ? ORDER BY expires_at, id',
      );
      for (const r of spent.iterate(now)) {
        counts.usedJourney += 1;
        yield { type: 'usedJourney', id: r.id, expiresAt: r.expires_at };
      }
    }
    const meta = db.prepare<[], { key: string; value: string }>('SELECT key, value FROM meta ORDER BY key');
    for (const r of meta.iterate()) {
      counts.meta += 1;
      yield { type: 'meta', key: r.key, value: r.value };
    }
    yield { type: 'end', counts: { ...counts } };
  } finally {
    if (db.inTransaction) db.exec('COMMIT');
    db.close();
  }
}
