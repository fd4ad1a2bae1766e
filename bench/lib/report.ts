/** The Markdown tables of a run (or of a saved results file), and the results files themselves. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { RESULTS, ROOT } from './constants.js';
import { profileTop } from './cpuprofile.js';
import { type FloorResult, floorMarkdown } from './floor.js';
import { type GrowthResult, growthChecks, growthMarkdown } from './growth.js';
import { type IsolationResult, isolationChecks, isolationMarkdown } from './isolation.js';
import type { PacedSummary } from './load.js';
import { type MemoryResult, memoryMarkdown } from './memory.js';
import { type RestartResult, restartMarkdown } from './restart.js';
import type { ScenarioResult } from './results.js';
import { checkTargets, type TargetCheck } from './targets.js';
import { fmt, log } from './util.js';

/** What a run found; a saved results file has the same fields (older ones only `results`). */
export interface Findings {
  results: ScenarioResult[];
  isolation?: IsolationResult[] | undefined;
  growth?: GrowthResult | undefined;
  restart?: RestartResult | undefined;
  memory?: MemoryResult | undefined;
  floor?: FloorResult | undefined;
}

export function allChecks(f: Findings): TargetCheck[] {
  return [
    ...checkTargets(f.results),
    ...(f.isolation ? isolationChecks(f.isolation) : []),
    ...(f.growth ? growthChecks(f.growth) : []),
  ];
}

/** The tables of the scenarios that have their own shape, each under a one-line caption. */
function sections(f: Findings): string[] {
  const parts: [caption: string, table: string][] = [];
  if (f.floor) {
    parts.push([
      '`floor` — Fastify 5 set up as Anvil, answering a fixed body, against bare node:http (validate requests):',
      floorMarkdown(f.floor),
    ]);
  }
  if (f.isolation && f.isolation.length > 0) {
    parts.push([
      '`isolation` — validate at a fixed rate (open loop), alone and while zero-page logins run on 16 connections:',
      isolationMarkdown(f.isolation),
    ]);
  }
  if (f.growth) {
    parts.push([
      '`growth` — SQLite, validate and refresh as the stored sessions grow:',
      growthMarkdown(f.growth),
    ]);
  }
  if (f.restart) {
    parts.push([
      `\`restart\` — from spawning the server to its first right answer (polled every ${f.restart.pollMs} ms), SQLite:`,
      restartMarkdown(f.restart),
    ]);
  }
  if (f.memory) {
    parts.push(['`memory` — resident memory of the Anvil process, SQLite:', memoryMarkdown(f.memory)]);
  }
  return parts.flatMap(([caption, table], i) => [...(i > 0 ? [''] : []), caption, '', table]);
}

export function markdown(f: Findings, checks: TargetCheck[]): string {
  const { results } = f;
  const lines: string[] = [];
  if (results.length > 0) {
    lines.push(
      '| store | scenario | Anvil ops/s | p50 ms | p99 ms | p99.9 ms | baseline | baseline ops/s | ratio (rounds) | Anvil CPU µs/op | bare CPU µs/op | CPU ratio | bare p50 / p99 ms | errors | other CPU |',
      '|---|---|---:|---:|---:|---:|---|---:|---|---:|---:|---:|---|---:|---:|',
    );
  }
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
  const rounds = (side: PacedSummary) =>
    side.roundP99 ? ` (p99 by round: ${side.roundP99.map((x) => fmt(x, 2)).join(', ')})` : '';
  if (half.length > 0) {
    lines.push(
      '',
      '| store | validate at a fixed rate | Anvil p50 / p99 / p99.9 ms | bare p50 / p99 / p99.9 ms (same rate) | client |',
      '|---|---:|---|---|---|',
    );
    for (const r of half) {
      const h = r.halfRate as NonNullable<ScenarioResult['halfRate']>;
      lines.push(
        `| ${r.store} | ${fmt(h.anvil.offeredRate)}/s | ${fmt(h.anvil.p50, 3)} / ${fmt(h.anvil.p99, 3)} / ${fmt(h.anvil.p999, 3)}${rounds(h.anvil)} | ${fmt(h.bare.p50, 3)} / ${fmt(h.bare.p99, 3)} / ${fmt(h.bare.p999, 3)}${rounds(h.bare)} | ${h.client ?? '1 ms timer, in the runner'} |`,
      );
    }
  }
  const extra = sections(f);
  if (extra.length > 0) {
    if (lines.length > 0) lines.push('');
    lines.push(...extra);
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

/** `--report FILE`: the tables of a saved run, recomputed from its figures (or a profile's top). */
export function reprint(file: string): number {
  if (file.endsWith('.cpuprofile')) {
    log(profileTop(file));
    return 0;
  }
  const saved = JSON.parse(readFileSync(file, 'utf8')) as Findings;
  log(markdown(saved, allChecks(saved)));
  return 0;
}

/**
 * Writes `bench/results/<time>-<mode>.json`; after a full, unfiltered, unprofiled run also the
 * committed summary `bench/results/latest.json`.
 */
export function saveReport(
  report: Record<string, unknown>,
  stamp: Date,
  mode: string,
  latest: boolean,
): void {
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `${stamp.toISOString().replace(/[:.]/g, '-')}-${mode}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  log(`results: ${relative(ROOT, file)}`);
  if (!latest) return;
  const path = join(RESULTS, 'latest.json');
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  // The committed summary is linted with the rest of the repository: give it biome's layout.
  try {
    execFileSync(join(ROOT, 'node_modules', '.bin', 'biome'), ['format', '--write', path], {
      cwd: ROOT,
      stdio: 'ignore',
    });
  } catch {
    log('note: could not format bench/results/latest.json with biome');
  }
  log('summary: bench/results/latest.json');
}
