// The ceiling for logins: how many argon2id verifications per second this machine does with the
// parameters Anvil hashes passwords with, `concurrency` at a time (default: one per core), with
// nothing else running in this process. Bounded by time; prints one JSON line.
//
//   node bench/argon2-rate.mjs --seconds 10 --concurrency 2 --memory-kib 19456 --iterations 2
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { hash, verify } from '@node-rs/argon2';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: String(availableParallelism()) },
    'memory-kib': { type: 'string', default: '19456' },
    iterations: { type: 'string', default: '2' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
// algorithm 2 = Argon2id, parallelism 1: what src/adapters/argon2-hasher.ts uses.
const options = {
  algorithm: 2,
  memoryCost: Number(values['memory-kib']),
  timeCost: Number(values.iterations),
  parallelism: 1,
};
const password = 'Ch4ng31t!bench';
const phc = await hash(password, options);
// One verification outside the window, so the first measured one finds the thread pool warm.
if (!(await verify(phc, password))) throw new Error('argon2 verify failed');

const start = performance.now();
const deadline = start + seconds * 1000;
let done = 0;
const worker = async () => {
  while (performance.now() < deadline) {
    if (!(await verify(phc, password))) throw new Error('argon2 verify failed');
    done += 1;
  }
};
await Promise.all(Array.from({ length: concurrency }, worker));
const elapsed = (performance.now() - start) / 1000;
process.stdout.write(
  `${JSON.stringify({ verifies: done, seconds: elapsed, rate: done / elapsed, concurrency, ...options })}\n`,
);
