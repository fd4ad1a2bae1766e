/**
 * `npm run bench` — throughput and latency of Anvil's hot paths, each compared with a baseline
 * measured by the same load generator on the same machine in the same run:
 *
 *   - session actions (validate, getSessionInfo, refresh, getSessionInfoAndResetIdleTime) and
 *     logout: against a bare `node:http` server answering a fixed JSON body (bench/bare-server.mjs);
 *   - logins (zero-page and the two-step callback journey): against the raw argon2id verify rate
 *     with the same parameters (bench/argon2-rate.mjs), since a login is one verification.
 *
 * It runs the compiled server (`npm run build` first): one `node dist/cli/index.js serve` process
 * per scenario and store, on SQLite and, when they answer, Redis (sessions) and PostgreSQL (every
 * store), each in a fresh SQLite directory / random Redis key prefix / random PostgreSQL schema that
 * is removed at the end. Every load loop is bounded by a duration or a request count.
 *
 * Options: --quick (two minutes or so), --only a,b (scenarios), --stores sqlite,redis,postgres,
 * --rounds N, --duration S, --sessions N, --cpu-prof (profile the Anvil processes), --quiet-wait S,
 * --report FILE, --help. See bench/README.md for what each figure is compared with.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { StoredSession } from '../src/domain/sessions/session.js';
import { paced } from './paced.js';

type ConfigModule = typeof import('../src/config/load.js');
type StoresModule = typeof import('../src/stores/index.js');
type TokensModule = typeof import('../src/core/tokens.js');
type SqliteDatabaseModule = typeof import('../src/stores/sqlite/database.js');
type SqliteSessionModule = typeof import('../src/stores/sqlite/session-store.js');
type SqliteDatabase = import('../src/stores/sqlite/database.js').SqliteDatabase;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BENCH = join(ROOT, 'bench');
const DIST = join(ROOT, 'dist');
const CLI = join(DIST, 'cli', 'index.js');
const RESULTS = join(BENCH, 'results');

const ADMIN_PASSWORD = 'bench-admin-password';
const USERNAME = 'bench';
const USER_PASSWORD = 'Ch4ng31t!bench';
const ARGON2 = { memoryKib: 19_456, iterations: 2 };
const SESSION_CONNECTIONS = 100;
const LOGIN_CONNECTIONS = 16;
const PACED_CONNECTIONS = 32;
const ALPHA = '/am/json/realms/root/realms/alpha';
const CLK_TCK = 100;

// ---------------------------------------------------------------------------------------------
// Options

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    stores: { type: 'string' },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    sessions: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    report: { type: 'string' },
    'quiet-wait': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const SCENARIOS = [
  'validate',
  'getSessionInfo',
  'refresh',
  'getSessionInfoAndResetIdleTime',
  'logout',
  'login-zero-page',
  'login-journey',
] as const;
type ScenarioId = (typeof SCENARIOS)[number];
const STORES = ['sqlite', 'redis', 'postgres'] as const;
type StoreKind = (typeof STORES)[number];

if (args.help) {
  process.stdout.write(
    `Usage: npm run bench [-- options]   (run \`npm run build\` first)\n\n` +
      '  --quick             a short look (1 round of 1.5 s per side, two minutes or so)\n' +
      `  --only LIST         scenarios: ${SCENARIOS.join(', ')}\n` +
      '  --stores LIST       sqlite, redis, postgres (default: every one that answers)\n' +
      '  --rounds N          measured rounds per scenario (full: 3)\n' +
      '  --duration S        seconds per measurement (full: 10)\n' +
      '  --sessions N        live sessions for the session actions (default 10000)\n' +
      '  --cpu-prof          run Anvil with --cpu-prof; prints the top self-time functions\n' +
      '  --report FILE       print the tables of a saved results file (or a .cpuprofile) again\n' +
      '  --quiet-wait S      before each scenario, wait while other processes keep the CPUs busy,\n' +
      '                      at most S seconds over the whole run (full: 900, quick: 0)\n\n' +
      'Environment: ANVIL_BENCH_REDIS_URL (redis://127.0.0.1:6379),\n' +
      '             ANVIL_BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/test)\n',
  );
  process.exit(0);
}

const quick = args.quick === true;
const profile = {
  rounds: Number(args.rounds ?? (quick ? 1 : 3)),
  durationS: Number(args.duration ?? (quick ? 1.5 : 10)),
  warmupS: quick ? 0.5 : 5,
  loginDurationS: Number(args.duration ?? (quick ? 1.5 : 10)),
  logoutAmount: quick ? 3_000 : 30_000,
  pacedS: quick ? 1.5 : 10,
  /** Most seconds, over the whole run, spent waiting for other processes to leave the CPUs. */
  quietWaitS: Number(args['quiet-wait'] ?? (quick ? 0 : 900)),
  sessions: Number(args.sessions ?? 10_000),
};
const only = parseList(args.only, SCENARIOS, 'scenario');
const storesWanted = parseList(args.stores, STORES, 'store');
const filtered = args.only !== undefined || args.stores !== undefined || args.rounds !== undefined;
const redisUrl = process.env.ANVIL_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const databaseUrl = process.env.ANVIL_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function parseList<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T[] {
  if (value === undefined) return [...allowed];
  const items = value.split(',').map((v) => v.trim());
  for (const item of items) {
    if (!allowed.includes(item as T))
      throw new Error(`unknown ${what} "${item}" (one of ${allowed.join(', ')})`);
  }
  return items as T[];
}

