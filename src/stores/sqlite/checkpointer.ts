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
 *
 * The first commit of a new log writes its header and syncs it (SQLite's guard against
 * replaying stale frames after a power loss): 6–9 ms in the disk, measured, which on the serving
 * connection stopped the event loop each time. SQLite starts the log over at the first write
 * that finds it all copied, so the worker does the same restart, under the held gate, also
 * when a passive pass has copied everything, and makes that first commit itself before letting
 * the writes go: it rewrites the header's `application_id` with its own value, a change of no
 * content. Its own commit then stays uncopied (a pass runs only after another connection has
 * committed), so the serving connection's next write goes on in the same log.
 *
 * Another connection's commit empties the session cache (`data_version` changes); this one must
 * not, so the serving connection reads `data_version` just before and just after it, each time
 * while the worker holds the write lock, and the worker tells whether anyone else committed
 * between its two locks (`OwnCommitListener`). Until that is known the cache serves nothing from
 * memory (a lookup in that window would see `data_version` moved); then, if it had seen the first
 * value, it takes the second as seen and keeps its entries.
 */
export class Checkpointer {
  readonly #worker: Worker;
  readonly #db: SqliteDatabase;
  readonly #gate: WriteGate;
  readonly #pending = new Map<number, () => void>();
  readonly #dataVersion;
  readonly #ownCommit: OwnCommitListener | undefined;
  #next = 0;
  #closed = false;

  constructor(
    db: SqliteDatabase,
    gate: WriteGate,
    options: {
      intervalMs?: number;
      restartFrames?: number;
      /** Told of the worker's commit after a restart (see OwnCommitListener). */
      ownCommit?: OwnCommitListener | undefined;
    } = {},
  ) {
    const restartFrames = options.restartFrames ?? RESTART_FRAMES;
    this.#db = db;
    this.#gate = gate;
    this.#ownCommit = options.ownCommit;
    this.#dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
    db.pragma('wal_autocheckpoint = 0');
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const journalSizeLimit = restartFrames * pageSize;
    db.pragma(`journal_size_limit = ${journalSizeLimit}`);
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver: require.resolve('better-sqlite3'),
        file: db.name,
        intervalMs: options.intervalMs ?? 1_000,
        restartFrames,
        journalSizeLimit,
        restartWaitMs: RESTART_WAIT_MS,
        restartBackoff: RESTART_BACKOFF,
      },
    });
    this.#worker.unref();
    this.#worker.on('message', (message: WorkerMessage) => this.#receive(message));
    this.#worker.on('error', () => this.#fallBack());
    this.#worker.on('exit', () => this.#fallBack());
  }

  #receive(message: WorkerMessage): void {
    if ('hold' in message) {
      // Between two turns of the event loop no write of this connection is under way.
      this.#gate.hold();
      this.#worker.postMessage({ held: true });
    } else if ('before' in message) {
      if (this.#db.open) this.#ownCommit?.begin(this.#dataVersion.get() as number);
      this.#worker.postMessage({ read: true });
    } else if ('after' in message) {
      this.#ownCommit?.end(message.after && this.#db.open ? (this.#dataVersion.get() as number) : undefined);
      this.#worker.postMessage({ read: true });
    } else if ('release' in message) {
      this.#ownCommit?.end(undefined);
      this.#gate.release();
    } else {
      this.#pending.get(message.done)?.();
      this.#pending.delete(message.done);
    }
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
    this.#ownCommit?.end(undefined);
    this.#gate.release();
    for (const resolve of this.#pending.values()) resolve();
    this.#pending.clear();
  }
}

/**
 * What the session cache of the serving connection needs to know of the worker's commit after a
 * restart: `begin` with `data_version` just before it (the worker holds the write lock), `end`
 * with `data_version` just after it when nothing else committed in between (the worker holds the
 * lock again), or undefined when that is not known. `end` also comes without a `begin` (when the
 * gate opens, when the worker stops): then it changes nothing.
 */
export interface OwnCommitListener {
  begin(before: number): void;
  end(after: number | undefined): void;
}

type WorkerMessage =
  | { hold: true }
  | { before: true }
  | { after: boolean }
  | { release: true }
  | { done: number };

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
db.pragma('synchronous = NORMAL');
db.pragma('journal_size_limit = ' + workerData.journalSizeLimit);
const dataVersion = db.prepare('PRAGMA data_version').pluck();
const applicationId = db.prepare('PRAGMA application_id').pluck();
let restarting = false;
let skip = 0;
// After a restart: 'written' (the header rewritten, uncommitted, the parent reading its
// data_version), then 'locked' (committed, the write lock taken again, the parent reading again).
let phase = 'idle';
let versionInLock = 0;
const waiting = [];
const answer = () => {
  for (const id of waiting.splice(0)) parentPort.postMessage({ done: id });
};
const rollback = () => {
  try {
    if (db.inTransaction) db.exec('ROLLBACK');
  } catch {}
};
const finish = () => {
  rollback();
  phase = 'idle';
  restarting = false;
  parentPort.postMessage({ release: true });
  answer();
};
// data_version when the last checkpoint began: while it stays the same, no other connection has
// committed since and there is nothing to copy but this worker's own commit, which stays in the
// log so that the next write goes on from it (a log all copied is started over by the next write).
let checkpointedAt;
const checkpoint = () => {
  if (restarting) return;
  const version = dataVersion.get();
  if (version === checkpointedAt) return answer();
  const [{ log, checkpointed }] = db.pragma('wal_checkpoint(PASSIVE)');
  checkpointedAt = version;
  if (skip > 0) skip -= 1;
  else if (log >= workerData.restartFrames || (log > 0 && checkpointed === log)) {
    restarting = true;
    parentPort.postMessage({ hold: true });
    return;
  }
  answer();
};
const restart = () => {
  let reset = false;
  try {
    const [{ busy }] = db.pragma('wal_checkpoint(RESTART)');
    if (busy) skip = workerData.restartBackoff;
    else reset = true;
  } catch {
    skip = workerData.restartBackoff;
  }
  if (!reset) return finish();
  // The first commit of the new log, made here: its header is written and synced off the event loop.
  try {
    db.exec('BEGIN IMMEDIATE');
    versionInLock = dataVersion.get();
    db.pragma('application_id = ' + applicationId.get());
  } catch {
    return finish();
  }
  phase = 'written';
  parentPort.postMessage({ before: true });
};
const afterRead = () => {
  if (phase !== 'written') return finish();
  try {
    db.exec('COMMIT');
    db.exec('BEGIN IMMEDIATE');
  } catch {
    return finish();
  }
  phase = 'locked';
  // Unchanged: no other connection committed between this lock and the previous one.
  parentPort.postMessage({ after: dataVersion.get() === versionInLock });
};
setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message.held) return restart();
  if (message.read) return afterRead();
  waiting.push(message.run);
  checkpoint();
});
`;
