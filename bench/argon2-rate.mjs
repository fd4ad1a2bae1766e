// The ceiling for logins: how many argon2id verifications per second this machine does with the
// parameters Anvil hashes passwords with, `concurrency` at a time (default: one per core), with
// nothing else running in this process. Bounded by time; prints one JSON line.
//
// Each of `concurrency` threads verifies back to back with the synchronous call, as Anvil's hashing
// threads do (src/adapters/argon2-workers.ts). The library's asynchronous `verify` on libuv's pool
// does less on this machine: between two verifications a thread waits for the event loop to hand
// it the next, and the two cores stood 7 % idle; it did 155–166 verifications/s where threads did
// 187–195, the same minutes. A ceiling below what Anvil's own hasher reaches would overstate every
// login ratio.
//
//   node bench/argon2-rate.mjs --seconds 10 --concurrency 2 --memory-kib 19456 --iterations 2
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
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
if (!(await verify(phc, password))) throw new Error('argon2 verify failed');

// A thread verifies once outside the window (its code and memory warm), says so, then verifies
// until the deadline it is sent and answers how many it did.
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const { verifySync } = require('@node-rs/argon2');
const { phc, password } = workerData;
if (!verifySync(phc, password)) throw new Error('argon2 verify failed');
parentPort.postMessage('ready');
parentPort.once('message', (deadline) => {
  let done = 0;
  while (performance.timeOrigin + performance.now() < deadline) {
    if (!verifySync(phc, password)) throw new Error('argon2 verify failed');
    done += 1;
  }
  parentPort.postMessage(done);
});
`;
const threads = Array.from(
  { length: concurrency },
  () => new Worker(THREAD, { eval: true, workerData: { phc, password } }),
);
const answer = (worker) =>
  new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
await Promise.all(threads.map(answer));
const start = performance.now();
const deadline = performance.timeOrigin + start + seconds * 1000;
const counts = await Promise.all(
  threads.map((worker) => {
    const done = answer(worker);
    worker.postMessage(deadline);
    return done;
  }),
);
const elapsed = (performance.now() - start) / 1000;
const done = counts.reduce((sum, n) => sum + n, 0);
await Promise.all(threads.map((worker) => worker.terminate()));
process.stdout.write(
  `${JSON.stringify({ verifies: done, seconds: elapsed, rate: done / elapsed, concurrency, ...options })}\n`,
);
