import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite, type SqliteDatabase } from '../../src/stores/sqlite/database.js';
import { SqliteSessionStore } from '../../src/stores/sqlite/session-store.js';
import { WriteGate } from '../../src/stores/sqlite/write-gate.js';
import { storedSession } from './session-store.contract.js';

/** Counts the transactions run through `db.transaction` wrappers made after this call. */
function countTransactions(db: SqliteDatabase): { count: number } {
  const counter = { count: 0 };
  const make = db.transaction.bind(db);
  db.transaction = ((fn: (...args: never[]) => unknown) => {
    const wrapped = make(fn);
    const counted = (...args: never[]) => {
      counter.count += 1;
      return wrapped(...args);
    };
    return Object.assign(counted, { immediate: wrapped.immediate, deferred: wrapped.deferred });
  }) as typeof db.transaction;
  return counter;
}

describe('SQLite: idle-time writes of one turn are committed together', () => {
  let dir: string;
  let db: SqliteDatabase;

  afterEach(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function open(gate?: WriteGate) {
    dir = mkdtempSync(join(tmpdir(), 'anvil-touch-'));
    db = openSqlite({ dataDir: dir });
    const transactions = countTransactions(db);
    return { sessions: new SqliteSessionStore(db, { gate }), transactions };
  }

  it('one transaction for the turn, each touch answered as if alone', async () => {
    const { sessions, transactions } = open();
    const live = [storedSession(), storedSession(), storedSession()];
    for (const session of live) await sessions.insert(session);
    const later = storedSession();
    await sessions.insert(later);
    // Cached, so that the new times must reach the cache too.
    for (const session of [...live, later]) await sessions.get(session.id);
    transactions.count = 0;

    const minute = 60_000;
    const answers = await Promise.all([
      ...live.map((s) => sessions.touch(s.id, s.latestAccessTime + minute, s.expiresAt + minute)),
      // An earlier time than the stored one moves nothing, yet the session exists.
      sessions.touch(later.id, later.latestAccessTime - minute, later.expiresAt - minute),
      sessions.touch('no-such-session', 1, 2),
    ]);
    expect(answers).toEqual([true, true, true, true, false]);
    expect(transactions.count).toBe(1);
    for (const s of live) {
      expect(await sessions.get(s.id)).toMatchObject({
        latestAccessTime: s.latestAccessTime + minute,
        expiresAt: s.expiresAt + minute,
      });
    }
    expect((await sessions.get(later.id))?.latestAccessTime).toBe(later.latestAccessTime);
    const row = db.prepare<[string], { latest_access_time: number }>(
      'SELECT latest_access_time FROM sessions WHERE id = ?',
    );
    expect(row.get(live[0]?.id ?? '')?.latest_access_time).toBe((live[0]?.latestAccessTime ?? 0) + minute);
  });

  it('a touch and a logout of one session in one turn: touched, then gone', async () => {
    const { sessions } = open();
    const session = storedSession();
    await sessions.insert(session);
    const [touched, deleted] = await Promise.all([
      sessions.touch(session.id, session.latestAccessTime + 1_000, session.expiresAt + 1_000),
      sessions.delete(session.id),
    ]);
    expect(touched).toBe(true);
    expect(deleted).toBe(true);
    expect(await sessions.get(session.id)).toBeUndefined();
  });

  it('touches asked while the gate is held are written once it opens', async () => {
    const gate = new WriteGate();
    const { sessions } = open(gate);
    const session = storedSession();
    await sessions.insert(session);
    gate.hold();
    let answered = false;
    const touch = sessions
      .touch(session.id, session.latestAccessTime + 1_000, session.expiresAt + 1_000)
      .then((value) => {
        answered = true;
        return value;
      });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(answered).toBe(false);
    const row = db.prepare<[string], { latest_access_time: number }>(
      'SELECT latest_access_time FROM sessions WHERE id = ?',
    );
    expect(row.get(session.id)?.latest_access_time).toBe(session.latestAccessTime);
    gate.release();
    await expect(touch).resolves.toBe(true);
    expect(row.get(session.id)?.latest_access_time).toBe(session.latestAccessTime + 1_000);
  });

  it('a failed commit fails every touch of its turn', async () => {
    const { sessions } = open();
    const a = storedSession();
    const b = storedSession();
    await sessions.insert(a);
    await sessions.insert(b);
    // Another connection holds the write lock past the busy timeout.
    db.pragma('busy_timeout = 0');
    const other = openSqlite({ dataDir: dir });
    other.exec('BEGIN IMMEDIATE');
    try {
      const results = await Promise.allSettled([
        sessions.touch(a.id, a.latestAccessTime + 1_000, a.expiresAt + 1_000),
        sessions.touch(b.id, b.latestAccessTime + 1_000, b.expiresAt + 1_000),
      ]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    await expect(sessions.touch(a.id, a.latestAccessTime + 1_000, a.expiresAt + 1_000)).resolves.toBe(true);
  });
});
