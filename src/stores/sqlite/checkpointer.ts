import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqliteDatabase } from './database.js';
import type { WriteGate } from './write-gate.js';

/**
 * Copies the write-ahead log back into the database file from a worker thread, so that the
 * event loop never waits for it. Left to SQLite, the connection that commits the 1,000th page
 * runs the checkpoint itself — a burst of writes and an fsync, several milliseconds during
 * which no request is answered. Here the serving connection never checkpoints
 * (`wal_autocheckpoint = 0`); a second connection in a worker runs a PASSIVE checkpoint (it
 * never blocks readers or writers) every `intervalMs`. Should the worker fail, the serving
 * connection takes the job back. (It keeps the event loop's priority: while it restarts the log,
 * writes wait for it.)
 *
 * A passive checkpoint alone lets the log grow without end under steady writes: SQLite starts
 * the log over only when a write begins with every frame already copied, and with writes every
 * few milliseconds one always lands while the checkpoint copies and syncs (measured: +2 MB/s
 * with validate's idle-time writes, for as long as the process ran). So once the log holds
 * `restartFrames` frames after the passive pass, the worker runs a RESTART checkpoint: it copies
 * the frames written since and syncs the file, holding every writer off meanwhile, and the next
 * write starts the log from its beginning; the commit after it cuts the file back to
 * `journal_size_limit`. A writer held off by SQLite sleeps in its busy handler (1, 2, 5, 10 ms…:
 * 19–35 ms of a stopped event loop, measured, each time the log started over), so the worker
 * first asks for the serving connection's writes to be held (`gate`): they wait asynchronously
 * while the restart runs and go on when it is done. The worker gives a restart at most
 * `RESTART_WAIT_MS` to find the database free (another process writing or reading); failing
 * that, it tries again `RESTART_BACKOFF` intervals later.
 */
export class Checkpointer {
  readonly #worker: Worker;
  readonly #db: SqliteDatabase;
  readonly #gate: WriteGate;
  readonly #pending = new Map<number, () => void>();
  #next = 0;
  #closed = false;

  constructor(
    db: SqliteDatabase,
    gate: WriteGate,
    options: { intervalMs?: number; restartFrames?: number } = {},
  ) {
    const restartFrames = options.restartFrames ?? RESTART_FRAMES;
    this.#db = db;
    this.#gate = gate;
    db.pragma('wal_autocheckpoint = 0');
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.pragma(`journal_size_limit = ${restartFrames * pageSize}`);
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver: require.resolve('better-sqlite3'),
        file: db.name,
        intervalMs: options.intervalMs ?? 1_000,
        restartFrames,
        restartWaitMs: RESTART_WAIT_MS,
        restartBackoff: RESTART_BACKOFF,
      },
    });
    this.#worker.unref();
    this.#worker.on('message', (message: WorkerMessage) => {
      if ('hold' in message) {
        // Between two turns of the event loop no write of this connection is under way.
        gate.hold();
        this.#worker.postMessage({ held: true });
      } else if ('release' in message) {
        gate.release();
      } else {
        this.#pending.get(message.done)?.();
        this.#pending.delete(message.done);
      }
    });
    this.#worker.on('error', () => this.#fallBack());
    this.#worker.on('exit', () => this.#fallBack());
  }

  /** Runs a checkpoint now (and the log's restart, if it is due) and resolves when it is done. */
  run(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#worker.postMessage({ run: id });
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#worker.terminate();
    this.#settle();
  }

  #fallBack(): void {
    this.#settle();
    if (this.#closed || !this.#db.open) return;
    this.#closed = true;
    this.#db.pragma('wal_autocheckpoint = 1000');
  }

  #settle(): void {
    this.#gate.release();
    for (const resolve of this.#pending.values()) resolve();
    this.#pending.clear();
  }
}

type WorkerMessage = { hold: true } | { release: true } | { done: number };

const require = createRequire(import.meta.url);

/** Frames in the log (4 KiB pages: 64 MiB) past which the worker starts it over. */
const RESTART_FRAMES = 16_384;

/** How long a restart of the log may wait for other processes' readers and writers. */
const RESTART_WAIT_MS = 200;

/** Intervals to let pass after a restart that found the database busy. */
const RESTART_BACKOFF = 5;

/**
 * The worker: CommonJS, evaluated as a string so that it runs the same from src/ and dist/.
 * `run` messages are answered once the checkpoint they asked for is done, restart included.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = ' + workerData.restartWaitMs);
let restarting = false;
let skip = 0;
const waiting = [];
const answer = () => {
  for (const id of waiting.splice(0)) parentPort.postMessage({ done: id });
};
const checkpoint = () => {
  if (restarting) return;
  const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)');
  if (skip > 0) skip -= 1;
  else if (log >= workerData.restartFrames) {
    restarting = true;
    parentPort.postMessage({ hold: true });
    return;
  }
  answer();
};
const restart = () => {
  try {
    const [{ busy }] = db.pragma('wal_checkpoint(RESTART)');
    if (busy) skip = workerData.restartBackoff;
  } catch {
    skip = workerData.restartBackoff;
  }
  restarting = false;
  parentPort.postMessage({ release: true });
  answer();
};
setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message.held) return restart();
  waiting.push(message.run);
  checkpoint();
});
`;
