import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqliteDatabase } from './database.js';

/**
 * Copies the write-ahead log back into the database file from a worker thread, so that the
 * event loop never waits for it. Left to SQLite, the connection that commits the 1,000th page
 * runs the checkpoint itself — a burst of writes and an fsync, several milliseconds during
 * which no request is answered. Here the serving connection never checkpoints
 * (`wal_autocheckpoint = 0`); a second connection in a worker runs a PASSIVE checkpoint (it
 * never blocks readers or writers) every `intervalMs`. Should the worker fail, the serving
 * connection takes the job back.
 *
 * A passive checkpoint alone lets the log grow without end under steady writes: SQLite starts
 * the log over only when a write begins with every frame already copied, and with writes every
 * few milliseconds one always lands while the checkpoint copies and syncs (measured: +2 MB/s
 * with validate's idle-time writes, for as long as the process ran). So once the log holds
 * `restartFrames` frames after the passive pass, the worker runs a RESTART checkpoint: it copies
 * the few frames written since, holding writers off for that long (the serving connection's
 * writes wait in its busy handler, a few milliseconds), and the next write starts the log from
 * its beginning; the commit after it cuts the file back to `journal_size_limit`.
 */
export class Checkpointer {
  readonly #worker: Worker;
  readonly #db: SqliteDatabase;
  readonly #pending = new Map<number, () => void>();
  #next = 0;
  #closed = false;

  constructor(db: SqliteDatabase, intervalMs = 1_000, restartFrames = RESTART_FRAMES) {
    this.#db = db;
    db.pragma('wal_autocheckpoint = 0');
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.pragma(`journal_size_limit = ${restartFrames * pageSize}`);
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver: require.resolve('better-sqlite3'), file: db.name, intervalMs, restartFrames },
    });
    this.#worker.unref();
    this.#worker.on('message', (id: number) => {
      this.#pending.get(id)?.();
      this.#pending.delete(id);
    });
    this.#worker.on('error', () => this.#fallBack());
    this.#worker.on('exit', () => this.#fallBack());
  }

  /** Runs a checkpoint now and resolves when it is done (tests, shutdown). */
  run(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#worker.postMessage(id);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#worker.terminate();
    for (const resolve of this.#pending.values()) resolve();
    this.#pending.clear();
  }

  #fallBack(): void {
    for (const resolve of this.#pending.values()) resolve();
    this.#pending.clear();
    if (this.#closed || !this.#db.open) return;
    this.#closed = true;
    this.#db.pragma('wal_autocheckpoint = 1000');
  }
}

const require = createRequire(import.meta.url);

/** Frames in the log (4 KiB pages: 64 MiB) past which the worker starts it over. */
const RESTART_FRAMES = 16_384;

/** The worker: CommonJS, evaluated as a string so that it runs the same from src/ and dist/. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const checkpoint = () => {
  const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)');
  if (log >= workerData.restartFrames) db.pragma('wal_checkpoint(RESTART)');
};
setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (id) => {
  checkpoint();
  parentPort.postMessage(id);
});
`;
