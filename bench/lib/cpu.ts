/**
 * CPU accounting from /proc: the server's own CPU per request is the figure least moved by the
 * load generator and by whatever else runs on the machine.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { CLK_TCK } from './constants.js';
import { log, sleep } from './util.js';

export function processTicks(pid: number): number {
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

export function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const n = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = n;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

let quietBudgetMs = 0;
const QUIET_CORES = 0.25;

/** The most time, over the whole run, that `waitForQuiet` may spend. */
export function setQuietBudget(seconds: number): void {
  quietBudgetMs = seconds * 1000;
}

/**
 * This machine may be shared: other processes' CPU use moves every figure. Before a scenario
 * starts (its servers idle), wait while everything else together keeps more than a quarter of a
 * core busy, within a budget for the whole run; each measurement records what others used anyway.
 */
export async function waitForQuiet(): Promise<number | undefined> {
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

export interface CpuSample {
  at: number;
  server: number;
  store: number;
  machine: { busy: number; total: number };
  self: NodeJS.CpuUsage;
}

export function sampleCpu(serverPid: number, storeComms: readonly string[]): CpuSample {
  return {
    at: performance.now(),
    server: processTicks(serverPid),
    store: ticksOfCommands(storeComms),
    machine: machineTicks(),
    self: process.cpuUsage(),
  };
}

export interface CpuUse {
  /** Cores used on average by the measured server, its store, the load generator, everything else. */
  serverCores: number;
  storeCores: number;
  generatorCores: number;
  otherCores: number;
  serverCpuS: number;
  storeCpuS: number;
}

export function cpuBetween(a: CpuSample, b: CpuSample): CpuUse {
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
