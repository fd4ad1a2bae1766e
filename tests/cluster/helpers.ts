import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DATABASE_URL } from '../services.js';

export {
  DATABASE_URL,
  postgresUnreachable,
  REDIS_URL,
  redisUnreachable,
  removeRedisKeys,
  shown,
} from '../services.js';

/**
 * Shared helpers of the multi-process tests: real `anvil serve` processes on 127.0.0.1, port 0,
 * their address read from the "Anvil is serving" log line, and plain `fetch` against them.
 */

export const ROOT = new URL('../../', import.meta.url).pathname;

export const ADMIN_PASSWORD = 'cluster-admin-password';
export const USER = 'bjensen';
export const USER_PASSWORD = 'Ch4ng31t!';

/** How long a process may take to say it is serving (or to exit) before the test gives up. */
const READY_TIMEOUT_MS = 15_000;
/** Every HTTP request of these tests is bounded too. */
const REQUEST_TIMEOUT_MS = 10_000;

/** The version headers clients send. */
export const V = {
  authn: 'resource=2.1, protocol=1.0',
  sessions4: 'resource=4.0, protocol=1.0',
  sessions5: 'resource=5.1, protocol=1.0',
  users: 'resource=4.0, protocol=2.1',
} as const;

// ---------------------------------------------------------------------------------------------
// How the server is run
// ---------------------------------------------------------------------------------------------

/**
 * `built` (the default): `src/` compiled once per test file, file by file as `npm run build` (tsc)
 * lays out `dist/` — esbuild, the compiler tsx itself uses, without type checking, which tsc
 * --noEmit does — into a temporary directory whose `node_modules` points at the project's, and
 * `cli/index.js` run with plain `node`: what a deployment runs (package.json's `bin`), and a
 * second faster per process than tsx, which compiles every module at start. Not a bundle: a
 * bundle would turn the lazy `import()` of the Redis and PostgreSQL drivers into static imports.
 * `tsx` (ANVIL_CLUSTER_RUNNER=tsx): exactly as tests/server/cli.test.ts spawns it.
 */
export type Runner = { kind: 'built'; entry: string; dir: string } | { kind: 'tsx' };

export async function prepareRunner(): Promise<Runner> {
  if (process.env.ANVIL_CLUSTER_RUNNER === 'tsx') return { kind: 'tsx' };
  const { build } = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'anvil-cluster-build-'));
  const src = join(ROOT, 'src');
  const entryPoints = readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => join(src, file));
  await build({
    entryPoints,
    outdir: join(dir, 'dist'),
    outbase: src,
    bundle: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
  });
  // Bare imports resolve from the directories above the file: point them at ours.
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  // The compiled files are ES modules, as package.json's "type" says for dist/.
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  return { kind: 'built', entry: join(dir, 'dist', 'cli', 'index.js'), dir };
}

export function disposeRunner(runner: Runner | undefined): void {
  if (runner?.kind === 'built') rmSync(runner.dir, { recursive: true, force: true });
}

function runnerArgs(runner: Runner): string[] {
  return runner.kind === 'built' ? [runner.entry] : ['--import', 'tsx', join(ROOT, 'src/cli/index.ts')];
}

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Timings {
  /** performance.now() in this process when the child was spawned. */
  spawnedAt: number;
  /** Spawn → the "Anvil is serving" line read here (ms). */
  spawnToServingMs: number;
  /**
   * Server side: the `time` of the "Anvil is serving" log line minus the child's own process start
   * (`performance.timeOrigin`, printed by a `--import` preload before any Anvil module loads), ms.
   * Node's start-up and module loading (and tsx's compiling) are included; pipe latency is not.
   */
  processStartToServingMs: number;
  /**
   * CPU time (user + system, all threads) the child had used when its "Anvil is serving" line was
   * read here, from /proc/<pid>/stat (10 ms ticks; NaN where there is no /proc): the start-up work
   * itself, which waiting for a busy core does not lengthen.
   */
  cpuMsAtServing: number;
}

