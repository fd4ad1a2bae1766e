/**
 * The only place in Anvil that reads wall-clock time. Everything else receives a `Clock`,
 * reads `now()` once per operation, and so can be driven by a `ManualClock` in tests or moved
 * forward by the time-travel control.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that can be moved forward: the manual clock of tests, the server clock under time travel. */
export interface AdjustableClock extends Clock {
  advance(ms: number): void;
}

/** A clock that only moves when told to: the basis of every timeout test. */
export class ManualClock implements AdjustableClock {
  #now: number;

  constructor(start: number | Date = Date.UTC(2026, 0, 1, 9, 0, 0)) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('a clock only moves forward');
    this.#now += ms;
  }

  advanceSeconds(seconds: number): void {
    this.advance(seconds * 1000);
  }

  advanceMinutes(minutes: number): void {
    this.advance(minutes * 60_000);
  }
}

/**
 * A clock that runs with the system clock plus an offset that can only grow: the server clock
 * behind Anvil's time-travel control (off by default).
 */
export class OffsetClock implements AdjustableClock {
  #offset = 0;
  readonly #base: Clock;

  constructor(base: Clock = systemClock) {
    this.#base = base;
  }

  now(): number {
    return this.#base.now() + this.#offset;
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('a clock only moves forward');
    this.#offset += ms;
  }

  get offset(): number {
    return this.#offset;
  }
}

/** `yyyy-MM-ddTHH:mm:ssZ`: AM's session timestamp format (no milliseconds). */
export function isoSeconds(ms: number): string {
  // getSessionInfo formats three of these per request: the date part is kept per day, the time
  // of day is put together from a table, and no Date object is made.
  const seconds = Math.floor(ms / 1000);
  const day = Math.floor(seconds / 86_400);
  const prefix = dayPrefix(day);
  if (prefix === undefined) return `${new Date(seconds * 1000).toISOString().slice(0, 19)}Z`;
  const inDay = seconds - day * 86_400;
  const minutes = Math.floor(inDay / 60);
  return `${prefix}${TWO_DIGITS[Math.floor(minutes / 60)]}:${TWO_DIGITS[minutes % 60]}:${TWO_DIGITS[inDay % 60]}Z`;
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const dayPrefixes = new Map<number, string>();

/** `yyyy-MM-ddT` of a day since the epoch; `undefined` outside years 0000–9999 (or invalid). */
function dayPrefix(day: number): string | undefined {
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    if (!Number.isFinite(day) || day < -719_528 || day > 2_932_896) return undefined;
    prefix = new Date(day * 86_400_000).toISOString().slice(0, 11);
    if (dayPrefixes.size >= 64) dayPrefixes.clear();
    dayPrefixes.set(day, prefix);
  }
  return prefix;
}

/** `yyyy-MM-ddTHH:mm:ss.SSSZ`: the format of `latestAccessTime` in session query results. */
export function isoMillis(ms: number): string {
  return new Date(ms).toISOString();
}
