import { hash, verify } from '@node-rs/argon2';
import type { PasswordHasher } from '../domain/identity/store.js';

/** `Algorithm.Argon2id` (a const enum, which isolated modules cannot read). */
const ARGON2ID = 2;

export interface Argon2Options {
  algorithm: typeof ARGON2ID;
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** The options @node-rs/argon2 hashes new passwords with: argon2id, one lane. */
export function argon2idOptions(options: { memoryKiB: number; iterations: number }): Argon2Options {
  return { algorithm: ARGON2ID, memoryCost: options.memoryKiB, timeCost: options.iterations, parallelism: 1 };
}

/** argon2id password hashes (PHC strings), OWASP parameters by default. */
export class Argon2Hasher implements PasswordHasher {
  readonly #options: Argon2Options;

  constructor(options: { memoryKiB: number; iterations: number }) {
    this.#options = argon2idOptions(options);
  }

  hash(password: string): Promise<string> {
    return hash(password, this.#options);
  }

  async verify(phc: string, password: string): Promise<boolean> {
    try {
      return await verify(phc, password);
    } catch {
      // A malformed stored hash never authenticates.
      return false;
    }
  }
}
