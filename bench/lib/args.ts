/** The command line: which scenarios and stores, how long, and the settings derived from it. */
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    stores: { type: 'string' },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    sessions: { type: 'string' },
    'growth-sizes': { type: 'string' },
    'isolation-rate': { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    report: { type: 'string' },
    'quiet-wait': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

/** Scenarios run on each store, with the store's shared fixture of live sessions. */
export const STORE_SCENARIOS = [
  'validate',
  'getSessionInfo',
  'refresh',
  'getSessionInfoAndResetIdleTime',
  'logout',
  'login-zero-page',
  'login-journey',
  'isolation',
] as const;
/** Scenarios with data of their own, on SQLite only (run when `sqlite` is among the stores). */
export const SQLITE_SCENARIOS = ['growth', 'restart', 'memory'] as const;
/** Scenarios with no store: run once, before the stores. */
export const STORELESS_SCENARIOS = ['floor'] as const;
export const SCENARIOS = [...STORE_SCENARIOS, ...SQLITE_SCENARIOS, ...STORELESS_SCENARIOS] as const;
export type StoreScenarioId = (typeof STORE_SCENARIOS)[number];
export type SqliteScenarioId = (typeof SQLITE_SCENARIOS)[number];
export type ScenarioId = (typeof SCENARIOS)[number];
export const STORES = ['sqlite', 'redis', 'postgres'] as const;
export type StoreKind = (typeof STORES)[number];

export const help = args.help === true;

export function printHelp(): void {
  process.stdout.write(
    `Usage: npm run bench [-- options]   (run \`npm run build\` first)\n\n` +
      '  --quick             a short look (1 round of 1.5 s per side, a few minutes)\n' +
      `  --only LIST         scenarios: ${SCENARIOS.join(', ')}\n` +
      '  --stores LIST       sqlite, redis, postgres (default: every one that answers)\n' +
      '  --rounds N          measured rounds per scenario (full: 3)\n' +
      '  --duration S        seconds per measurement (full: 10)\n' +
      '  --sessions N        live sessions for the session actions (default 10000)\n' +
      '  --growth-sizes LIST stored sessions for `growth` (full: 10000,1000000,10000000;\n' +
      '                      quick: 10000,100000,1000000); the first is the reference\n' +
      '  --isolation-rate N  validate requests per second in `isolation` (default 2000)\n' +
      '  --cpu-prof          run Anvil with --cpu-prof; prints the top self-time functions\n' +
      '  --report FILE       print the tables of a saved results file (or a .cpuprofile) again\n' +
      '  --quiet-wait S      before each scenario, wait while other processes keep the CPUs busy,\n' +
      '                      at most S seconds over the whole run (full: 900, quick: 0)\n\n' +
      'Environment: ANVIL_BENCH_REDIS_URL (redis://127.0.0.1:6379),\n' +
      '             ANVIL_BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/test)\n',
  );
}

export const quick = args.quick === true;
export const cpuProf = args['cpu-prof'] === true;
export const reportFile = args.report;

export const profile = {
  rounds: Number(args.rounds ?? (quick ? 1 : 3)),
  durationS: Number(args.duration ?? (quick ? 1.5 : 10)),
  warmupS: quick ? 0.5 : 5,
  /**
   * Logins alternate with the argon2id probe in more and shorter rounds than the other scenarios:
   * the machine's hashing speed moved by up to a third between two adjacent 10-s rounds, so that
   * a login round and the probe round beside it measured different machines.
   */
  loginRounds: Number(args.rounds ?? (quick ? 1 : 8)),
  loginDurationS: Number(args.duration ?? (quick ? 1.5 : 4)),
  logoutAmount: quick ? 3_000 : 30_000,
  pacedS: quick ? 1.5 : 10,
  /** Most seconds, over the whole run, spent waiting for other processes to leave the CPUs. */
  quietWaitS: Number(args['quiet-wait'] ?? (quick ? 0 : 900)),
  sessions: Number(args.sessions ?? 10_000),
  /** Stored sessions of each `growth` step; the first is the one the others are compared with. */
  growthSizes: parseSizes(
    args['growth-sizes'] ?? (quick ? '10000,100000,1000000' : '10000,1000000,10000000'),
  ),
  /** The fixed rate of validate requests in `isolation`. */
  isolationRate: Number(args['isolation-rate'] ?? 2_000),
  /** Seconds of the short validate load in `memory`. */
  memoryLoadS: quick ? 2 : 5,
};

export const only = parseList(args.only, SCENARIOS, 'scenario');
export const storesWanted = parseList(args.stores, STORES, 'store');
export const filtered =
  args.only !== undefined ||
  args.stores !== undefined ||
  args.rounds !== undefined ||
  args['growth-sizes'] !== undefined ||
  args['isolation-rate'] !== undefined;
export const redisUrl = process.env.ANVIL_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const databaseUrl = process.env.ANVIL_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function parseList<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T[] {
  if (value === undefined) return [...allowed];
  const items = value.split(',').map((v) => v.trim());
  for (const item of items) {
    if (!allowed.includes(item as T))
      throw new Error(`unknown ${what} "${item}" (one of ${allowed.join(', ')})`);
  }
  return items as T[];
}

function parseSizes(value: string): number[] {
  const sizes = value.split(',').map((v) => Number(v.trim().replace(/_/g, '')));
  for (const size of sizes) {
    if (!Number.isInteger(size) || size < 1)
      throw new Error(`--growth-sizes: "${value}" is not a list of counts`);
  }
  return sizes;
}