export interface AnvilProcess {
  /** `http://127.0.0.1:<port>` (without the deployment path). */
  url: string;
  pid: number;
  child: ChildProcess;
  timings: Timings;
  exited: Promise<Exit>;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Sends the signal and waits for the exit (bounded). */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

const running = new Set<AnvilProcess>();

/** The preload that tells when the child process started, before Anvil's modules load. */
const START_MARK = `data:text/javascript,console.log(JSON.stringify({anvilProcessStart:performance.timeOrigin}))`;

/**
 * Spawns `anvil serve --port 0` with only the given ANVIL_* settings (the parent's ANVIL_* variables
 * are not inherited) and resolves once it logs "Anvil is serving"; rejects with its output when it
 * exits or does not get there in time.
 */
export function startAnvil(runner: Runner, env: Record<string, string>): Promise<AnvilProcess> {
  const childEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('ANVIL_') && key !== 'PORT') childEnv[key] = value;
  }
  Object.assign(childEnv, { ANVIL_HOST: '127.0.0.1', ANVIL_LOG_LEVEL: 'info' }, env);
  const spawnedAt = performance.now();
  const child = spawn(
    process.execPath,
    [`--import=${START_MARK}`, ...runnerArgs(runner), 'serve', '--port', '0'],
    { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const proc: AnvilProcess = {
    url: '',
    pid: child.pid ?? -1,
    child,
    timings: {
      spawnedAt,
      spawnToServingMs: Number.NaN,
      processStartToServingMs: Number.NaN,
      cpuMsAtServing: Number.NaN,
    },
    exited,
    output: () => out,
    stop: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const exit = await within(exited, READY_TIMEOUT_MS, `anvil ${child.pid} did not exit on ${signal}`);
      running.delete(proc);
      return exit;
    },
  };
  running.add(proc);
  return new Promise<AnvilProcess>((resolve, reject) => {
    let processStart: number | undefined;
    let pending = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      reject(new Error(`${why}\n--- output of anvil ${child.pid} ---\n${out}`));
    };
    const timer = setTimeout(
      () => fail(`anvil did not log "Anvil is serving" within ${READY_TIMEOUT_MS} ms`),
      READY_TIMEOUT_MS,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      out += text;
      if (proc.url) return;
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const entry = parseLine(line);
        if (!entry) continue;
        if (typeof entry.anvilProcessStart === 'number') processStart = entry.anvilProcessStart;
        if (entry.msg === 'Anvil is serving' && typeof entry.address === 'string') {
          clearTimeout(timer);
          proc.url = entry.address;
          proc.timings.spawnToServingMs = performance.now() - spawnedAt;
          proc.timings.cpuMsAtServing = cpuMs(proc.pid);
          if (processStart !== undefined && typeof entry.time === 'number')
            proc.timings.processStartToServingMs = entry.time - processStart;
          resolve(proc);
          return;
        }
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('error', (error) => fail(`could not spawn anvil: ${error.message}`));
    void exited.then((exit) => {
      running.delete(proc);
      if (!proc.url) fail(`anvil exited (code ${exit.code}, signal ${exit.signal}) before serving`);
    });
  });
}

/** utime + stime of a live process, in ms (Linux); NaN when unknown. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // After "pid (comm) ": state is field 3 (index 0 here); utime and stime are fields 14 and 15.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

function parseLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** SIGKILLs every process the tests started and still running; waits for each to exit. */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop('SIGKILL')));
}

export async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Waits until `condition` holds, asking again every 20 ms, for at most `ms`: for a state of other
 * processes that cannot be awaited directly (a database lock they wait on).
 */
