import pg from 'pg';
import type { SessionRow } from '../rows.js';
import { SESSION_COLUMNS } from './database.js';

/** Sessions written by one statement at most; more wait for the next. */
export const MAX_TOUCHES_PER_STATEMENT = 500;

/** Whether the session exists, and the row as this write left it (when it moved the session). */
export interface TouchOutcome {
  found: boolean;
  written?: SessionRow & { version: string };
}

interface Waiting {
  id: string;
  latestAccessTime: number;
  expiresAt: number;
  resolve(outcome: TouchOutcome): void;
  reject(error: unknown): void;
}

/**
 * A node's idle-time writes (`touch`), one statement at a time: those asked for while one is out
 * go together in the next, when it returns. While PostgreSQL stalls on writes (a checkpoint's
 * flush, a lock), they wait on one pooled connection instead of taking every one of them from the
 * reads; and under load one round trip and one commit carry many.
 *
 * A statement is one transaction of one `UPDATE` per session, in id order (nodes that write the
 * same sessions lock them in the same order: no deadlock), each moving the session forward only
 * and returning the row it wrote with its new version (a node's cache keeps it, instead of reading
 * it again), and a final `SELECT` of the ids that exist. Its commit does not wait for the WAL to reach the
 * disk (`synchronous_commit` off for this transaction only): a PostgreSQL crash may lose the last
 * fraction of a second of them, and such a session looks idle since its previous recorded access,
 * as after a missed window. Several statements in one simple query take no parameters: the values
 * are literals.
 */
export class TouchBatches {
  readonly #pool: pg.Pool;
  readonly #table: string;
  readonly #waiting: Waiting[] = [];
  #sending = false;

  constructor(pool: pg.Pool, table: string) {
    this.#pool = pool;
    this.#table = table;
  }

  /** Moves the session's latest access forward (never back). */
  write(id: string, latestAccessTime: number, expiresAt: number): Promise<TouchOutcome> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ id, latestAccessTime, expiresAt, resolve, reject });
      if (!this.#sending) this.#send();
    });
  }

  #send(): void {
    const batch = this.#waiting.splice(0, MAX_TOUCHES_PER_STATEMENT);
    if (batch.length === 0) return;
    this.#sending = true;
    this.#statement(batch)
      .then(
        (outcomes) => {
          for (const touch of batch) touch.resolve(outcomes.get(touch.id) ?? { found: false });
        },
        (error: unknown) => {
          for (const touch of batch) touch.reject(error);
        },
      )
      .finally(() => {
        this.#sending = false;
        this.#send();
      });
  }

  async #statement(batch: readonly Waiting[]): Promise<Map<string, TouchOutcome>> {
    // The latest time asked for each session (a node asks once per window; more is harmless).
    const latest = new Map<string, Waiting>();
    for (const touch of batch) {
      const known = latest.get(touch.id);
      if (!known || touch.latestAccessTime > known.latestAccessTime) latest.set(touch.id, touch);
    }
    const ids = [...latest.keys()].sort();
    const updates = ids.map((id) => {
      const touch = latest.get(id) as Waiting;
      const at = integer(touch.latestAccessTime);
      return `UPDATE ${this.#table} SET latest_access_time = ${at}, expires_at = ${integer(touch.expiresAt)}
        WHERE id = ${pg.escapeLiteral(id)} AND latest_access_time < ${at}
        RETURNING ${SESSION_COLUMNS}, xmin::text AS version`;
    });
    const list = ids.map((id) => pg.escapeLiteral(id)).join(', ');
    const results = (await this.#pool.query(
      [
        'SET LOCAL synchronous_commit TO OFF',
        ...updates,
        `SELECT id FROM ${this.#table} WHERE id IN (${list})`,
      ].join(';\n'),
    )) as unknown as pg.QueryResult[];
    // Results: the SET, one per UPDATE (in `ids` order), the SELECT.
    const outcomes = new Map<string, TouchOutcome>();
    for (const row of (results[results.length - 1]?.rows ?? []) as { id: string }[]) {
      outcomes.set(row.id, { found: true });
    }
    ids.forEach((id, i) => {
      const written = results[i + 1]?.rows[0] as TouchOutcome['written'];
      if (written) outcomes.set(id, { found: true, written });
    });
    return outcomes;
  }
}

/** A safe integer as an SQL literal (times in ms); anything else is a bug, not input. */
function integer(value: number): string {
  if (!Number.isSafeInteger(value)) throw new TypeError(`not an integer: ${value}`);
  return String(value);
}
