import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Checkpointer } from '../../src/stores/sqlite/checkpointer.js';
import { openSqlite, type SqliteDatabase } from '../../src/stores/sqlite/database.js';

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
    checkpointer = new Checkpointer(db, 3_600_000);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);

    const file = join(dir, 'anvil.db');
    const insert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    for (let i = 0; i < 3000; i += 1) insert.run(`k${i}`, 'v'.repeat(400));
    // Past SQLite's default threshold of 1,000 pages, yet nothing reached the database file.
    const before = statSync(file).size;
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(1000 * 4096);
    const version = db.pragma('data_version', { simple: true });

    await checkpointer.run();
    expect(statSync(file).size).toBeGreaterThan(before + 1_000_000);
    // A checkpoint is not a change of content: the session cache keeps its entries.
    expect(db.pragma('data_version', { simple: true })).toBe(version);
    expect(db.prepare('SELECT count(*) AS n FROM meta').get()).toEqual({ n: 3000 });
  });

  it('under steady writes the log starts over once it is long, and its file is cut back', async () => {
    dir = mkdtempSync(join(tmpdir(), 'anvil-checkpoint-'));
    db = openSqlite({ dataDir: dir });
    checkpointer = new Checkpointer(db, 3_600_000, 200);
    const wal = join(dir, 'anvil.db-wal');
    const insert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    let written = 0;
    const write = () => insert.run(`k${written++}`, 'v'.repeat(400));
    for (let i = 0; i < 1000; i += 1) write();
    expect(statSync(wal).size).toBeGreaterThan(1000 * 4096);

    // Writes go on, one per turn of the event loop, while the worker checkpoints: some land
    // while it copies and syncs, so a passive checkpoint alone never finds the log all copied.
    let writing = true;
    const keepWriting = () => {
      if (!writing) return;
      write();
      setImmediate(keepWriting);
    };
    keepWriting();
    await checkpointer.run();
    writing = false;
    write();

    // The log started over: it holds only what was written since, and the file was cut back to
    // journal_size_limit (200 frames of 4 KiB).
    const [state] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    expect(state?.log).toBeLessThan(200);
    expect(statSync(wal).size).toBeLessThanOrEqual(200 * 4096);
    expect(db.prepare('SELECT count(*) AS n FROM meta').get()).toEqual({ n: written });
  });
});
