import { availableParallelism } from 'node:os';
import { fail } from '../domain/errors.js';
import type { PasswordHasher } from '../domain/identity/store.js';

/**
 * Password hashing with a ceiling: at most `concurrency` hashes are handed to the inner hasher at
 * once (one per core by default; the server hands its hashing threads two each, the one they
 * hash and the next), at most `queueLimit` wait; beyond that a login is refused at once with 503
 * rather than queued behind a flood. Requests that do not hash (validate, refresh…) never wait here.
 */
export class BoundedHasher implements PasswordHasher {
  readonly #inner: PasswordHasher;
  readonly #concurrency: number;
  readonly #queueLimit: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(inner: PasswordHasher, options: { concurrency?: number; queueLimit: number }) {
    this.#inner = inner;
    this.#concurrency = Math.max(1, options.concurrency ?? availableParallelism());
    this.#queueLimit = options.queueLimit;
  }

  hash(password: string): Promise<string> {
    return this.#run(() => this.#inner.hash(password));
  }

  verify(hash: string, password: string): Promise<boolean> {
    return this.#run(() => this.#inner.verify(hash, password));
  }

  async #run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#concurrency) {
      if (this.#waiting.length >= this.#queueLimit) {
        fail('ServiceUnavailable', 'Too many logins at once: try again shortly');
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running += 1;
    }
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      // Hand the slot straight to the next waiter; otherwise free it.
      if (next) next();
      else this.#running -= 1;
    }
  }
}
