import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Argon2WorkerHasher, HASH_NICE, JOBS_PER_THREAD } from '../../src/adapters/argon2-workers.js';

const FAST = { memoryKiB: 1024, iterations: 1 };
const open: Argon2WorkerHasher[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((hasher) => hasher.close()));
});

function hasher(options: { threads?: number; binding?: string } = {}): Argon2WorkerHasher {
  const made = new Argon2WorkerHasher({ ...FAST, ...options });
  open.push(made);
  return made;
}

const MARKING = fileURLToPath(new URL('./fixtures/marking-argon2.cjs', import.meta.url));

/** Blocks the event loop (as a busy server would) until `done`, at most 5 s. */
function blockUntil(done: () => boolean): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = performance.now() + 5_000;
  while (!done() && performance.now() < deadline) Atomics.wait(pause, 0, 0, 1);
}

/** The nice value of each thread of this process (Linux). */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

describe('Argon2WorkerHasher', () => {
  it('hashes as argon2id with the given cost and verifies on its threads', async () => {
    const threads = hasher({ threads: 2 });
    const phc = await threads.hash('S3cret-pass');
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    expect(await threads.verify(phc, 'S3cret-pass')).toBe(true);
    expect(await threads.verify(phc, 's3cret-pass')).toBe(false);
    expect(await threads.verify('not a PHC string', 'S3cret-pass')).toBe(false);
  });

  it('answers every job when more arrive than there are threads, each with its own answer', async () => {
    const threads = hasher({ threads: 2 });
    const phc = await threads.hash('right');
    const passwords = Array.from({ length: 9 }, (_, i) => (i % 3 === 0 ? 'right' : `wrong-${i}`));
    const answers = await Promise.all(passwords.map((password) => threads.verify(phc, password)));
    expect(answers).toEqual(passwords.map((password) => password === 'right'));
  });

  it('hands a thread its next job up front, so it goes on while the event loop is busy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anvil-argon2-'));
    try {
      const threads = hasher({ threads: 1, binding: MARKING });
      expect(threads.capacity).toBe(JOBS_PER_THREAD);
      for (const name of ['first', 'second']) writeFileSync(join(dir, `${name}.go`), '');
      const first = threads.verify(join(dir, 'first'), 'right');
      const second = threads.verify(join(dir, 'second'), 'wrong');
      // The event loop is blocked from here on: the thread can start the second job only if it
      // was handed over with the first.
      blockUntil(() => existsSync(join(dir, 'second')));
      expect(existsSync(join(dir, 'second'))).toBe(true);
      expect(await first).toBe(true);
      expect(await second).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives a new job to an idle thread before a busy one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anvil-argon2-'));
    try {
      const threads = hasher({ threads: 2, binding: MARKING });
      const jobs = ['a', 'b'].map((name) => threads.verify(join(dir, name), 'right'));
      // Neither job may end yet: both can have started only on two threads.
      blockUntil(() => existsSync(join(dir, 'a')) && existsSync(join(dir, 'b')));
      const startedTogether = existsSync(join(dir, 'a')) && existsSync(join(dir, 'b'));
      for (const name of ['a', 'b']) writeFileSync(join(dir, `${name}.go`), '');
      expect(await Promise.all(jobs)).toEqual([true, true]);
      expect(startedTogether).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(process.platform === 'linux')(
    'runs its threads at a lower priority than the event loop',
    async () => {
      const own = threadNices()[0] ?? 0;
      const lowered = Math.min(19, own + HASH_NICE);
      const before = threadNices().filter((nice) => nice === lowered).length;
      const threads = hasher({ threads: 2 });
      // The threads lower themselves before they take a job: two answered jobs prove both did.
      const phc = await threads.hash('x');
      await Promise.all([threads.verify(phc, 'x'), threads.verify(phc, 'x'), threads.verify(phc, 'x')]);
      expect(threadNices().filter((nice) => nice === lowered).length - before).toBe(2);
      expect(readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ')[16]).toBe(String(own));
      await threads.close();
      // The threads are gone once the system has reaped them, a moment after `close`.
      const deadline = performance.now() + 2000;
      while (
        threadNices().filter((nice) => nice === lowered).length > before &&
        performance.now() < deadline
      ) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(threadNices().filter((nice) => nice === lowered).length).toBe(before);
    },
  );

  it('finishes a job whose thread dies on the event loop, and replaces the thread', async () => {
    const binding = fileURLToPath(new URL('./fixtures/crashing-argon2.cjs', import.meta.url));
    const threads = hasher({ threads: 1, binding });
    const phc = await threads.hash('right');
    // The thread exits mid-job: the job is verified again in-process (a wrong password: false).
    expect(await threads.verify(phc, 'crash')).toBe(false);
    expect(threads.threads).toBe(1);
    expect(await threads.verify(phc, 'right')).toBe(true);
    expect(await threads.verify(phc, 'crash')).toBe(false);
    expect(await threads.verify(phc, 'right')).toBe(true);
  });

  it('after close, still answers (on libuv’s pool) and holds no thread', async () => {
    const threads = hasher({ threads: 2 });
    const phc = await threads.hash('right');
    const inFlight = threads.verify(phc, 'right');
    await threads.close();
    expect(await inFlight).toBe(true);
    expect(await threads.verify(phc, 'right')).toBe(true);
    expect(await threads.verify(phc, 'wrong')).toBe(false);
  });
});
