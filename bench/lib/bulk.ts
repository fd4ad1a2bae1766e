/**
 * SQLite data directories with many sessions, filled fast: rows written straight into the file in
 * large transactions with one prepared INSERT, on the schema Anvil's own migration created, with
 * the column mapping of Anvil's `sessionToRow`. Only the sessions a scenario requests get real
 * tokens (minted by Anvil's `core/tokens.js`); the other rows ("filler") are copies of the same
 * login's session with ids and handles of their own and random secret hashes.
 *
 * Filler rows are written in key order: their ids and handles are spread evenly over the key space
 * (a prefix that grows with the row number, then random characters) and their times grow with the
 * row number, so every index is appended to (≈ 110k rows/s here, against ≈ 20k/s falling with the
 * table's size for random keys). The minted sessions have random ids like any real one and are
 * interleaved at even intervals, so requests reach rows all over the table, not only the newest.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, statfsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredSession } from '../../src/domain/sessions/session.js';
import {
  emptyFixture,
  type Fixture,
  importDist,
  type RowsModule,
  type SqliteDatabaseModule,
  sessionCopier,
  type TokensModule,
  templateSession,
} from './fixture.js';
import { fmt, log } from './util.js';

export interface FillInfo {
  /** Sessions written (the table also holds the login that served as their template). */
  sessions: number;
  /** Sessions with a real token (the rest cannot be presented). */
  minted: number;
  /** Writing the rows (the rate is over this time). */
  seconds: number;
  rowsPerSecond: number;
  /**
   * Then waiting for the file to reach the disk, so that the kernel's write-back of gigabytes of
   * dirty pages does not run during the first measurement.
   */
  syncSeconds: number;
  /** Size of the SQLite file after the fill (WAL checkpointed). */
  bytes: number;
}

export interface BulkFixture extends Fixture {
  fill: FillInfo;
}

const ROWS_PER_TRANSACTION = 50_000;
/** Disk a row takes with its index entries (≈ 0.9 KB measured), with room to spare. */
const BYTES_PER_ROW_ESTIMATE = 1_200;
/** The 64 base64url characters in byte order, so that a growing number gives growing strings. */
const ORDERED = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
const RANDOM_BYTES_PER_ROW = 16 + 32 + 32;

/** A base64url string of `length` characters: 6 ordered by `fraction` (0 ≤ f < 1), then random. */
function orderedKey(fraction: number, length: number, random: Buffer, at: number): string {
  let head = Math.floor(fraction * 2 ** 36);
  let key = '';
  for (let i = 0; i < 6; i += 1) {
    key = ORDERED[head & 63] + key;
    head = Math.floor(head / 64);
  }
  for (let i = 6; i < length; i += 1) key += ORDERED[(random[at + i] as number) & 63];
  return key;
}

/** Bytes free for new files in `dir`. */
export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

/**
 * A SQLite fixture holding `sessions` sessions (and the template login's), `minted` of them (at
 * most) with tokens in `fixture.live`, spread evenly over the table.
 */
