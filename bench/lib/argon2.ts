/** The ceiling of logins: the raw argon2id verify rate of this machine (bench/argon2-rate.mjs). */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ARGON2, BENCH, ROOT } from './constants.js';
import { cleanEnv } from './processes.js';

export interface ArgonRate {
  rate: number;
  verifies: number;
  seconds: number;
  /** Hashes in flight. */
  concurrency: number;
}

/**
 * Anvil verifies passwords on libuv's thread pool (@node-rs/argon2 async tasks), so up to
 * UV_THREADPOOL_SIZE (4) hashes run at once on the machine's cores. The baseline is the better of
 * the raw rate with one hash per core and with as many as the pool runs: whichever is higher.
 */
export const HASH_CONCURRENCIES = [
  ...new Set([availableParallelism(), Number(process.env.UV_THREADPOOL_SIZE ?? 4)]),
].sort((a, b) => a - b);

export function runArgon2Baseline(seconds: number): ArgonRate {
  const each = seconds / HASH_CONCURRENCIES.length;
  const runs = HASH_CONCURRENCIES.map((concurrency) => runArgon2Rate(each, concurrency));
  return runs.reduce((best, r) => (r.rate > best.rate ? r : best));
}

function runArgon2Rate(seconds: number, concurrency: number): ArgonRate {
  const out = execFileSync(
    process.execPath,
    [
      join(BENCH, 'argon2-rate.mjs'),
      '--seconds',
      String(seconds),
      '--concurrency',
      String(concurrency),
      '--memory-kib',
      String(ARGON2.memoryKib),
      '--iterations',
      String(ARGON2.iterations),
    ],
    { cwd: ROOT, env: cleanEnv(), encoding: 'utf8', timeout: (seconds + 60) * 1000 },
  );
  const parsed = JSON.parse(out.trim()) as { rate: number; verifies: number; seconds: number };
  return { rate: parsed.rate, verifies: parsed.verifies, seconds: parsed.seconds, concurrency };
}
