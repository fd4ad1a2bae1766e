/** Which CPUs a process may run on (Linux `taskset`), for the latency measurement at a fixed rate. */
import { execFileSync } from 'node:child_process';

/** The CPUs this process may use, ascending; empty where `taskset` is not available. */
export function usableCpus(): number[] {
  try {
    const out = execFileSync('taskset', ['-p', '-c', String(process.pid)], { encoding: 'utf8' });
    return parseCpuList(out.slice(out.lastIndexOf(':') + 1));
  } catch {
    return [];
  }
}

/** `0-2,5` → [0, 1, 2, 5]. */
function parseCpuList(list: string): number[] {
  const cpus: number[] = [];
  for (const part of list.trim().split(',')) {
    const [from, to = from] = part.split('-').map(Number);
    if (from === undefined || to === undefined || !Number.isInteger(from) || !Number.isInteger(to)) continue;
    for (let cpu = from; cpu <= to; cpu += 1) cpus.push(cpu);
  }
  return cpus;
}

/** Every thread of `pid` (and threads it starts later) runs only on `cpus`. */
export function pin(pid: number, cpus: readonly number[]): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus.join(','), String(pid)], { stdio: 'ignore' });
}
