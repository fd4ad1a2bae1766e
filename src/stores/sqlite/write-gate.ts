/**
 * Holds one connection's writes back while another connection needs the database to itself for a
 * moment (the checkpointer starting the write-ahead log over, see Checkpointer). A write that
 * found the gate held does not call SQLite at all — SQLite would sleep in its busy handler, and
 * on the serving connection that sleep stops the event loop — but waits here, asynchronously;
 * writes held back go on in the order they came once the gate opens. Reads are never held.
 */
export class WriteGate {
  #held: Promise<void> | undefined;
  #open: (() => void) | undefined;

  /** While held, a promise that settles when writes may go on; undefined when they may now. */
  get held(): Promise<void> | undefined {
    return this.#held;
  }

  hold(): void {
    this.#held ??= new Promise((resolve) => {
      this.#open = resolve;
    });
  }

  release(): void {
    const open = this.#open;
    this.#held = undefined;
    this.#open = undefined;
    open?.();
  }
}
