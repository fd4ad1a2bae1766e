import type { UsedJourneyStore } from '../../domain/authn/authn-service.js';

export class MemoryUsedJourneyStore implements UsedJourneyStore {
  readonly #spent = new Map<string, number>();

  async spend(id: string, expiresAt: number): Promise<boolean> {
    if (this.#spent.has(id)) return false;
    this.#spent.set(id, expiresAt);
    return true;
  }

  async deleteExpired(now: number, limit: number): Promise<number> {
    let removed = 0;
    for (const [id, expiresAt] of this.#spent) {
      if (removed >= limit) break;
      if (expiresAt < now) {
        this.#spent.delete(id);
        removed += 1;
      }
    }
    return removed;
  }
}
