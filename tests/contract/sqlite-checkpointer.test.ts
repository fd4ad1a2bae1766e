import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Checkpointer } from '../../src/stores/sqlite/checkpointer.js';
import { openSqlite, type SqliteDatabase } from '../../src/stores/sqlite/database.js';
import { SqliteMetaStore } from '../../src/stores/sqlite/meta-store.js';
import { SqliteSessionStore } from '../../src/stores/sqlite/session-store.js';
import { WriteGate } from '../../src/stores/sqlite/write-gate.js';
import { storedSession } from './session-store.contract.js';

/** The salts of the write-ahead log's header, which change each time the log starts over. */
function salts(wal: string): string {
  const header = Buffer.alloc(32);
  const fd = openSync(wal, 'r');
  try {
    readSync(fd, header, 0, 32, 0);
  } finally {
    closeSync(fd);
  }
  return header.subarray(16, 24).toString('hex');
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A gate that counts how often it was held. */
class CountingGate extends WriteGate {
  holds = 0;
  override hold(): void {
    this.holds += 1;
    super.hold();
  }
}

describe('SQLite checkpoints run off the event loop', () => {
  let dir: string;
  let db: SqliteDatabase;
  let checkpointer: Checkpointer;

  afterEach(async () => {
    await checkpointer?.close();
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the serving connection never checkpoints; the worker copies the log into the file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'anvil-checkpoint-'));
    db = openSqlite({ dataDir: dir });
    // A long interval: only the explicit run() below checkpoints during the test.
    checkpointer = new Checkpointer(db, new WriteGate(), { intervalMs: 3_600_000 });
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);

    const file = join(dir, 'anvil.db');
    const insert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    for (let i = 0; i < 3000; i += 1) insert.run(`k${i}`, 'v'.repeat(400));
    // Past SQLite's default threshold of 1,000 pages, yet nothing reached the database file.
    const before = statSync(file).size;
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(1000 * 4096);

    await checkpointer.run();
    expect(statSync(file).size).toBeGreaterThan(before + 1_000_000);
    expect(db.prepare('SELECT count(*) AS n FROM meta').get()).toEqual({ n: 3000 });
  });

  it('under steady writes the log starts over once it is long, and its file is cut back', async () => {
    dir = mkdtempSync(join(tmpdir(), 'anvil-checkpoint-'));
    db = openSqlite({ dataDir: dir });
    const gate = new CountingGate();
    checkpointer = new Checkpointer(db, gate, { intervalMs: 3_600_000, restartFrames: 200 });
    const wal = join(dir, 'anvil.db-wal');
    const insert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    let written = 0;
    const write = () => insert.run(`k${written++}`, 'v'.repeat(400));
    for (let i = 0; i < 1000; i += 1) write();
    expect(statSync(wal).size).toBeGreaterThan(1000 * 4096);

    // Writes go on, one per turn of the event loop, while the worker checkpoints: some land
    // while it copies and syncs, so a passive checkpoint alone never finds the log all copied.
    // Like the stores' writes, they wait while the gate is held; they stop once it opens again
    // (the worker may post its answer to run() a while after it let the gate go).
    let writing = true;
    const restarted = () => gate.holds > 0 && gate.held === undefined;
    const keepWriting = async () => {
      while (writing && !restarted()) {
        await gate.held;
        write();
        await new Promise(setImmediate);
      }
    };
    const writer = keepWriting();
    await checkpointer.run();
    writing = false;
    await writer;
    // The restart held the gate and let it go.
    expect(gate.holds).toBe(1);
    expect(gate.held).toBeUndefined();
    write();

    // The log started over: it holds only what was written since, and the file was cut back to
    // journal_size_limit (200 frames of 4 KiB).
    const [state] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    expect(state?.log).toBeLessThan(200);
    expect(statSync(wal).size).toBeLessThanOrEqual(200 * 4096);
    expect(db.prepare('SELECT count(*) AS n FROM meta').get()).toEqual({ n: written });
  });
  it("a new log's first commit, which syncs its header, is the worker's, not the serving connection's", async () => {
    dir = mkdtempSync(join(tmpdir(), 'anvil-checkpoint-'));
    db = openSqlite({ dataDir: dir });
    const gate = new CountingGate();
    checkpointer = new Checkpointer(db, gate, { intervalMs: 3_600_000 });
    const meta = new SqliteMetaStore(db, gate);
    const insert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    for (let i = 0; i < 100; i += 1) insert.run(`k${i}`, 'v'.repeat(400));
    const wal = join(dir, 'anvil.db-wal');
    const first = salts(wal);

    // The pass copies the whole log: the worker starts it over (new salts in its header) and
    // commits to it before the gate opens; the serving connection's next write goes on from it.
    await checkpointer.run();
    expect(gate.holds).toBe(1);
    const second = salts(wal);
    expect(second).not.toBe(first);
    await meta.getOrSet('a', 'x');
    expect(salts(wal)).toBe(second);

    // Again after that write; a pass with nothing written since does nothing.
    await checkpointer.run();
    expect(gate.holds).toBe(2);
    const third = salts(wal);
    expect(third).not.toBe(second);
    await checkpointer.run();
    expect(gate.holds).toBe(2);
    await meta.getOrSet('b', 'x');
    expect(salts(wal)).toBe(third);
    expect(db.prepare('SELECT count(*) AS n FROM meta').get()).toEqual({ n: 102 });
  });

  it("the worker's commit after a restart leaves the session cache as it was", async () => {
    dir = mkdtempSync(join(tmpdir(), 'anvil-checkpoint-'));
    db = openSqlite({ dataDir: dir });
    const gate = new CountingGate();
    const sessions = new SqliteSessionStore(db, { gate });
    checkpointer = new Checkpointer(db, gate, {
      intervalMs: 3_600_000,
      restartFrames: 200,
      ownCommit: sessions.ownCommit,
    });
    const session = storedSession();
    const busy = storedSession();
    await sessions.insert(session);
    await sessions.insert(busy);
    const insert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    for (let i = 0; i < 1000; i += 1) insert.run(`k${i}`, 'v'.repeat(400));
    // A change behind the cache's back, on its own connection (which data_version does not
    // count): what the cache serves tells whether it kept its entries.
    db.prepare('UPDATE sessions SET username = ? WHERE id = ?').run('behind', session.id);
    await nextTurn();
    expect((await sessions.get(session.id))?.username).toBe(session.username);

    // Requests for another session keep coming, one lookup per turn, while the worker commits
    // and reports: they see data_version move before the worker has said why.
    let done = false;
    const ran = checkpointer.run().then(() => {
      done = true;
    });
    let lookups = 0;
    while (!done) {
      expect((await sessions.get(busy.id))?.id).toBe(busy.id);
      lookups += 1;
      await nextTurn();
    }
    await ran;
    expect(lookups).toBeGreaterThan(1);
    expect(gate.holds).toBe(1);
    await nextTurn();
    expect((await sessions.get(session.id))?.username).toBe(session.username);

    // Another connection's commit is still noticed.
    const other = new Database(join(dir, 'anvil.db'));
    try {
      other.prepare('UPDATE sessions SET username = ? WHERE id = ?').run('other', session.id);
    } finally {
      other.close();
    }
    await nextTurn();
    expect((await sessions.get(session.id))?.username).toBe('other');
  });

  it("another connection's commit while the gate is held empties the session cache", async () => {
    dir = mkdtempSync(join(tmpdir(), 'anvil-checkpoint-'));
    db = openSqlite({ dataDir: dir });
    const other = new Database(join(dir, 'anvil.db'));
    const session = storedSession();
    // It commits at the moment the gate is held: after the cache's last look at data_version,
    // before the worker starts the log over.
    class CommittingGate extends CountingGate {
      override hold(): void {
        other.prepare('UPDATE sessions SET username = ? WHERE id = ?').run('other', session.id);
        super.hold();
      }
    }
    const gate = new CommittingGate();
    const sessions = new SqliteSessionStore(db, { gate });
    let ownCommits = 0;
    checkpointer = new Checkpointer(db, gate, {
      intervalMs: 3_600_000,
      restartFrames: 200,
      ownCommit: {
        begin: (before) => {
          ownCommits += 1;
          sessions.ownCommit.begin(before);
        },
        end: sessions.ownCommit.end,
      },
    });
    try {
      await sessions.insert(session);
      const insert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
      for (let i = 0; i < 1000; i += 1) insert.run(`k${i}`, 'v'.repeat(400));
      await nextTurn();
      expect((await sessions.get(session.id))?.username).toBe(session.username);

      await checkpointer.run();
      expect(gate.holds).toBe(1);
      expect(ownCommits).toBe(1);
      await nextTurn();
      expect((await sessions.get(session.id))?.username).toBe('other');
    } finally {
      other.close();
    }
  });

  it('a restart that other readers keep waiting gives up soon and lets the writes go on', async () => {
    dir = mkdtempSync(join(tmpdir(), 'anvil-checkpoint-'));
    db = openSqlite({ dataDir: dir });
    const gate = new CountingGate();
    checkpointer = new Checkpointer(db, gate, { intervalMs: 3_600_000, restartFrames: 200 });
    const meta = new SqliteMetaStore(db, gate);
    // Another process's reader (here another connection) stays in a snapshot of the log.
    const reader = new Database(join(dir, 'anvil.db'));
    try {
      const insert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
      for (let i = 0; i < 100; i += 1) insert.run(`a${i}`, 'v'.repeat(400));
      reader.exec('BEGIN');
      reader.prepare('SELECT count(*) FROM meta').get();
      for (let i = 0; i < 1000; i += 1) insert.run(`b${i}`, 'v'.repeat(400));

      const started = performance.now();
      await checkpointer.run();
      // The restart was tried, found the reader, and let go after its short wait — not
      // busy_timeout's 5 s.
      expect(gate.holds).toBe(1);
      expect(gate.held).toBeUndefined();
      expect(performance.now() - started).toBeLessThan(2_000);
      await expect(meta.getOrSet('after', 'x')).resolves.toBe('x');
    } finally {
      reader.close();
    }
  });

  it("a store's writes wait while the gate is held, then go on in order", async () => {
    dir = mkdtempSync(join(tmpdir(), 'anvil-checkpoint-'));
    db = openSqlite({ dataDir: dir });
    const gate = new WriteGate();
    const sessions = new SqliteSessionStore(db, { gate });
    const meta = new SqliteMetaStore(db, gate);
    const kept = storedSession();
    const gone = storedSession();
    await sessions.insert(kept);
    await sessions.insert(gone);
    const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sessions').pluck();

    gate.hold();
    const order: string[] = [];
    const track = <T>(name: string, work: Promise<T>) =>
      work.then((value) => {
        order.push(name);
        return value;
      });
    const added = storedSession();
    const writes = [
      track('insert', sessions.insert(added)),
      track('touch', sessions.touch(gone.id, gone.latestAccessTime + 60_000, gone.expiresAt + 60_000)),
      track('delete', sessions.delete(gone.id)),
      track('meta', meta.getOrSet('k', 'v')),
    ];
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Nothing reached the database; reads still answer.
    expect(order).toEqual([]);
    expect(count.get()).toBe(2);
    expect((await sessions.get(kept.id))?.id).toBe(kept.id);

    gate.release();
    const [, touched, deleted, value] = await Promise.all(writes);
    // Idle-time writes and deletes are committed together at the end of a turn, as ever: after
    // the other writes, and in the order they were asked for.
    expect(order).toEqual(['insert', 'meta', 'touch', 'delete']);
    expect(touched).toBe(true);
    expect(deleted).toBe(true);
    expect(value).toBe('v');
    expect(await sessions.get(gone.id)).toBeUndefined();
    expect((await sessions.get(added.id))?.id).toBe(added.id);
    expect(count.get()).toBe(2);
  });
});
