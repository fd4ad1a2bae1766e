/**
 * `memory`: the Anvil process's resident memory (VmRSS in /proc/<pid>/status) on SQLite, at rest
 * after a short validate load over 10,000 sessions, with 10,000 and with 1,000,000 sessions stored:
 * the difference per stored session is what the table's size costs in memory. Then, on the 1M
 * table, after validating 100,000 and 200,000 distinct sessions once each: the SQLite store keeps up
 * to `sqlite.sessionCacheEntries` (default 100,000) parsed sessions in memory, so the first step
 * shows the cost of a cache entry and the second whether memory stops growing at the bound. The 1M
 * steps run again with the cache off (`sessionCacheEntries` 0): what grows there is not the cache
 * (V8's heap keeps what a load made it grow to), so the cache's own cost is the difference.
 */
import { readFileSync } from 'node:fs';
import { profile } from './args.js';
import { type BulkFixture, bulkSqliteFixture, type FillInfo } from './bulk.js';
import { SESSION_CONNECTIONS } from './constants.js';
import { waitForQuiet } from './cpu.js';
import { type ConfigModule, importDist } from './fixture.js';
import { load } from './load.js';
import { startAnvil, type Target } from './processes.js';
import { warmBare } from './scenarios.js';
import { sessionSteps, tokenCycle } from './steps.js';
import { fmt, log, sleep, spread } from './util.js';

const SMALL = 10_000;
const LARGE = 1_000_000;
const TOUCHED = [10_000, 100_000, 200_000] as const;
/** Seconds without requests before a reading, so that the reading is of a process at rest. */
const REST_S = 5;

export interface MemorySample {
  stored: number;
  /** `sqlite.sessionCacheEntries` of the process (undefined: dist/'s default, or no such setting). */
  cache: number | undefined;
  /** Distinct sessions requested so far by this process. */
  touched: number;
  state: string;
  /** Bytes, from /proc/<pid>/status. */
  rss: number;
  rssAnon: number;
  rssFile: number;
  peak: number;
  failures: number;
}

export interface MemoryResult {
  /** `sqlite.sessionCacheEntries` of dist/'s configuration (undefined: no such setting there). */
  cacheEntries: number | undefined;
  bare: MemorySample;
  samples: MemorySample[];
  /** (RSS with 1M stored − RSS with 10k stored) ÷ the difference in sessions, both after the same load. */
  bytesPerStoredSession: number;
  /** (RSS after 100k distinct − after 10k distinct) ÷ 90,000, on the 1M table, cache on and off. */
  bytesPerCachedSession: number;
  bytesPerCachedSessionCacheOff: number;
  /** (RSS after 200k distinct − after 100k distinct) ÷ 100,000, cache on and off. */
  bytesPerSessionBeyond: number;
  bytesPerSessionBeyondCacheOff: number;
  fills: FillInfo[];
  othersBefore?: number;
}

function residentOf(pid: number): Pick<MemorySample, 'rss' | 'rssAnon' | 'rssFile' | 'peak'> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: kib('VmRSS'), rssAnon: kib('RssAnon'), rssFile: kib('RssFile'), peak: kib('VmHWM') };
}

async function atRest(target: Target, sample: Omit<MemorySample, 'rss' | 'rssAnon' | 'rssFile' | 'peak'>) {
  await sleep(REST_S * 1000);
  const taken: MemorySample = { ...sample, ...residentOf(target.pid) };
  const cache = sample.cache === 0 ? ', cache off' : '';
  log(`    ${fmt(sample.stored)} stored${cache}, ${sample.state}: RSS ${fmt(taken.rss / 2 ** 20, 1)} MiB`);
  return taken;
}

/** One Anvil process: at start, after the short load over `groups[0]`, after each further group once. */
async function series(
  fixture: BulkFixture,
  groups: readonly string[][],
  cache: number | undefined,
): Promise<MemorySample[]> {
  const stored = fixture.fill.sessions;
  const env =
    cache === undefined ? fixture.env : { ...fixture.env, ANVIL_SQLITE_SESSION_CACHE_ENTRIES: String(cache) };
  const anvil = await startAnvil({ ...fixture, env }, `memory-${stored}-${cache ?? 'default'}`);
  const out: MemorySample[] = [];
  try {
    const base = { stored, cache, failures: 0 };
    out.push(await atRest(anvil, { ...base, touched: 0, state: 'just started' }));
    let touched = 0;
    for (const [i, group] of groups.entries()) {
      const short = i === 0;
      const m = await load(
        anvil,
        sessionSteps('validate', tokenCycle(group), anvil),
        short ? { seconds: profile.memoryLoadS } : { amount: group.length },
        SESSION_CONNECTIONS,
      );
      touched += group.length;
      const state = short
        ? `after ${profile.memoryLoadS} s of validate over ${fmt(group.length)}`
        : `after validating ${fmt(touched)} distinct`;
      out.push(await atRest(anvil, { ...base, touched, state, failures: m.failures }));
    }
  } finally {
    await anvil.stop();
  }
  return out;
}