export async function bulkSqliteFixture(
  sessions: number,
  minted: number,
  label: string,
): Promise<BulkFixture> {
  const fixture = emptyFixture('sqlite', `${label}-${sessions}`);
  try {
    const needed = sessions * BYTES_PER_ROW_ESTIMATE + 2 ** 30;
    const free = freeBytes(fixture.workDir);
    if (free < needed) {
      throw new Error(
        `${fmt(sessions)} sessions need about ${fmt(needed / 2 ** 30, 1)} GiB of disk, ${fmt(free / 2 ** 30, 1)} GiB free`,
      );
    }
    const template = await templateSession(fixture);
    const tokens = await importDist<TokensModule>('core/tokens.js');
    const rows = await importDist<RowsModule>('stores/rows.js');
    const { openSqlite } = await importDist<SqliteDatabaseModule>('stores/sqlite/database.js');
    const dataDir = fixture.env.ANVIL_DATA_DIR as string;
    const db = openSqlite({ dataDir });
    const started = performance.now();
    const live: string[] = [];
    try {
      // A crash of this process may lose the fill, which is fine; the server sets its own pragmas.
      db.pragma('synchronous = OFF');
      db.pragma('cache_size = -262144');
      const parsed = tokens.parseSessionToken(template);
      const row = parsed && db.prepare('SELECT * FROM sessions WHERE id = ?').get(parsed.id);
      if (!row) throw new Error('the template session is not in the store');
      const original = rows.sessionFromRow(row as Parameters<RowsModule['sessionFromRow']>[0]);
      const columns = Object.keys(rows.sessionToRow(original));
      const insert = db.prepare(
        `INSERT INTO sessions (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
      );
      const copy = sessionCopier(original, tokens);
      const total = sessions;
      const wanted = Math.min(minted, total);
      const stride = wanted > 0 ? Math.floor(total / wanted) : Number.POSITIVE_INFINITY;
      const t0 = Date.now();
      const idleMs = original.maxIdleMinutes * 60_000;
      const maxMs = original.maxSessionMinutes * 60_000;
      const filler = (k: number, random: Buffer, at: number): StoredSession => {
        const f = k / total;
        // Created 15 to 5 minutes before the fill, last used in the minute before it.
        const creationTime = t0 - 900_000 + Math.floor(f * 600_000);
        const latestAccessTime = t0 - 60_000 + Math.floor(f * 60_000);
        return {
          ...original,
          id: orderedKey(f, 16, random, at),
          secretHash: random.subarray(at + 48, at + 80),
          sessionHandle: `shandle:${orderedKey(f, 32, random, at + 16)}`,
          creationTime,
          latestAccessTime,
          expiresAt: Math.min(latestAccessTime + idleMs, creationTime + maxMs),
          properties: {
            ...original.properties,
            AMCtxId: tokens.nextAuditId(),
            authInstant: new Date(creationTime).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          },
        };
      };
      let lastReport = performance.now();
      for (let done = 0; done < total; done += ROWS_PER_TRANSACTION) {
        const n = Math.min(ROWS_PER_TRANSACTION, total - done);
        const random = randomBytes(n * RANDOM_BYTES_PER_ROW);
        db.exec('BEGIN');
        try {
          for (let i = 0; i < n; i += 1) {
            const k = done + i;
            let session: StoredSession;
            if (k % stride === 0 && live.length < wanted) {
              const next = copy();
              live.push(next.token);
              session = next.session;
            } else {
              session = filler(k, random, i * RANDOM_BYTES_PER_ROW);
            }
            insert.run(rows.sessionToRow(session));
          }
          db.exec('COMMIT');
        } catch (error) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw error;
        }
        // Let signals (Ctrl-C) and output through between transactions.
        await new Promise((done) => setImmediate(done));
        if (performance.now() - lastReport > 15_000) {
          lastReport = performance.now();
          const rate = (done + n) / ((lastReport - started) / 1000);
          log(`    filled ${fmt(done + n)} of ${fmt(sessions)} sessions (${fmt(rate)} rows/s)`);
        }
      }
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
    const seconds = (performance.now() - started) / 1000;
    const file = join(dataDir, 'anvil.db');
    const bytes = existsSync(file) ? statSync(file).size : 0;
    const fd = openSync(file, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const syncSeconds = (performance.now() - started) / 1000 - seconds;
    fixture.live = live;
    fixture.setup = { insertSeconds: seconds, inserted: sessions };
    const fill: FillInfo = {
      sessions,
      minted: live.length,
      seconds,
      rowsPerSecond: sessions / seconds,
      syncSeconds,
      bytes,
    };
    return Object.assign(fixture, { fill });
  } catch (error) {
    await fixture.cleanup().catch(() => {});
    throw error;
  }
}