export async function waitFor(condition: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export const randomHex = (bytes = 8) => randomBytes(bytes).toString('hex');

/** Settings every node of these tests uses: cheap password hashing, a known admin password. */
export function baseEnv(): Record<string, string> {
  return {
    ANVIL_ADMIN_PASSWORD: ADMIN_PASSWORD,
    ANVIL_AUTHN_ARGON2_MEMORY_KIB: '1024',
    ANVIL_AUTHN_ARGON2_ITERATIONS: '1',
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

export interface Answer {
  status: number;
  /** The body as text. */
  text: string;
  /** The body as JSON (undefined when it is not JSON). */
  body: Record<string, unknown> | undefined;
}

export async function request(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  let payload: string | undefined;
  if (init.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    payload = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  }
  const response = await fetch(url, {
    method: init.method ?? 'POST',
    headers,
    ...(payload === undefined ? {} : { body: payload }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  let body: Record<string, unknown> | undefined;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  return { status: response.status, text, body };
}

const realmBase = (node: { url: string }, realm: string) =>
  `${node.url}/am/json/realms/root${realm === '/' ? '' : `/realms/${realm.replace(/^\//, '')}`}`;

/** Zero-page login (credentials in headers); the answer as is. */
export function zeroPageLogin(node: { url: string }, username: string, password: string, realm = '/alpha') {
  return request(`${realmBase(node, realm)}/authenticate`, {
    headers: {
      'x-openam-username': username,
      'x-openam-password': password,
      'accept-api-version': V.authn,
    },
  });
}

/** Zero-page login that must succeed; the tokenId. */
export async function loginToken(
  node: { url: string },
  username: string,
  password: string,
  realm = '/alpha',
): Promise<string> {
  const answer = await zeroPageLogin(node, username, password, realm);
  const token = answer.body?.tokenId;
  if (answer.status !== 200 || typeof token !== 'string')
    throw new Error(`login of ${username} on ${node.url} failed: ${answer.status} ${answer.text}`);
  return token;
}

export const adminToken = (node: { url: string }) => loginToken(node, 'amAdmin', ADMIN_PASSWORD, '/');

/** Creates a user in /alpha through AM's users resource (admin token in iPlanetDirectoryPro). */
export async function createUser(node: { url: string }, admin: string, username: string, password: string) {
  const answer = await request(`${realmBase(node, '/alpha')}/users/?_action=create`, {
    headers: { iplanetdirectorypro: admin, 'accept-api-version': V.users },
    body: { username, userpassword: password },
  });
  if (answer.status !== 201) throw new Error(`creating ${username} failed: ${answer.status} ${answer.text}`);
}

/** A /sessions action in /alpha: `token` is the caller (iPlanetDirectoryPro header). */
export function sessionAction(
  node: { url: string },
  action: string,
  options: { token?: string; body?: unknown; version?: string } = {},
) {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'accept-api-version': options.version ?? V.sessions4,
  };
  if (options.token !== undefined) headers.iplanetdirectorypro = options.token;
  return request(`${realmBase(node, '/alpha')}/sessions?_action=${action}`, {
    headers,
    body: options.body ?? {},
  });
}

/** `validate` of a token, with no caller (anyone may ask): the body. */
export async function validate(node: { url: string }, tokenId: string): Promise<Record<string, unknown>> {
  const answer = await sessionAction(node, 'validate', { body: { tokenId } });
  if (answer.status !== 200 || !answer.body)
    throw new Error(`validate on ${node.url}: ${answer.status} ${answer.text}`);
  return answer.body;
}

const USER_FILTER = encodeURIComponent(`realm eq "/alpha" and username eq "${USER}"`);

/** The admin query (resource 4.0) of bjensen's live sessions in /alpha: resultCount. */
export async function liveSessionsOfUser(node: { url: string }, admin: string): Promise<number> {
  const answer = await request(`${realmBase(node, '/alpha')}/sessions?_queryFilter=${USER_FILTER}`, {
    method: 'GET',
    headers: { iplanetdirectorypro: admin, 'accept-api-version': V.sessions4 },
  });
  if (answer.status !== 200 || typeof answer.body?.resultCount !== 'number')
    throw new Error(`session query on ${node.url}: ${answer.status} ${answer.text}`);
  return answer.body.resultCount;
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at once; results in order. */
export async function pool<T>(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next;
      next += 1;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

// ---------------------------------------------------------------------------------------------
// Shared services (PostgreSQL, Redis)
// ---------------------------------------------------------------------------------------------

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}
