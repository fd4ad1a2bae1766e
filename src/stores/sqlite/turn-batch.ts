import type { WriteGate } from './write-gate.js';

/**
 * Writes asked for during one turn of the event loop, committed together at its end: one WAL
 * commit instead of one each. The batch waits while the gate is held; writes asked for meanwhile
 * join it. `commit` writes the batch in one transaction and settles each item; should it throw,
 * every item still unsettled is rejected with that error.
 */
export class TurnBatch<T extends { reject(error: unknown): void }> {
  readonly #gate: WriteGate;
  readonly #commit: (batch: T[]) => void;
  #pending: T[] = [];

  constructor(gate: WriteGate, commit: (batch: T[]) => void) {
    this.#gate = gate;
    this.#commit = commit;
  }

  add(item: T): void {
    if (this.#pending.length === 0) setImmediate(this.#flush);
    this.#pending.push(item);
  }

  readonly #flush = (): void => {
    const held = this.#gate.held;
    if (held) {
      void held.then(this.#flush);
      return;
    }
    const batch = this.#pending;
    this.#pending = [];
    try {
      this.#commit(batch);
    } catch (error) {
      for (const item of batch) item.reject(error);
    }
  };
}
