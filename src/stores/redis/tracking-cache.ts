import type { StoredSession } from '../../domain/sessions/session.js';
import { freezeSession, setBounded } from '../cache-entries.js';

/**
 * Parsed sessions of one Anvil node, kept coherent with every writer of the Redis server by
 * Redis's client-side caching (`CLIENT TRACKING … REDIRECT`): the server remembers which session
 * keys this node's connection has read and, when any client changes or removes one of them,
 * pushes the key's name on a second connection, the tracker (wiring: tracking.ts).
 *
 * Why a hit is never stale — an entry is served only when all of these hold:
 * - it came from a read sent while tracking was on, in the same connection epoch (a lost
 *   connection on either side may have lost invalidations: everything is dropped, `lost`);
 * - no invalidation of its key arrived while that read was in flight: replies on the reading
 *   connection and messages on the tracker are not ordered with each other, so a message for a
 *   write that came after the read can overtake the read's reply (`spoiled`);
 * - after the request that asks for it was received, a PING was sent on the tracker and its
 *   answer came back, and the entry is still there: Redis queues a key's invalidation on the
 *   tracker before it answers the write, so the PONG comes after the invalidation of every write
 *   acknowledged before the request was sent — by any node. Lookups share a PING as long as it is
 *   not yet sent: it goes out at the end of the event-loop turn, after every request read in that
 *   turn, or — while another PING is out — when that one returns; under load one PING serves
 *   many requests.
 * Writes never fill the cache (a key this connection has not read is not tracked): this node's
 * own writes drop the entry, and Redis's invalidation of them follows.
 * Entries are frozen, so that no caller can change what later readers get. At most `limit`
 * entries; the oldest inserted go first.
 */
export class TrackingCache {
  readonly #entries = new Map<string, StoredSession>();
  /** Reads in flight per id, and whether an invalidation of that id arrived meanwhile. */
  readonly #reading = new Map<string, { pending: number; spoiled: boolean }>();
  readonly #limit: number;
  readonly #ping: () => Promise<unknown>;
  /** Barriers whose PING has not answered yet: released with `false` when invalidations are lost. */
  readonly #waiting = new Set<(fresh: boolean) => void>();
  #epoch = 0;
  #tracking = false;
  /** The barrier not yet sent, which lookups join until its PING goes. */
  #unsent: { done: Promise<boolean>; release: (fresh: boolean) => void; epoch: number } | undefined;
  /** Whether a PING of the current epoch is out. */
  #pinging = false;

  /** `ping` sends PING on the tracker connection (after any invalidation already queued there). */
  constructor(limit: number, ping: () => Promise<unknown>) {
    this.#limit = limit;
    this.#ping = ping;
  }

  /** The current connection epoch: pass it to `tracking` once tracking is confirmed in it. */
  get epoch(): number {
    return this.#epoch;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** A connection was lost or is being set up again: invalidations may have been missed. */
  lost(): void {
    this.#epoch += 1;
    this.#tracking = false;
    this.#entries.clear();
    for (const read of this.#reading.values()) read.spoiled = true;
    for (const release of this.#waiting) release(false);
    this.#waiting.clear();
    this.#unsent = undefined;
    this.#pinging = false;
  }

  /** The server confirmed tracking (redirected to a subscribed tracker) during `epoch`. */
  tracking(epoch: number): void {
    if (epoch === this.#epoch && this.#limit > 0) this.#tracking = true;
  }

  /** Keys changed on the server (ids of sessions), or `null`: everything (FLUSHDB, FLUSHALL). */
  invalidate(ids: readonly string[] | null): void {
    if (ids === null) {
      this.#entries.clear();
      for (const read of this.#reading.values()) read.spoiled = true;
      return;
    }
    for (const id of ids) {
      this.#entries.delete(id);
      const read = this.#reading.get(id);
      if (read) read.spoiled = true;
    }
  }

  /** The cached session, once a barrier proves no write acknowledged before this call changed it. */
  async fresh(id: string): Promise<StoredSession | undefined> {
    if (!this.#tracking || !this.#entries.has(id)) return undefined;
    if (!(await this.#barrier())) return undefined;
    return this.#entries.get(id);
  }

  /** Before sending a read of `id`: returns what `endRead` needs, or `undefined` when not caching. */
  beginRead(id: string): number | undefined {
    if (!this.#tracking) return undefined;
    const read = this.#reading.get(id);
    if (read) read.pending += 1;
    else this.#reading.set(id, { pending: 1, spoiled: false });
    return this.#epoch;
  }

  /** After the read's answer (or failure): keeps the session unless it may be stale. */
  endRead(id: string, epoch: number, session: StoredSession | undefined): void {
    const read = this.#reading.get(id);
    if (!read) return;
    read.pending -= 1;
    if (read.pending === 0) this.#reading.delete(id);
    if (read.spoiled || epoch !== this.#epoch || !this.#tracking || session === undefined) return;
    setBounded(this.#entries, this.#limit, id, freezeSession(session));
  }

  /** This node changes the session: drop it now, and spoil reads of it in flight. */
  forget(id: string): void {
    this.invalidate([id]);
  }

  #barrier(): Promise<boolean> {
    if (this.#unsent) return this.#unsent.done;
    let release: (fresh: boolean) => void = () => {};
    const done = new Promise<boolean>((resolve) => {
      release = resolve;
    });
    this.#unsent = { done, release, epoch: this.#epoch };
    this.#waiting.add(release);
    if (!this.#pinging) setImmediate(this.#sendPing);
    return done;
  }

  /** Sends the waiting barrier's PING, one at a time (under load: fewer PINGs, each for more lookups). */
  readonly #sendPing = (): void => {
    const barrier = this.#unsent;
    if (!barrier || this.#pinging) return;
    this.#unsent = undefined;
    if (barrier.epoch !== this.#epoch) return;
    this.#pinging = true;
    const settle = (fresh: boolean) => {
      if (barrier.epoch === this.#epoch) {
        this.#pinging = false;
        if (this.#unsent) setImmediate(this.#sendPing);
      }
      if (this.#waiting.delete(barrier.release)) barrier.release(fresh && barrier.epoch === this.#epoch);
    };
    this.#ping().then(
      () => settle(true),
      () => settle(false),
    );
  };
}
