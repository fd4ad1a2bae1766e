/** The parent's side of bench/paced-client.ts: fixed-rate runs in a client process of its own. */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { PacedJob } from '../paced-client.js';
import { pin } from './affinity.js';
import { BENCH, ROOT } from './constants.js';
import type { PacedSummary } from './load.js';
import { children, cleanEnv } from './processes.js';

type Answer = { id: number; summary: PacedSummary; latencies: number[] } | { id: number; error: string };

export class PacedProcess {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve(answer: Answer): void; reject(error: Error): void }>();
  #next = 0;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (message: Answer) => {
      this.#pending.get(message.id)?.resolve(message);
      this.#pending.delete(message.id);
    });
    child.once('exit', (code, signal) => {
      for (const { reject } of this.#pending.values()) {
        reject(new Error(`the fixed-rate client exited (${code ?? signal})`));
      }
      this.#pending.clear();
    });
  }

  /** Starts the client; with `cpus`, all its threads run only there. */
  static async start(cpus?: readonly number[]): Promise<PacedProcess> {
    const child = fork(join(BENCH, 'paced-client.ts'), [], {
      cwd: ROOT,
      env: cleanEnv(),
      // A young generation of 128 MB: the client scavenges every few hundred ms instead of every
      // 40-70 (its pacing loop allocates as it spins), and each of its pauses is charged to
      // the server it measures.
      execArgv: ['--import', 'tsx', '--max-semi-space-size=128', '--min-semi-space-size=128'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`the fixed-rate client exited at start (${code})`)));
    });
    if (cpus && child.pid !== undefined) pin(child.pid, cpus);
    return new PacedProcess(child);
  }

  async run(job: Omit<PacedJob, 'id'>): Promise<{ summary: PacedSummary; latencies: Float64Array }> {
    const id = this.#next++;
    const answer = await new Promise<Answer>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#child.send({ ...job, id });
    });
    if ('error' in answer) throw new Error(`the fixed-rate client failed: ${answer.error}`);
    return { summary: answer.summary, latencies: Float64Array.from(answer.latencies) };
  }

  stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.disconnect();
    return exited;
  }
}
