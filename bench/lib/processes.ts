/** The servers under test: spawning them with a clean environment, waiting for them, stopping them. */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { BENCH, CLI, RESULTS, ROOT } from './constants.js';
import { sleep } from './util.js';

/** Every child still running, so that an interrupted run can kill them all. */
export const children = new Set<ChildProcess>();

export function freePort(): Promise<number> {
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

export interface Target {
  name: 'anvil' | 'bare' | 'fastify';
  port: number;
  pid: number;
  /** Command names of the store's processes whose CPU is counted with the server's. */
  storeComms: readonly string[];
  stop(): Promise<void>;
}

/** What an Anvil process needs: its environment (store, data directory) and where to log. */
export interface ServerSetup {
  store: string;
  env: NodeJS.ProcessEnv;
  workDir: string;
  storeComms: readonly string[];
}

/**
 * A server under test, in a session of its own (`setsid`), as a service runs. On Linux with
 * autogroup scheduling a session is a scheduling group: a server left in the runner's session
 * shares one group with autocannon, and while logins kept every core busy the store's server (in
 * a group of its own) waited 25–36 ms at a time for a CPU, with its socket full of requests
 * (bench/README.md). Every child is still killed by the runner on exit or interrupt.
 */
export function spawnChild(
  command: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
): ChildProcess {
  const log = openSync(logFile, 'a');
  const child = spawn(command, argv, { cwd: ROOT, env, stdio: ['ignore', log, log], detached: true });
  closeSync(log);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

export function tail(file: string): string {
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

export function startBare(workDir: string): Promise<Target> {
  return startFixedBody(workDir, 'bare-server.mjs', 'bare');
}

/** The framework floor of the `floor` scenario (bench/fastify-floor.mjs). */
export function startFastifyFloor(workDir: string): Promise<Target> {
  return startFixedBody(workDir, 'fastify-floor.mjs', 'fastify');
}

/** A server of bench/ that answers one fixed body to any request. */
async function startFixedBody(workDir: string, script: string, name: Target['name']): Promise<Target> {
  const port = await freePort();
  const logFile = join(workDir, `${name}.log`);
  const child = spawnChild(process.execPath, [join(BENCH, script), String(port)], cleanEnv(), logFile);
  await waitReady(child, port, '/', logFile);
  return {
    name,
    port,
    pid: child.pid ?? 0,
    storeComms: [],
    stop: () => stopChild(child),
  };
}

let profileCount = 0;

export async function startAnvil(setup: ServerSetup, label: string, cpuProf = false): Promise<Target> {
  const port = await freePort();
  const logFile = join(setup.workDir, `anvil-${label}.log`);
  const nodeArgs: string[] = [];
  if (cpuProf) {
    profileCount += 1;
    mkdirSync(join(RESULTS, 'profiles'), { recursive: true });
    nodeArgs.push(
      '--cpu-prof',
      `--cpu-prof-dir=${join(RESULTS, 'profiles')}`,
      `--cpu-prof-name=${setup.store}-${label}-${process.pid}-${profileCount}.cpuprofile`,
    );
  }
  const env = { ...setup.env, ANVIL_PORT: String(port) };
  const child = spawnChild(process.execPath, [...nodeArgs, CLI, 'serve'], env, logFile);
  await waitReady(child, port, '/am/json/health/ready', logFile);
  return {
    name: 'anvil',
    port,
    pid: child.pid ?? 0,
    storeComms: setup.storeComms,
    stop: () => stopChild(child),
  };
}

/** The runner's environment without any ANVIL_* setting or NODE_OPTIONS that would change the servers. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('ANVIL_') || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return env;
}
