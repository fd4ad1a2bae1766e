import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { PasswordHasher } from '../domain/identity/store.js';
import { Argon2Hasher, type Argon2Options, argon2idOptions } from './argon2-hasher.js';

/** How much lower than the event loop the hashing threads run (Linux `nice`, added, at most 19). */
export const HASH_NICE = 10;

/**
 * Jobs handed to one thread at once: the one it hashes and the next, waiting in its own message
 * port, so that it starts that one the moment it finishes, without a turn of the event loop.
 */
export const JOBS_PER_THREAD = 2;

interface Job {
  op: 'hash' | 'verify';
  password: string;
  phc: string;
  resolve(value: string | boolean): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker;
  /** Handed to this thread, in order: the first is being hashed. */
  jobs: Job[];
}

/**
 * argon2id on threads of its own that run at a lower scheduling priority than the rest of the
 * process. A login burst keeps every core hashing; at the same priority the hashes then take CPU
 * turns from the event loop, and a validate waits behind them for milliseconds. At `nice` +10
 * (Linux: a per-thread setting) a waking event loop runs at once, and the hashes get every cycle
 * it does not want. `nice` ranks threads within one scheduling group only: Redis or PostgreSQL on
 * the same machine are in groups of their own (a service's cgroup, a session's autogroup), and
 * Anvil must be too, not share one with another busy program (docs/operations.md).
 *
 * Each thread holds up to `JOBS_PER_THREAD` jobs: while it hashes one, the next already waits in
 * its message port. Under load the event loop is busy with requests, and a thread that had to wait
 * for it to hand over the next job would idle for as long (a tenth of its time, measured during a
 * login burst). A new job goes to an idle thread first; the rest wait here in order. A thread that
 * dies (it should not) fails over: its jobs are hashed again on libuv's pool, and a new thread
 * takes its place for later jobs.
 */
export class Argon2WorkerHasher implements PasswordHasher {
  readonly #options: Argon2Options;
  readonly #fallback: Argon2Hasher;
  readonly #binding: string;
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  #closed = false;

  /**
   * `threads`: one per core by default. `binding`: the module the threads hash with
   * (`@node-rs/argon2`; tests give one that fails on purpose).
   */
  constructor(options: { memoryKiB: number; iterations: number; threads?: number; binding?: string }) {
    this.#binding = options.binding ?? require.resolve('@node-rs/argon2');
    this.#options = argon2idOptions(options);
    this.#fallback = new Argon2Hasher(options);
    const threads = Math.max(1, options.threads ?? availableParallelism());
    for (let i = 0; i < threads; i++) this.#slots.push(this.#spawn());
  }

  /** How many hashing threads there are (as many hashes run at once). */
  get threads(): number {
    return this.#slots.length;
  }

  /** How many jobs the threads hold at once (hashing or next in line); more wait here. */
  get capacity(): number {
    return this.#slots.length * JOBS_PER_THREAD;
  }

  hash(password: string): Promise<string> {
    return this.#submit('hash', password, '') as Promise<string>;
  }

  verify(phc: string, password: string): Promise<boolean> {
    return this.#submit('verify', password, phc) as Promise<boolean>;
  }

  /** Stops the threads; jobs still queued or running are finished on libuv's pool. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const orphans = [...this.#slots.flatMap((slot) => slot.jobs.splice(0)), ...this.#queue];
    this.#queue.length = 0;
    await Promise.all(this.#slots.map((slot) => slot.worker.terminate()));
    for (const job of orphans) this.#runInProcess(job);
  }

  #submit(op: Job['op'], password: string, phc: string): Promise<string | boolean> {
    return new Promise((resolve, reject) => {
      const job: Job = { op, password, phc, resolve, reject };
      if (this.#closed) return this.#runInProcess(job);
      const slot = this.#leastBusy();
      if (slot) this.#start(slot, job);
      else this.#queue.push(job);
    });
  }

  /** The thread with the fewest jobs, if one can take another. */
  #leastBusy(): Slot | undefined {
    let best: Slot | undefined;
    for (const slot of this.#slots) {
      if (slot.jobs.length < JOBS_PER_THREAD && (!best || slot.jobs.length < best.jobs.length)) best = slot;
    }
    return best;
  }

  #start(slot: Slot, job: Job): void {
    slot.jobs.push(job);
    // A thread with work keeps the process alive until it answers (a CLI hashing, say).
    slot.worker.ref();
    slot.worker.postMessage({ op: job.op, password: job.password, phc: job.phc, options: this.#options });
  }

  /** Tops a thread up from the queue. */
  #refill(slot: Slot): void {
    while (slot.jobs.length < JOBS_PER_THREAD) {
      const next = this.#queue.shift();
      if (!next) return;
      this.#start(slot, next);
    }
  }

  #spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { argon2: this.#binding, nice: HASH_NICE },
    });
    // Idle hashing threads never keep the process alive.
    worker.unref();
    const slot: Slot = { worker, jobs: [] };
    worker.on('message', (answer: { value?: string | boolean; error?: string }) => {
      // A thread answers its jobs in the order it was given them.
      const job = slot.jobs.shift();
      if (slot.jobs.length === 0) worker.unref();
      if (job) {
        // A malformed stored hash never authenticates; a failed hash is an error.
        if (answer.error === undefined) job.resolve(answer.value as string | boolean);
        else if (job.op === 'verify') job.resolve(false);
        else job.reject(new Error(`argon2 hash failed: ${answer.error}`));
      }
      this.#refill(slot);
    });
    const replace = () => {
      if (this.#closed) return;
      const index = this.#slots.indexOf(slot);
      if (index < 0) return;
      const fresh = this.#spawn();
      this.#slots[index] = fresh;
      for (const job of slot.jobs.splice(0)) this.#runInProcess(job);
      this.#refill(fresh);
    };
    worker.on('error', replace);
    worker.on('exit', replace);
    return slot;
  }

  #runInProcess(job: Job): void {
    const work =
      job.op === 'hash' ? this.#fallback.hash(job.password) : this.#fallback.verify(job.phc, job.password);
    work.then(job.resolve, job.reject);
  }
}

const require = createRequire(import.meta.url);

/**
 * The thread: CommonJS, evaluated as a string so that it runs the same from src/ and dist/.
 * `setpriority(PRIO_PROCESS, 0)` names the calling thread on Linux only; elsewhere it would lower
 * the whole process, so it is left alone there.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const os = require('node:os');
const { hashSync, verifySync } = require(workerData.argon2);
if (process.platform === 'linux') {
  try { os.setPriority(0, Math.min(19, os.getPriority(0) + workerData.nice)); } catch {}
}
parentPort.on('message', ({ op, password, phc, options }) => {
  try {
    const value = op === 'hash' ? hashSync(password, options) : verifySync(phc, password);
    parentPort.postMessage({ value });
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
});
`;