// ---------------------------------------------------------------------------------------------
// CPU accounting from /proc: the server's own CPU per request is the figure least moved by the
// load generator and by whatever else runs on the machine.

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** CPU ticks of every process whose command name is one of `names` (redis-server, postgres…). */
function ticksOfCommands(names: readonly string[]): number {
  if (names.length === 0) return 0;
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (names.includes(comm)) total += processTicks(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const n = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = n;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

let quietBudgetMs = 0;
const QUIET_CORES = 0.25;

/**
 * This machine may be shared: other processes' CPU use moves every figure. Before a scenario
 * starts (its servers idle), wait while everything else together keeps more than a quarter of a
 * core busy, within a budget for the whole run; each measurement records what others used anyway.
 */
async function waitForQuiet(): Promise<number | undefined> {
  if (quietBudgetMs <= 0) return undefined;
  let busyCores = Number.NaN;
  for (;;) {
    const a = machineTicks();
    await sleep(1000);
    const b = machineTicks();
    busyCores = ((b.busy - a.busy) / (b.total - a.total)) * availableParallelism();
    if (busyCores <= QUIET_CORES || quietBudgetMs <= 0) return busyCores;
    log(`    waiting: other processes use ${busyCores.toFixed(2)} cores`);
    await sleep(4000);
    quietBudgetMs -= 5000;
  }
}

interface CpuSample {
  at: number;
  server: number;
  store: number;
  machine: { busy: number; total: number };
  self: NodeJS.CpuUsage;
}

function sampleCpu(serverPid: number, storeComms: readonly string[]): CpuSample {
  return {
    at: performance.now(),
    server: processTicks(serverPid),
    store: ticksOfCommands(storeComms),
    machine: machineTicks(),
    self: process.cpuUsage(),
  };
}

interface CpuUse {
  /** Cores used on average by the measured server, its store, the load generator, everything else. */
  serverCores: number;
  storeCores: number;
  generatorCores: number;
  otherCores: number;
  serverCpuS: number;
  storeCpuS: number;
}

function cpuBetween(a: CpuSample, b: CpuSample): CpuUse {
  const seconds = (b.at - a.at) / 1000;
  const serverCpuS = (b.server - a.server) / CLK_TCK;
  const storeCpuS = (b.store - a.store) / CLK_TCK;
  const selfS = (b.self.user - a.self.user + b.self.system - a.self.system) / 1e6;
  const machineBusyS = (b.machine.busy - a.machine.busy) / CLK_TCK;
  return {
    serverCores: serverCpuS / seconds,
    storeCores: storeCpuS / seconds,
    generatorCores: selfS / seconds,
    otherCores: Math.max(0, (machineBusyS - serverCpuS - storeCpuS - selfS) / seconds),
    serverCpuS,
    storeCpuS,
  };
}

// ---------------------------------------------------------------------------------------------
// Processes

const children = new Set<ChildProcess>();

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

interface Target {
  name: 'anvil' | 'bare';
  port: number;
  pid: number;
  /** Command names of the store's processes whose CPU is counted with the server's. */
  storeComms: readonly string[];
  stop(): Promise<void>;
}

function spawnChild(command: string, argv: string[], env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const log = openSync(logFile, 'a');
  const child = spawn(command, argv, { cwd: ROOT, env, stdio: ['ignore', log, log] });
  closeSync(log);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}

async function waitReady(child: ChildProcess, port: number, path: string, logFile: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${tail(logFile)}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`server did not become ready on port ${port}:\n${tail(logFile)}`);
}

async function startBare(workDir: string): Promise<Target> {
  const port = await freePort();
  const logFile = join(workDir, 'bare.log');
  const child = spawnChild(
    process.execPath,
    [join(BENCH, 'bare-server.mjs'), String(port)],
    cleanEnv(),
    logFile,
  );
  await waitReady(child, port, '/', logFile);
  return {
    name: 'bare',
    port,
    pid: child.pid ?? 0,
    storeComms: [],
    stop: () => stopChild(child),
  };
}

let profileCount = 0;

async function startAnvil(fixture: Fixture, label: string, cpuProf = false): Promise<Target> {
  const port = await freePort();
  const logFile = join(fixture.workDir, `anvil-${label}.log`);
  const nodeArgs: string[] = [];
  if (cpuProf) {
    profileCount += 1;
    mkdirSync(join(RESULTS, 'profiles'), { recursive: true });
    nodeArgs.push(
      '--cpu-prof',
      `--cpu-prof-dir=${join(RESULTS, 'profiles')}`,
      `--cpu-prof-name=${fixture.store}-${label}-${process.pid}-${profileCount}.cpuprofile`,
    );
  }
  const env = { ...fixture.env, ANVIL_PORT: String(port) };
  const child = spawnChild(process.execPath, [...nodeArgs, CLI, 'serve'], env, logFile);
  await waitReady(child, port, '/am/json/health/ready', logFile);
  return {
    name: 'anvil',
    port,
    pid: child.pid ?? 0,
    storeComms: fixture.storeComms,
    stop: () => stopChild(child),
  };
}

/** The runner's environment without any ANVIL_* setting or NODE_OPTIONS that would change the servers. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('ANVIL_') || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return env;
}

/**
 * Anvil verifies passwords on libuv's thread pool (@node-rs/argon2 async tasks), so up to
 * UV_THREADPOOL_SIZE (4) hashes run at once on the machine's cores. The baseline is the better of
 * the raw rate with one hash per core and with as many as the pool runs: whichever is higher.
 */
const HASH_CONCURRENCIES = [
  ...new Set([availableParallelism(), Number(process.env.UV_THREADPOOL_SIZE ?? 4)]),
].sort((a, b) => a - b);

function runArgon2Baseline(seconds: number): ArgonRate {
  const each = seconds / HASH_CONCURRENCIES.length;
  const runs = HASH_CONCURRENCIES.map((concurrency) => runArgon2Rate(each, concurrency));
  return runs.reduce((best, r) => (r.rate > best.rate ? r : best));
}

function runArgon2Rate(seconds: number, concurrency: number): ArgonRate {
  const out = execFileSync(
    process.execPath,
    [
      join(BENCH, 'argon2-rate.mjs'),
      '--seconds',
      String(seconds),
      '--concurrency',
      String(concurrency),
      '--memory-kib',
      String(ARGON2.memoryKib),
      '--iterations',
      String(ARGON2.iterations),
    ],
    { cwd: ROOT, env: cleanEnv(), encoding: 'utf8', timeout: (seconds + 60) * 1000 },
  );
  const parsed = JSON.parse(out.trim()) as { rate: number; verifies: number; seconds: number };
  return { rate: parsed.rate, verifies: parsed.verifies, seconds: parsed.seconds, concurrency };
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

// ---------------------------------------------------------------------------------------------
// Stores and fixtures

interface Fixture {
  store: StoreKind;
  env: NodeJS.ProcessEnv;
  workDir: string;
  storeComms: readonly string[];
  /** Tokens of live sessions for the session actions. */
  live: string[];
  /** Tokens consumed by the logout scenario (each logged out once). */
  logoutPool: string[];
  setup: { insertSeconds: number; inserted: number };
  cleanup(): Promise<void>;
}

async function reachable(store: StoreKind): Promise<string | undefined> {
  if (store === 'sqlite') return undefined;
  if (store === 'redis') {
    const client = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      return undefined;
    } catch (error) {
      return (error as Error).message;
    } finally {
      client.disconnect();
    }
  }
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => {});
  }
}