export async function memoryScenario(bare: Target): Promise<MemoryResult> {
  const fixtures: BulkFixture[] = [];
  try {
    const small = await bulkSqliteFixture(SMALL, SMALL, 'memory');
    fixtures.push(small);
    const large = await bulkSqliteFixture(LARGE, TOUCHED[2], 'memory');
    fixtures.push(large);
    log(
      `    filled ${fmt(SMALL)} and ${fmt(LARGE)} sessions in ${(small.fill.seconds + large.fill.seconds).toFixed(1)} s`,
    );
    const { loadConfig } = await importDist<ConfigModule>('config/load.js');
    const config = loadConfig({ env: small.env }) as { sqlite?: { sessionCacheEntries?: number } };
    const cacheEntries = config.sqlite?.sessionCacheEntries;
    const othersBefore = await waitForQuiet();
    await warmBare(bare);
    await sleep(REST_S * 1000);
    const bareSample: MemorySample = {
      ...{ stored: 0, cache: undefined, touched: 0, state: 'at rest after its warm-up', failures: 0 },
      ...residentOf(bare.pid),
    };
    log(`    bare node:http: RSS ${fmt(bareSample.rss / 2 ** 20, 1)} MiB`);
    // Distinct sessions of the large table in the order they are first requested: 10k, then 90k
    // more (100k in all), then 100k more; each group spread over the whole table.
    const all = large.live;
    const first = spread(all, TOUCHED[0]);
    const firstSet = new Set(first);
    const second = all.filter((t, i) => i % 2 === 0 && !firstSet.has(t));
    const third = all.filter((_, i) => i % 2 === 1).slice(0, TOUCHED[2] - TOUCHED[1]);
    const samples = [
      ...(await series(small, [small.live], undefined)),
      ...(await series(large, [first, second, third], undefined)),
    ];
    if (cacheEntries !== undefined) samples.push(...(await series(large, [first, second, third], 0)));
    const at = (stored: number, touched: number, off: boolean) =>
      samples.find((s) => s.stored === stored && s.touched === touched && (s.cache === 0) === off);
    const per = (a: MemorySample | undefined, b: MemorySample | undefined, n: number) =>
      a && b ? (b.rss - a.rss) / n : Number.NaN;
    const [t10k, t100k, t200k] = TOUCHED;
    const result: MemoryResult = {
      cacheEntries,
      bare: bareSample,
      samples,
      bytesPerStoredSession: per(at(SMALL, t10k, false), at(LARGE, t10k, false), LARGE - SMALL),
      bytesPerCachedSession: per(at(LARGE, t10k, false), at(LARGE, t100k, false), t100k - t10k),
      bytesPerCachedSessionCacheOff: per(at(LARGE, t10k, true), at(LARGE, t100k, true), t100k - t10k),
      bytesPerSessionBeyond: per(at(LARGE, t100k, false), at(LARGE, t200k, false), t200k - t100k),
      bytesPerSessionBeyondCacheOff: per(at(LARGE, t100k, true), at(LARGE, t200k, true), t200k - t100k),
      fills: fixtures.map((f) => f.fill),
    };
    if (othersBefore !== undefined) result.othersBefore = othersBefore;
    return result;
  } finally {
    for (const fixture of fixtures) await fixture.cleanup();
  }
}

export function memoryMarkdown(m: MemoryResult): string {
  const mib = (bytes: number) => fmt(bytes / 2 ** 20, 1);
  const lines = [
    '| process | stored sessions | session cache | state | VmRSS MiB | RssAnon MiB | RssFile MiB | VmHWM MiB | errors |',
    '|---|---:|---|---|---:|---:|---:|---:|---:|',
    `| bare node:http | — | — | at rest after its warm-up | ${mib(m.bare.rss)} | ${mib(m.bare.rssAnon)} | ${mib(m.bare.rssFile)} | ${mib(m.bare.peak)} | 0 |`,
  ];
  const cacheOf = (s: MemorySample) =>
    s.cache === 0 ? 'off' : m.cacheEntries === undefined ? '—' : fmt(m.cacheEntries);
  for (const s of m.samples) {
    lines.push(
      `| Anvil | ${fmt(s.stored)} | ${cacheOf(s)} | ${s.state} | ${mib(s.rss)} | ${mib(s.rssAnon)} | ${mib(s.rssFile)} | ${mib(s.peak)} | ${s.failures} |`,
    );
  }
  const setting =
    m.cacheEntries === undefined
      ? 'dist/ has no `sqlite.sessionCacheEntries` setting'
      : `\`sqlite.sessionCacheEntries\` = ${fmt(m.cacheEntries)}`;
  lines.push(
    '',
    `| RSS per session (${setting}) | cache on, bytes | cache off, bytes | the cache's own, bytes |`,
    '|---|---:|---:|---:|',
    `| stored: 1M vs 10k stored, after the same load | **${fmt(m.bytesPerStoredSession, 1)}** | — | — |`,
    `| requested: 100k vs 10k distinct, 1M stored | ${fmt(m.bytesPerCachedSession)} | ${fmt(m.bytesPerCachedSessionCacheOff)} | **${fmt(m.bytesPerCachedSession - m.bytesPerCachedSessionCacheOff)}** |`,
    `| requested beyond the cache: 200k vs 100k distinct | ${fmt(m.bytesPerSessionBeyond)} | ${fmt(m.bytesPerSessionBeyondCacheOff)} | ${fmt(m.bytesPerSessionBeyond - m.bytesPerSessionBeyondCacheOff)} |`,
  );
  return lines.join('\n');
}
