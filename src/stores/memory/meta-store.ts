import type { MetaStore } from '../../domain/meta-store.js';

export class MemoryMetaStore implements MetaStore {
  readonly #values = new Map<string, string>();

  async getOrSet(k: string, value: string): Promise<string> {
    if (!this.#values.has(k)) this.#values.set(k, value);
    return this.#values.get(k) as string;
  }
}
