/**
 * The fixed-rate client in a process of its own, driven over IPC by bench/lib/paced-process.ts:
 * each message is one run of `pacedLatencies` (bench/lib/load.ts); the answer carries its summary
 * and every latency. A process of its own has a small heap of its own: in the runner, the client
 * shared its event loop and its garbage collector with everything the run had kept and produced
 * so far (autocannon's load, the results), and paused with them.
 */
import { pacedLatencies } from './lib/load.js';
import type { Target } from './lib/processes.js';

export interface PacedJob {
  id: number;
  target: Pick<Target, 'name' | 'port'>;
  action: string;
  tokens: string[];
  rate: number;
  seconds: number;
  spin: boolean;
}

const send = (message: unknown) => process.send?.(message);

process.on('message', (job: PacedJob) => {
  pacedLatencies(job.target, job.action, job.tokens, job.rate, job.seconds, { spin: job.spin }).then(
    ({ summary, latencies }) => send({ id: job.id, summary, latencies: Array.from(latencies) }),
    (error: unknown) => send({ id: job.id, error: String(error) }),
  );
});
send({ ready: true });
