import type { UsedJourneyStore } from '../../domain/authn/authn-service.js';
import { GC_GRACE_MS, type RedisKeys } from './keys.js';
import type { ScriptRunner } from './scripts.js';

/**
 * Spent authIds in Redis: `P j:<authId>` set with SET NX (the atomic "first spend wins"), expiring
 * GC_GRACE_MS after the authId does, and indexed by expiresAt in `P jx`. The TTL only collects
 * garbage when no sweeper runs; `deleteExpired` forgets exactly the ids that expired before `now`
 * (as the contract asks), counting index entries whose key a TTL may already have removed.
 */
export class RedisUsedJourneyStore implements UsedJourneyStore {
  readonly #run: ScriptRunner;
  readonly #keys: RedisKeys;

  constructor(run: ScriptRunner, keys: RedisKeys) {
    this.#run = run;
    this.#keys = keys;
  }

  async spend(id: string, expiresAt: number): Promise<boolean> {
    const keys = [this.#keys.journey(id), this.#keys.journeyExpiry];
    return (await this.#run('anvilSpend', keys, [id, expiresAt, expiresAt + GC_GRACE_MS])) === 1;
  }

  async deleteExpired(now: number, limit: number): Promise<number> {
    if (limit <= 0) return 0;
    return Number(await this.#run('anvilForgetJourneys', [this.#keys.journeyExpiry], [now, limit]));
  }
}
