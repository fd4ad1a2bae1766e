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
 * Anvil hashes passwords on threads of its own, one per core (src/adapters/argon2-workers.ts), so
 * the ceiling is the raw rate with one hash per core, measured for the whole round. (Earlier runs
 * took the better of that and four at once, each for half the round: on two cores four hashes do
 * no more work than two, and the better of two noisy samples overstated the ceiling.)
 */
export const HASH_CONCURRENCY = availableParallelism();

export function runArgon2Baseline(seconds: number): ArgonRate {
  return runArgon2Rate(seconds, HASH_CONCURRENCY);
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
