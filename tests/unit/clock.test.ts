import { describe, expect, it } from 'vitest';
import { isoMillis, isoSeconds, ManualClock, OffsetClock, systemClock } from '../../src/core/clock.js';

const AT = Date.UTC(2026, 0, 1, 9, 0, 0);

describe('isoSeconds', () => {
  it('formats yyyy-MM-ddTHH:mm:ssZ, without milliseconds', () => {
    expect(isoSeconds(AT)).toBe('2026-01-01T09:00:00Z');
    expect(isoSeconds(AT + 123)).toBe('2026-01-01T09:00:00Z');
    expect(isoSeconds(AT + 59_999)).toBe('2026-01-01T09:00:59Z');
    expect(isoSeconds(AT + 61_500)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it('truncates rather than rounds, also across a day boundary', () => {
    expect(isoSeconds(Date.UTC(2025, 11, 31, 23, 59, 59, 999))).toBe('2025-12-31T23:59:59Z');
  });

  it('truncates towards the past before the epoch', () => {
    expect(isoSeconds(-1)).toBe('1969-12-31T23:59:59Z');
    expect(isoSeconds(-1000)).toBe('1969-12-31T23:59:59Z');
    expect(isoSeconds(0)).toBe('1970-01-01T00:00:00Z');
  });
});

describe('isoSeconds against Date#toISOString', () => {
  const viaDate = (ms: number) => `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;

  it('agrees on every second of a day and around day, year and leap-day boundaries', () => {
    const day = Date.UTC(2028, 1, 29);
    for (let ms = day - 5_000; ms < day + 86_405_000; ms += 997) expect(isoSeconds(ms)).toBe(viaDate(ms));
    for (const at of [Date.UTC(1999, 11, 31, 23, 59, 59, 999), Date.UTC(2000, 0, 1), Date.UTC(2100, 2, 1)]) {
      for (const delta of [-1001, -1000, -999, -1, 0, 1, 999, 1000]) {
        expect(isoSeconds(at + delta)).toBe(viaDate(at + delta));
      }
    }
  });

  it('agrees on values spread over years 0000 to 9999, and past them (extended years)', () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    const first = -62_167_219_200_000; // 0000-01-01T00:00:00Z (Date.UTC would read year 0 as 1900)
    const span = Date.UTC(9999, 11, 31, 23, 59, 59) - first;
    for (let i = 0; i < 5_000; i++) {
      const ms = Math.floor(first + next() * span);
      expect(isoSeconds(ms)).toBe(viaDate(ms));
    }
    const far = Date.UTC(10_000, 0, 1, 0, 0, 1);
    expect(isoSeconds(far)).toBe(viaDate(far));
    expect(isoSeconds(Date.UTC(-1, 11, 31, 23, 59, 59))).toBe(viaDate(Date.UTC(-1, 11, 31, 23, 59, 59)));
  });

  it('still refuses what Date refuses', () => {
    expect(() => isoSeconds(Number.NaN)).toThrow(RangeError);
    expect(() => isoSeconds(8.64e15 + 1000)).toThrow(RangeError);
  });
});

describe('isoMillis', () => {
  it('keeps the milliseconds', () => {
    expect(isoMillis(AT + 7)).toBe('2026-01-01T09:00:00.007Z');
  });
});

describe('ManualClock', () => {
  it('starts at 2026-01-01T09:00:00Z by default, or at the given instant', () => {
    expect(new ManualClock().now()).toBe(AT);
    expect(new ManualClock(42).now()).toBe(42);
    expect(new ManualClock(new Date(AT + 5)).now()).toBe(AT + 5);
  });

  it('moves only when told, by ms, seconds or minutes', () => {
    const clock = new ManualClock(0);
    expect(clock.now()).toBe(0);
    clock.advance(5);
    clock.advanceSeconds(2);
    clock.advanceMinutes(1);
    expect(clock.now()).toBe(5 + 2000 + 60_000);
  });

  it('refuses to go backwards or by NaN', () => {
    const clock = new ManualClock(0);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
    expect(clock.now()).toBe(0);
  });
});

describe('OffsetClock', () => {
  it('adds a growing offset to its base clock', () => {
    const base = new ManualClock(1000);
    const clock = new OffsetClock(base);
    expect(clock.now()).toBe(1000);
    clock.advance(500);
    base.advance(10);
    expect(clock.now()).toBe(1510);
    expect(clock.offset).toBe(500);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(clock.offset).toBe(500);
  });

  it('follows the system clock by default', () => {
    const before = systemClock.now();
    const now = new OffsetClock().now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now - before).toBeLessThan(5000);
  });
});