async function storeVersion(store: StoreKind): Promise<string> {
  if (store === 'sqlite') {
    const sqlite = (await import('better-sqlite3')).default;
    const db = new sqlite(':memory:');
    const row = db.prepare('SELECT sqlite_version() AS v').get() as { v: string };
    db.close();
    return `SQLite ${row.v} (better-sqlite3)`;
  }
  if (store === 'redis') {
    const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    try {
      const info = await client.info('server');
      return `Redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'}`;
    } finally {
      client.disconnect();
    }
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return `PostgreSQL ${rows[0]?.server_version ?? '?'}`;
  } finally {
    await client.end();
  }
}

async function httpJson(
  port: number,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? '' : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function importDist<T>(path: string): Promise<T> {
  return (await import(pathToFileURL(join(DIST, path)).href)) as T;
}

async function prepareStore(store: StoreKind, logoutCount: number): Promise<Fixture> {
  const workDir = mkdtempSync(join(tmpdir(), `anvil-bench-${store}-`));
  const suffix = randomBytes(6).toString('hex');
  const env: NodeJS.ProcessEnv = {
    ...cleanEnv(),
    ANVIL_HOST: '127.0.0.1',
    ANVIL_DATA_DIR: join(workDir, 'data'),
    ANVIL_ADMIN_PASSWORD: ADMIN_PASSWORD,
    ANVIL_LOG_LEVEL: 'warn',
    ANVIL_AUTHN_ARGON2_MEMORY_KIB: String(ARGON2.memoryKib),
    ANVIL_AUTHN_ARGON2_ITERATIONS: String(ARGON2.iterations),
    ANVIL_SESSION_QUOTA_ENABLED: 'false',
  };
  let storeComms: string[] = [];
  const redisPrefix = `anvilbench-${suffix}:`;
  const schema = `anvil_bench_${suffix}`;
  if (store === 'redis') {
    Object.assign(env, {
      ANVIL_SESSION_STORE: 'redis',
      ANVIL_REDIS_URL: redisUrl,
      ANVIL_REDIS_KEY_PREFIX: redisPrefix,
    });
    storeComms = ['redis-server'];
  } else if (store === 'postgres') {
    Object.assign(env, {
      ANVIL_SESSION_STORE: 'postgres',
      ANVIL_IDENTITY_STORE: 'postgres',
      ANVIL_DATABASE_URL: databaseUrl,
      ANVIL_POSTGRES_SCHEMA: schema,
    });
    storeComms = ['postgres'];
  }
  const cleanup = async () => {
    if (store === 'redis') {
      const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
      try {
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await client.unlink(...keys);
        } while (cursor !== '0');
      } finally {
        client.disconnect();
      }
    } else if (store === 'postgres') {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    }
    rmSync(workDir, { recursive: true, force: true });
  };

  const fixture: Fixture = {
    store,
    env,
    workDir,
    storeComms,
    live: [],
    logoutPool: [],
    setup: { insertSeconds: 0, inserted: 0 },
    cleanup,
  };
  try {
    // 1. A real server creates the schema, amAdmin, the user, and one session by a real login.
    const setup = await startAnvil(fixture, 'setup');
    let template: string;
    try {
      const admin = await httpJson(setup.port, '/am/json/realms/root/authenticate', {
        'x-openam-username': 'amAdmin',
        'x-openam-password': ADMIN_PASSWORD,
        'accept-api-version': 'resource=2.0, protocol=1.0',
      });
      const adminToken = admin.json.tokenId;
      if (typeof adminToken !== 'string') throw new Error(`admin login failed: ${JSON.stringify(admin)}`);
      const created = await httpJson(
        setup.port,
        `${ALPHA}/users/?_action=create`,
        { iplanetdirectorypro: adminToken, 'accept-api-version': 'resource=4.0, protocol=2.1' },
        { username: USERNAME, userpassword: USER_PASSWORD },
      );
      if (created.status !== 201) throw new Error(`user creation failed: ${JSON.stringify(created)}`);
      const login = await httpJson(setup.port, `${ALPHA}/authenticate`, {
        'x-openam-username': USERNAME,
        'x-openam-password': USER_PASSWORD,
        'accept-api-version': 'resource=2.1',
      });
      if (typeof login.json.tokenId !== 'string') throw new Error(`login failed: ${JSON.stringify(login)}`);
      template = login.json.tokenId;
    } finally {
      await setup.stop();
    }

    // 2. Copies of that session with fresh tokens, written through the store interface Anvil uses
    //    (SessionStore.insert). On SQLite the inserts are grouped in transactions of 1,000 rows.
    const { loadConfig } = await importDist<ConfigModule>('config/load.js');
    const { openStores } = await importDist<StoresModule>('stores/index.js');
    const tokens = await importDist<TokensModule>('core/tokens.js');
    const config = loadConfig({ env });
    const stores = await openStores(config, () => {});
    let sqlite: SqliteDatabase | undefined;
    const started = performance.now();
    try {
      let sessions = stores.sessions;
      if (store === 'sqlite') {
        const { openSqlite } = await importDist<SqliteDatabaseModule>('stores/sqlite/database.js');
        const { SqliteSessionStore } = await importDist<SqliteSessionModule>(
          'stores/sqlite/session-store.js',
        );
        sqlite = openSqlite({ dataDir: config.dataDir });
        sessions = new SqliteSessionStore(sqlite);
      }
      const parsed = tokens.parseSessionToken(template);
      const original = parsed && (await sessions.get(parsed.id));
      if (!original) throw new Error('the template session is not in the store');
      const now = Date.now();
      const total = profile.sessions + logoutCount;
      const all: string[] = [];
      const copy = (): StoredSession => {
        const minted = tokens.mintSessionToken();
        all.push(minted.token);
        // Last accesses spread over the past minute (the default idle-write window), so that the
        // touching actions write each session's latestAccessTime about once a minute, as a steady
        // stream of users would; created 5 to 15 minutes ago, far from every timeout.
        const creationTime = now - 300_000 - Math.floor(Math.random() * 600_000);
        const latestAccessTime = now - Math.floor(Math.random() * 60_000);
        return {
          ...original,
          id: minted.id,
          secretHash: minted.secretHash,
          sessionHandle: tokens.mintSessionHandle(),
          creationTime,
          latestAccessTime,
          expiresAt: Math.min(
            latestAccessTime + original.maxIdleMinutes * 60_000,
            creationTime + original.maxSessionMinutes * 60_000,
          ),
          properties: {
            ...original.properties,
            AMCtxId: tokens.nextAuditId(),
            authInstant: new Date(creationTime).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          },
        };
      };
      const chunk = sqlite ? 1000 : 64;
      for (let done = 0; done < total; done += chunk) {
        const batch = Array.from({ length: Math.min(chunk, total - done) }, copy);
        sqlite?.exec('BEGIN');
        try {
          await Promise.all(batch.map((session) => sessions.insert(session)));
          sqlite?.exec('COMMIT');
        } catch (error) {
          if (sqlite?.inTransaction) sqlite.exec('ROLLBACK');
          throw error;
        }
      }
      fixture.live = all.slice(0, profile.sessions);
      fixture.logoutPool = all.slice(profile.sessions);
      fixture.setup = { insertSeconds: (performance.now() - started) / 1000, inserted: total };
    } finally {
      sqlite?.close();
      await stores.close();
    }
    return fixture;
  } catch (error) {
    await cleanup().catch(() => {});
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Load

interface Step {
  request: autocannon.Request;
  /** Whether the answer is right; may keep state for the next step in `context`. */
  check: (status: number, body: string, context: Record<string, unknown>) => boolean;
  /** Whether a right answer to this step completes one operation (a journey counts its last step). */
  completes: boolean;
}

interface Measure {
  /** Completed operations per second. */
  rps: number;
  operations: number;
  failures: number;
  seconds: number;
  p50: number;
  p99: number;
  p999: number;
  cpu: CpuUse;
  /** Server CPU per completed operation, microseconds (store processes excluded). */
  serverUsPerOp: number;
  storeUsPerOp: number;
}

interface MeasureWithLatencies extends Measure {
  latencies: Float64Array;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

async function load(
  target: Target,
  steps: Step[],
  bound: { seconds: number } | { amount: number },
  connections: number,
): Promise<MeasureWithLatencies> {
  let operations = 0;
  let failures = 0;
  let lastCompletes = false;
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  const requests = steps.map((step) => ({
    ...step.request,
    onResponse: (status: number, body: string, context: Record<string, unknown>) => {
      const good = step.check(status, body, context);
      lastCompletes = good && step.completes;
      if (!good) failures += 1;
      else if (step.completes) operations += 1;
    },
  }));
  const options: autocannon.Options = {
    url: `http://127.0.0.1:${target.port}`,
    connections,
    pipelining: 1,
    timeout: 20,
    requests,
  };
  if ('amount' in bound) options.amount = bound.amount;
  else options.duration = bound.seconds;
  const before = sampleCpu(target.pid, target.storeComms);
  const instance = autocannon(options);
  // Every loop stops by itself: a duration, or an amount with a generous time limit.
  const limitS = 'amount' in bound ? 300 : bound.seconds + 30;
  const guard = setTimeout(() => instance.stop(), limitS * 1000);
  let lastResponseAt = before.at;
  instance.on('response', (_client, _status, _bytes, responseTime) => {
    lastResponseAt = performance.now();
    if (!lastCompletes) return;
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[count] = responseTime;
    count += 1;
  });
  const result = await instance;
  clearTimeout(guard);
  const after = sampleCpu(target.pid, target.storeComms);
  const cpu = cpuBetween(before, after);
  // autocannon finishes on its next 1-second sampling tick; the run itself ended with the last answer.
  const seconds = (lastResponseAt - before.at) / 1000;
  failures += result.errors + result.timeouts;
  const sorted = latencies.slice(0, count).sort();
  return {
    rps: operations / seconds,
    operations,
    failures,
    seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    cpu,
    serverUsPerOp: operations > 0 ? (cpu.serverCpuS * 1e6) / operations : Number.NaN,
    storeUsPerOp: operations > 0 ? (cpu.storeCpuS * 1e6) / operations : Number.NaN,
    latencies: sorted,
  };
}

function stripLatencies(m: MeasureWithLatencies): Measure {
  const { latencies: _latencies, ...rest } = m;
  return rest;
}

/** Round-robin over a token list, starting at a random place. */
function tokenCycle(list: readonly string[]): () => string {
  let i = Math.floor(Math.random() * list.length);
  return () => {
    const token = list[i % list.length] as string;
    i += 1;
    return token;
  };
}

const SESSION_ACTIONS: Record<string, (body: string) => boolean> = {
  validate: (body) => body.includes('"valid":true'),
  getSessionInfo: (body) => body.includes(`"username":"${USERNAME}"`),
  refresh: (body) => body.includes(`"uid":"${USERNAME}"`),
  getSessionInfoAndResetIdleTime: (body) => body.includes(`"username":"${USERNAME}"`),
  logout: (body) => body.includes('Successfully logged out'),
};

function sessionSteps(action: string, next: () => string, target: Target): Step[] {
  const accept = SESSION_ACTIONS[action] ?? (() => false);
  return [
    {
      request: {
        method: 'POST',
        path: `${ALPHA}/sessions?_action=${action}`,
        headers: { 'accept-api-version': 'resource=4.0', 'content-type': 'application/json' },
        setupRequest: (request) => {
          (request.headers as Record<string, string>).iplanetdirectorypro = next();
          return request;
        },
      },
      check: (status, body) => status === 200 && (target.name === 'bare' || accept(body)),
      completes: true,
    },
  ];
}

function zeroPageSteps(): Step[] {
  return [
    {
      request: {
        method: 'POST',
        path: `${ALPHA}/authenticate`,
        headers: {
          'accept-api-version': 'resource=2.1',
          'content-type': 'application/json',
          'x-openam-username': USERNAME,
          'x-openam-password': USER_PASSWORD,
        },
      },
      check: (status, body) => status === 200 && body.includes('"tokenId"'),
      completes: true,
    },
  ];
}

interface Callback {
  type: string;
  input: { name: string; value: unknown }[];
}

function journeySteps(): Step[] {
  const path = `${ALPHA}/authenticate?authIndexType=service&authIndexValue=Login`;
  const headers = { 'accept-api-version': 'resource=2.1', 'content-type': 'application/json' };
  return [
    {
      request: { method: 'POST', path, headers },
      check: (status, body, context) => {
        if (status !== 200) return false;
        const step = JSON.parse(body) as { authId?: string; callbacks?: Callback[] };
        if (typeof step.authId !== 'string' || !Array.isArray(step.callbacks)) return false;
        context.step = step;
        return true;
      },
      completes: false,
    },
    {
      request: {
        method: 'POST',
        path,
        headers,
        setupRequest: (request, context) => {
          const step = context.step as { authId: string; callbacks: Callback[] } | undefined;
          if (!step) return null;
          for (const callback of step.callbacks) {
            const input = callback.input[0];
            if (!input) continue;
            if (callback.type === 'NameCallback') input.value = USERNAME;
            if (callback.type === 'PasswordCallback') input.value = USER_PASSWORD;
          }
          request.body = JSON.stringify(step);
          return request;
        },
      },
      check: (status, body) => status === 200 && body.includes('"tokenId"'),
      completes: true,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Scenarios

interface ArgonRate {
  rate: number;
  verifies: number;
  seconds: number;
  /** Hashes in flight. */
  concurrency: number;
}

interface PacedSummary {
  offeredRate: number;
  achievedRate: number;
  failures: number;
  p50: number;
  p99: number;
  p999: number;
}

interface ScenarioResult {
  store: StoreKind;
  scenario: ScenarioId;
  baseline: 'bare node:http' | 'argon2id verify';
  rounds: { anvil: Measure; baseline: Measure | ArgonRate }[];
  summary: {
    rps: number;
    baselineRps: number;
    ratio: number;
    /** Ratios of each round's pair. */
    roundRatios: number[];
    p50: number;
    p99: number;
    p999: number;
    baselineP50?: number;
    baselineP99?: number;
    baselineP999?: number;
    serverUsPerOp: number;
    baselineUsPerOp?: number;
    /**
     * Bare server CPU per request ÷ Anvil CPU per operation: the throughput ratio each would reach
     * on a core of its own, whatever the load generator and other processes did.
     */
    cpuRatio?: number;
    storeUsPerOp: number;
    failures: number;
    generatorCores: number;
    otherCores: number;
  };
  halfRate?: { anvil: PacedSummary; bare: PacedSummary };
  /** Cores other processes used just before the scenario started. */
  othersBefore?: number;
}

function mean(values: number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

function pooled(measures: MeasureWithLatencies[]): Float64Array {
  const total = measures.reduce((n, m) => n + m.latencies.length, 0);
  const all = new Float64Array(total);
  let at = 0;
  for (const m of measures) {
    all.set(m.latencies, at);
    at += m.latencies.length;
  }
  return all.sort();
}

function summarize(
  anvil: MeasureWithLatencies[],
  baseline: MeasureWithLatencies[] | ArgonRate[],
): ScenarioResult['summary'] {
  const lat = pooled(anvil);
  const baseRates = baseline.map((b) => ('rps' in b ? b.rps : b.rate));
  const roundRatios = anvil.map((a, i) => a.rps / (baseRates[i] ?? Number.NaN));
  const rps = mean(anvil.map((a) => a.rps));
  const baselineRps = mean(baseRates);
  const summary: ScenarioResult['summary'] = {
    rps,
    baselineRps,
    ratio: rps / baselineRps,
    roundRatios,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    p999: percentile(lat, 99.9),
    serverUsPerOp: mean(anvil.map((a) => a.serverUsPerOp)),
    storeUsPerOp: mean(anvil.map((a) => a.storeUsPerOp)),
    failures: anvil.reduce((n, a) => n + a.failures, 0),
    generatorCores: mean(anvil.map((a) => a.cpu.generatorCores)),
    otherCores: Math.max(...anvil.map((a) => a.cpu.otherCores)),
  };
  const bare = baseline.filter((b): b is MeasureWithLatencies => 'latencies' in b);
  if (bare.length > 0) {
    const baseLat = pooled(bare);
    summary.baselineP50 = percentile(baseLat, 50);
    summary.baselineP99 = percentile(baseLat, 99);
    summary.baselineP999 = percentile(baseLat, 99.9);
    summary.baselineUsPerOp = mean(bare.map((b) => b.serverUsPerOp));
    summary.cpuRatio = summary.baselineUsPerOp / summary.serverUsPerOp;
    summary.failures += bare.reduce((n, b) => n + b.failures, 0);
    summary.otherCores = Math.max(summary.otherCores, ...bare.map((b) => b.cpu.otherCores));
  }
  return summary;
}

function log(line: string) {
  process.stdout.write(`${line}\n`);
}

function fmt(n: number | undefined, digits = 0): string {
  if (n === undefined || !Number.isFinite(n)) return '—';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function describe(m: Measure): string {
  return `${fmt(m.rps)}/s p50 ${fmt(m.p50, 2)} p99 ${fmt(m.p99, 2)} ms, ${fmt(m.serverUsPerOp, 1)} µs CPU/op${m.failures ? `, ${m.failures} FAILED` : ''}`;
}

let bareWarm = false;

/** The bare server lives through the whole run: one warm-up is enough. */
async function warmBare(bare: Target): Promise<void> {
  if (bareWarm) return;
  await load(
    bare,
    sessionSteps('validate', () => 'x', bare),
    { seconds: Math.max(2, profile.warmupS) },
    SESSION_CONNECTIONS,
  );
  bareWarm = true;
}

async function sessionScenario(
  scenario: ScenarioId,
  fixture: Fixture,
  bare: Target,
  anvil: Target,
): Promise<ScenarioResult> {
  const anvilRuns: MeasureWithLatencies[] = [];
  const bareRuns: MeasureWithLatencies[] = [];
  const run = (target: Target, seconds: number) =>
    load(target, sessionSteps(scenario, tokenCycle(fixture.live), target), { seconds }, SESSION_CONNECTIONS);
  await warmBare(bare);
  await run(anvil, profile.warmupS);
  for (let round = 0; round < profile.rounds; round += 1) {
    // Alternate which goes first, so a drift of the machine's speed hits both sides alike.
    const order = round % 2 === 0 ? [bare, anvil] : [anvil, bare];
    for (const target of order) {
      const m = await run(target, profile.durationS);
      (target === bare ? bareRuns : anvilRuns).push(m);
      log(`    round ${round + 1} ${target.name.padEnd(5)} ${describe(m)}`);
    }
  }
  const result: ScenarioResult = {
    store: fixture.store,
    scenario,
    baseline: 'bare node:http',
    rounds: anvilRuns.map((a, i) => ({
      anvil: stripLatencies(a),
      baseline: stripLatencies(bareRuns[i] as MeasureWithLatencies),
    })),
    summary: summarize(anvilRuns, bareRuns),
  };
  if (scenario === 'validate') {
    const rate = Math.max(100, Math.round(result.summary.rps / 2));
    result.halfRate = {
      anvil: await pacedRun(anvil, scenario, fixture, rate),
      bare: await pacedRun(bare, scenario, fixture, rate),
    };
    const h = result.halfRate;
    log(
      `    at ${fmt(rate)}/s (half of Anvil's maximum): anvil p50 ${fmt(h.anvil.p50, 3)} p99 ${fmt(h.anvil.p99, 3)} p99.9 ${fmt(h.anvil.p999, 3)} ms; ` +
        `bare p50 ${fmt(h.bare.p50, 3)} p99 ${fmt(h.bare.p99, 3)} p99.9 ${fmt(h.bare.p999, 3)} ms`,
    );
  }
  return result;
}

async function pacedRun(
  target: Target,
  action: string,
  fixture: Fixture,
  rate: number,
): Promise<PacedSummary> {
  const next = tokenCycle(fixture.live);
  const head =
    `POST ${ALPHA}/sessions?_action=${action} HTTP/1.1\r\nHost: 127.0.0.1:${target.port}\r\n` +
    'Connection: keep-alive\r\naccept-api-version: resource=4.0\r\ncontent-type: application/json\r\n';
  const accept = SESSION_ACTIONS[action] ?? (() => false);
  const result = await paced({
    port: target.port,
    rate,
    durationMs: profile.pacedS * 1000,
    connections: PACED_CONNECTIONS,
    request: () => Buffer.from(`${head}iplanetdirectorypro: ${next()}\r\n\r\n`, 'latin1'),
    ok: (status, body) => status === 200 && (target.name === 'bare' || accept(body)),
  });
  return {
    offeredRate: rate,
    achievedRate: result.answered / result.elapsedS,
    failures: result.failures,
    p50: percentile(result.latenciesMs, 50),
    p99: percentile(result.latenciesMs, 99),
    p999: percentile(result.latenciesMs, 99.9),
  };
}

async function logoutScenario(fixture: Fixture, bare: Target, anvil: Target): Promise<ScenarioResult> {
  const amount = profile.logoutAmount;
  const warmup = Math.min(2_000, Math.floor(amount / 4));
  let offset = 0;
  const take = (n: number) => {
    const slice = fixture.logoutPool.slice(offset, offset + n);
    offset += n;
    return slice;
  };
  const run = (target: Target, n: number) => {
    // The bare server gets the same requests; only Anvil consumes tokens.
    const tokens = target === anvil ? take(n) : fixture.logoutPool.slice(0, n);
    return load(
      target,
      sessionSteps('logout', tokenCycle(tokens), target),
      { amount: n },
      SESSION_CONNECTIONS,
    );
  };
  await warmBare(bare);
  await run(anvil, warmup);
  const anvilRuns: MeasureWithLatencies[] = [];
  const bareRuns: MeasureWithLatencies[] = [];
  for (let round = 0; round < profile.rounds; round += 1) {
    const order = round % 2 === 0 ? [bare, anvil] : [anvil, bare];
    for (const target of order) {
      const m = await run(target, amount);
      (target === bare ? bareRuns : anvilRuns).push(m);
      log(`    round ${round + 1} ${target.name.padEnd(5)} ${describe(m)}`);
    }
  }
  return {
    store: fixture.store,
    scenario: 'logout',
    baseline: 'bare node:http',
    rounds: anvilRuns.map((a, i) => ({
      anvil: stripLatencies(a),
      baseline: stripLatencies(bareRuns[i] as MeasureWithLatencies),
    })),
    summary: summarize(anvilRuns, bareRuns),
  };
}

async function loginScenario(scenario: ScenarioId, fixture: Fixture, anvil: Target): Promise<ScenarioResult> {
  const steps = () => (scenario === 'login-journey' ? journeySteps() : zeroPageSteps());
  await load(anvil, steps(), { seconds: profile.warmupS }, LOGIN_CONNECTIONS);
  const anvilRuns: MeasureWithLatencies[] = [];
  const rates: ArgonRate[] = [];
  for (let round = 0; round < profile.rounds; round += 1) {
    const order = round % 2 === 0 ? ['argon2', 'anvil'] : ['anvil', 'argon2'];
    for (const which of order) {
      if (which === 'argon2') {
        const r = runArgon2Baseline(profile.loginDurationS);
        rates.push(r);
        log(`    round ${round + 1} argon2 ${fmt(r.rate, 1)} verifies/s (best: ${r.concurrency} at a time)`);
      } else {
        const m = await load(anvil, steps(), { seconds: profile.loginDurationS }, LOGIN_CONNECTIONS);
        anvilRuns.push(m);
        log(
          `    round ${round + 1} anvil  ${fmt(m.rps, 1)} logins/s p50 ${fmt(m.p50, 1)} p99 ${fmt(m.p99, 1)} ms${m.failures ? `, ${m.failures} FAILED` : ''}`,
        );
      }
    }
  }
  return {
    store: fixture.store,
    scenario,
    baseline: 'argon2id verify',
    rounds: anvilRuns.map((a, i) => ({ anvil: stripLatencies(a), baseline: rates[i] as ArgonRate })),
    summary: summarize(anvilRuns, rates),
  };
}

// ---------------------------------------------------------------------------------------------
// Targets (issue "Performance: benchmarks for every hot path"; shared/perf/anchors.md §6)

interface TargetCheck {
  target: string;
  store: StoreKind;
  scenario: ScenarioId;
  measured: string;
  met: boolean;
}

function checkTargets(results: ScenarioResult[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const find = (store: StoreKind, scenario: ScenarioId) =>
    results.find((r) => r.store === store && r.scenario === scenario);
  const ratio = (target: string, store: StoreKind, scenario: ScenarioId, min: number) => {
    const r = find(store, scenario);
    if (!r) return;
    checks.push({
      target,
      store,
      scenario,
      measured: `${r.summary.ratio.toFixed(2)} ×`,
      met: r.summary.ratio >= min && r.summary.failures === 0,
    });
  };
  for (const scenario of ['validate', 'getSessionInfo'] as const) {
    ratio('≥ 0.85 × bare (embedded store)', 'sqlite', scenario, 0.85);
    ratio('≥ 0.65 × bare (Redis)', 'redis', scenario, 0.65);
  }
  for (const store of STORES) {
    for (const scenario of ['refresh', 'getSessionInfoAndResetIdleTime'] as const) {
      ratio('≥ 0.5 × bare', store, scenario, 0.5);
    }
  }
  for (const store of STORES) {
    for (const scenario of ['login-zero-page', 'login-journey'] as const) {
      const r = find(store, scenario);
      if (!r) continue;
      checks.push({
        target: '≥ 90 % of the raw argon2id verify rate',
        store,
        scenario,
        measured: `${(r.summary.ratio * 100).toFixed(0)} %`,
        met: r.summary.ratio >= 0.9 && r.summary.failures === 0,
      });
    }
  }
  for (const store of STORES) {
    const r = find(store, 'validate');
    if (!r?.halfRate) continue;
    checks.push({
      target: 'p99 ≤ 1 ms at half the maximum rate',
      store,
      scenario: 'validate',
      measured: `${r.halfRate.anvil.p99.toFixed(2)} ms at ${fmt(r.halfRate.anvil.offeredRate)}/s`,
      met: r.halfRate.anvil.p99 <= 1 && r.halfRate.anvil.failures === 0,
    });
  }
  return checks;
}

// ---------------------------------------------------------------------------------------------
// Reporting

function markdown(results: ScenarioResult[], checks: TargetCheck[]): string {
  const lines: string[] = [];
  lines.push(
    '| store | scenario | Anvil ops/s | p50 ms | p99 ms | p99.9 ms | baseline | baseline ops/s | ratio (rounds) | Anvil CPU µs/op | bare CPU µs/op | CPU ratio | bare p50 / p99 ms | errors | other CPU |',
    '|---|---|---:|---:|---:|---:|---|---:|---|---:|---:|---:|---|---:|---:|',
  );
  for (const r of results) {
    const s = r.summary;
    const isLogin = r.baseline === 'argon2id verify';
    const ratio = isLogin
      ? `**${(s.ratio * 100).toFixed(0)} %** (${s.roundRatios.map((x) => `${(x * 100).toFixed(0)}`).join(', ')})`
      : `**${s.ratio.toFixed(2)}** (${s.roundRatios.map((x) => x.toFixed(2)).join(', ')})`;
    const digits = isLogin ? 1 : 2;
    lines.push(
      `| ${r.store} | ${r.scenario} | ${fmt(s.rps, isLogin ? 1 : 0)} | ${fmt(s.p50, digits)} | ${fmt(s.p99, digits)} | ${fmt(s.p999, digits)} | ${isLogin ? 'argon2id verify' : 'bare'} | ${fmt(s.baselineRps, isLogin ? 1 : 0)} | ${ratio} | ${fmt(s.serverUsPerOp, isLogin ? 0 : 1)} | ${fmt(s.baselineUsPerOp, 1)} | ${fmt(s.cpuRatio ?? (s.baselineUsPerOp ?? Number.NaN) / s.serverUsPerOp, 2)} | ${s.baselineP50 === undefined ? '—' : `${fmt(s.baselineP50, 2)} / ${fmt(s.baselineP99, 2)}`} | ${s.failures} | ${s.otherCores.toFixed(2)} |`,
    );
  }
  const half = results.filter((r) => r.halfRate);
  if (half.length > 0) {
    lines.push(
      '',
      '| store | validate at a fixed rate | Anvil p50 / p99 / p99.9 ms | bare p50 / p99 / p99.9 ms (same rate) |',
      '|---|---:|---|---|',
    );
    for (const r of half) {
      const h = r.halfRate as NonNullable<ScenarioResult['halfRate']>;
      lines.push(
        `| ${r.store} | ${fmt(h.anvil.offeredRate)}/s | ${fmt(h.anvil.p50, 3)} / ${fmt(h.anvil.p99, 3)} / ${fmt(h.anvil.p999, 3)} | ${fmt(h.bare.p50, 3)} / ${fmt(h.bare.p99, 3)} / ${fmt(h.bare.p999, 3)} |`,
      );
    }
  }
  if (checks.length > 0) {
    lines.push('', '| target | store | scenario | measured | met |', '|---|---|---|---|---|');
    for (const c of checks) {
      lines.push(
        `| ${c.target} | ${c.store} | ${c.scenario} | ${c.measured} | ${c.met ? 'yes' : '**no**'} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function machine() {
  const info = readFileSync('/proc/cpuinfo', 'utf8');
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1];
  let nproc = String(availableParallelism());
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // keep availableParallelism
  }
  return {
    cpu: field('model name') ?? cpus()[0]?.model ?? 'unknown',
    cpuMHz: Number(field('cpu MHz') ?? cpus()[0]?.speed ?? 0),
    cache: field('cache size'),
    nproc: Number(nproc),
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    kernel: release(),
    node: process.version,
    autocannon: (
      JSON.parse(readFileSync(join(ROOT, 'node_modules/autocannon/package.json'), 'utf8')) as {
        version: string;
      }
    ).version,
  };
}

function git(...argv: string[]): string {
  try {
    return execFileSync('git', argv, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Self time per function of a V8 .cpuprofile, highest first. */
function profileTop(file: string, top = 15): string {
  interface Node {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }
  const profileData = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: Node[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profileData.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  profileData.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = profileData.timeDeltas[i] ?? 0;
    if (!node) return;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url
      ? `${url.replace(pathToFileURL(ROOT).href, '').replace(/^file:\/\//, '')}:${lineNumber + 1}`
      : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
    if (functionName !== '(idle)') {
      const area = areaOf(functionName, url);
      areas.set(area, (areas.get(area) ?? 0) + dt);
    }
    total += dt;
  });
  const idle = self.get('(idle)') ?? 0;
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  const out = [
    `${relative(ROOT, file)}: ${(total / 1e6).toFixed(1)} s sampled, ${((idle / total) * 100).toFixed(1)} % idle`,
    '| self % of busy | self ms | function |',
    '|---:|---:|---|',
  ];
  for (const [key, us] of rows) {
    if (key === '(idle)') continue;
    out.push(`| ${((us / (total - idle)) * 100).toFixed(1)} | ${(us / 1000).toFixed(0)} | \`${key}\` |`);
  }
  out.push('', '| self % of busy | area |', '|---:|---|');
  for (const [area, us] of [...areas.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    out.push(`| ${((us / (total - idle)) * 100).toFixed(1)} | ${area} |`);
  }
  return out.join('\n');
}

/** Where a sampled function lives: V8 itself, a native call, Node's core, an npm package, Anvil. */
function areaOf(functionName: string, url: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : `native (${functionName})`;
  if (url.startsWith('node:')) return 'Node core (http, net, streams, crypto…)';
  const npm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (npm) return `npm: ${npm[1]}`;
  const dist = /\/dist\/(.*)$/.exec(url);
  if (dist?.[1]) return `anvil: ${dist[1].split('/').slice(0, -1).join('/') || dist[1]}`;
  return url;
}

// ---------------------------------------------------------------------------------------------
// Main

/** `--report FILE`: the tables of a saved run, recomputed from its figures (or a profile's top). */
function reprint(file: string): number {
  if (file.endsWith('.cpuprofile')) {
    log(profileTop(file));
    return 0;
  }
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { results: ScenarioResult[] };
  log(markdown(saved.results, checkTargets(saved.results)));
  return 0;
}

async function main(): Promise<number> {
  if (args.report !== undefined) return reprint(resolve(args.report));
  if (!existsSync(CLI)) {
    process.stderr.write(`bench: ${relative(ROOT, CLI)} is missing; run \`npm run build\` first\n`);
    return 2;
  }
  if (newestMtime(join(ROOT, 'src')) > statSync(CLI).mtimeMs) {
    log('warning: src/ changed after dist/ was built; run `npm run build` to measure the current code');
  }
  const startedAt = new Date();
  // What is measured is dist/ as built: note the commit and the build time now, not at the end.
  const commit = git('rev-parse', 'HEAD');
  const srcDirty = git('status', '--porcelain', 'src') !== '';
  const distBuiltAt = statSync(CLI).mtime.toISOString();
  quietBudgetMs = profile.quietWaitS * 1000;
  const host = machine();
  const loadBefore = loadavg();
  log(
    `Anvil benchmark (${quick ? 'quick' : 'full'}): ${host.cpu}, ${host.nproc} cores, ${host.memoryGiB} GiB, Node ${host.node}, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
  );
  log(
    `  ${profile.rounds} round(s) × ${profile.durationS} s per side (warm-up ${profile.warmupS} s), ${SESSION_CONNECTIONS} connections (${LOGIN_CONNECTIONS} for logins), ${profile.sessions} live sessions`,
  );
  const workDir = mkdtempSync(join(tmpdir(), 'anvil-bench-'));
  const scenarios = SCENARIOS.filter((s) => only.includes(s));
  const results: ScenarioResult[] = [];
  const storesInfo: Record<string, unknown> = {};
  const profiles: string[] = [];
  let bare: Target | undefined;
  const fixtures = new Set<Fixture>();
  const interrupt = () => {
    log('interrupted: stopping servers and removing bench data');
    for (const child of children) child.kill('SIGKILL');
    void Promise.all([...fixtures].map((f) => f.cleanup().catch(() => {}))).finally(() => {
      rmSync(workDir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    bare = await startBare(workDir);
    for (const store of storesWanted) {
      const unreachable = await reachable(store);
      if (unreachable !== undefined) {
        log(`\n${store}: not reachable (${unreachable}); skipped`);
        storesInfo[store] = { reachable: false, reason: unreachable };
        continue;
      }
      const version = await storeVersion(store);
      const needsLogout = scenarios.includes('logout');
      const logoutCount = needsLogout
        ? profile.logoutAmount * profile.rounds + Math.min(2_000, Math.floor(profile.logoutAmount / 4))
        : 0;
      log(`\n${store} (${version}): preparing ${fmt(profile.sessions + logoutCount)} sessions`);
      const fixture = await prepareStore(store, logoutCount);
      fixtures.add(fixture);
      storesInfo[store] = { reachable: true, version, setup: fixture.setup };
      log(
        `  inserted ${fmt(fixture.setup.inserted)} sessions in ${fixture.setup.insertSeconds.toFixed(1)} s`,
      );
      try {
        for (const scenario of scenarios) {
          log(`  ${store} ${scenario}`);
          const othersBefore = await waitForQuiet();
          const anvil = await startAnvil(fixture, scenario, args['cpu-prof'] === true);
          try {
            let result: ScenarioResult;
            if (scenario === 'logout') result = await logoutScenario(fixture, bare, anvil);
            else if (scenario.startsWith('login')) result = await loginScenario(scenario, fixture, anvil);
            else result = await sessionScenario(scenario, fixture, bare, anvil);
            if (othersBefore !== undefined) result.othersBefore = othersBefore;
            results.push(result);
            const s = result.summary;
            log(
              `  → ${fmt(s.rps, 1)}/s, ratio ${s.ratio.toFixed(2)} to ${result.baseline}; p99 ${fmt(s.p99, 2)} ms; other processes up to ${s.otherCores.toFixed(2)} cores`,
            );
          } finally {
            await anvil.stop();
          }
        }
      } finally {
        await fixture.cleanup();
        fixtures.delete(fixture);
      }
    }
  } finally {
    await bare?.stop();
    for (const child of children) child.kill('SIGKILL');
    rmSync(workDir, { recursive: true, force: true });
  }

  const checks = checkTargets(results);
  const table = markdown(results, checks);
  log(`\n${table}`);
  if (args['cpu-prof'] === true) {
    const dir = join(RESULTS, 'profiles');
    for (const name of readdirSync(dir).filter(
      (f) => f.includes(`-${process.pid}-`) && !f.includes('-setup-'),
    )) {
      const summary = profileTop(join(dir, name));
      profiles.push(summary);
      log(`${summary}\n`);
    }
  }
  const finishedAt = new Date();
  const report = {
    version: 1,
    mode: quick ? 'quick' : 'full',
    filtered,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    commit,
    srcDirty,
    distBuiltAt,
    machine: { ...host, loadAverageBefore: loadBefore, loadAverageAfter: loadavg() },
    settings: {
      ...profile,
      sessionConnections: SESSION_CONNECTIONS,
      loginConnections: LOGIN_CONNECTIONS,
      pacedConnections: PACED_CONNECTIONS,
      argon2: {
        algorithm: 'argon2id',
        memoryKib: ARGON2.memoryKib,
        iterations: ARGON2.iterations,
        parallelism: 1,
      },
      argon2Concurrencies: HASH_CONCURRENCIES,
    },
    stores: storesInfo,
    results,
    targets: checks,
    profiles,
    table,
  };
  mkdirSync(RESULTS, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const file = join(RESULTS, `${stamp}-${quick ? 'quick' : 'full'}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  log(`results: ${relative(ROOT, file)}`);
  if (!quick && !filtered && args['cpu-prof'] !== true) {
    const latest = join(RESULTS, 'latest.json');
    writeFileSync(latest, `${JSON.stringify(report, null, 2)}\n`);
    // The committed summary is linted with the rest of the repository: give it biome's layout.
    try {
      execFileSync(join(ROOT, 'node_modules', '.bin', 'biome'), ['format', '--write', latest], {
        cwd: ROOT,
        stdio: 'ignore',
      });
    } catch {
      log('note: could not format bench/results/latest.json with biome');
    }
    log('summary: bench/results/latest.json');
  }
  const failed = results.some((r) => r.summary.failures > 0);
  if (failed) log('some requests failed or answered wrongly: see the errors column');
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    for (const child of children) child.kill('SIGKILL');
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
