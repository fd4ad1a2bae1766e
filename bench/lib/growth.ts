/**
 * `growth`: validate and refresh on SQLite as the table grows (10 thousand, 1 million, 10 million
 * stored sessions by default). Each size gets a data directory of its own, filled fast (bulk.ts)
 * and removed as soon as it has been measured; each action is measured as the session scenarios
 * are (against bare node:http, rounds alternating), with requests cycling over the same number of
 * sessions (`--sessions`, 10,000) spread over the whole table.
 */
import { cpuProf, profile } from './args.js';
import { type BulkFixture, bulkSqliteFixture, type FillInfo } from './bulk.js';
import { waitForQuiet } from './cpu.js';
import { startAnvil, type Target } from './processes.js';
import type { ScenarioResult } from './results.js';
import { sessionScenario } from './scenarios.js';
import type { TargetCheck } from './targets.js';
import { fmt, log } from './util.js';

const ACTIONS = ['validate', 'refresh'] as const;

export interface GrowthRow {
  sessions: number;
  action: (typeof ACTIONS)[number];
  result: ScenarioResult;
}

export interface GrowthResult {
  sizes: number[];
  /** Sessions the requests cycle over at every size. */
  requested: number;
  fills: FillInfo[];
  rows: GrowthRow[];
  skipped: { sessions: number; reason: string }[];
}

export async function growthScenario(bare: Target): Promise<GrowthResult> {
  const out: GrowthResult = {
    sizes: profile.growthSizes,
    requested: profile.sessions,
    fills: [],
    rows: [],
    skipped: [],
  };
  for (const sessions of profile.growthSizes) {
    log(`  sqlite growth: ${fmt(sessions)} stored sessions`);
    let fixture: BulkFixture;
    try {
      fixture = await bulkSqliteFixture(sessions, profile.sessions, 'growth');
    } catch (error) {
      const reason = (error as Error).message;
      log(`    skipped: ${reason}`);
      out.skipped.push({ sessions, reason });
      continue;
    }
    const f = fixture.fill;
    out.fills.push(f);
    log(
      `    filled in ${f.seconds.toFixed(1)} s (${fmt(f.rowsPerSecond)} rows/s) and synced in ${f.syncSeconds.toFixed(1)} s, ${fmt(f.bytes / 2 ** 20)} MiB, ${fmt(f.minted)} with tokens`,
    );
    try {
      for (const action of ACTIONS) {
        log(`  sqlite growth ${fmt(sessions)} ${action}`);
        const othersBefore = await waitForQuiet();
        const anvil = await startAnvil(fixture, `growth-${sessions}-${action}`, cpuProf);
        try {
          const result = await sessionScenario(action, fixture, bare, anvil, { halfRate: false });
          result.scenario = 'growth';
          if (othersBefore !== undefined) result.othersBefore = othersBefore;
          out.rows.push({ sessions, action, result });
          const s = result.summary;
          log(
            `  → ${fmt(s.rps, 1)}/s, ratio ${s.ratio.toFixed(2)} to bare; p99 ${fmt(s.p99, 2)} ms; other processes up to ${s.otherCores.toFixed(2)} cores`,
          );
        } finally {
          await anvil.stop();
        }
      }
    } finally {
      await fixture.cleanup();
    }
  }
  return out;
}

/** The row of the first (reference) size for the same action. */
function reference(g: GrowthResult, row: GrowthRow): GrowthRow | undefined {
  return g.rows.find((r) => r.action === row.action && r.sessions === g.sizes[0]);
}

export function growthMarkdown(g: GrowthResult): string {
  const first = fmt(g.sizes[0]);
  const lines = [
    `| stored sessions | action | Anvil ops/s | bare ops/s | ratio to bare (rounds) | ops/s ÷ ${first}'s | ratio to bare ÷ ${first}'s | Anvil CPU µs/op | p50 / p99 ms | errors | other CPU |`,
    '|---:|---|---:|---:|---|---:|---:|---:|---|---:|---:|',
  ];
  for (const row of g.rows) {
    const s = row.result.summary;
    const ref = reference(g, row)?.result.summary;
    lines.push(
      `| ${fmt(row.sessions)} | ${row.action} | ${fmt(s.rps)} | ${fmt(s.baselineRps)} | **${s.ratio.toFixed(2)}** (${s.roundRatios.map((x) => x.toFixed(2)).join(', ')}) | **${ref ? (s.rps / ref.rps).toFixed(2) : '—'}** | ${ref ? (s.ratio / ref.ratio).toFixed(2) : '—'} | ${fmt(s.serverUsPerOp, 1)} | ${fmt(s.p50, 2)} / ${fmt(s.p99, 2)} | ${s.failures} | ${s.otherCores.toFixed(2)} |`,
    );
  }
  for (const skip of g.skipped) lines.push(`| ${fmt(skip.sessions)} | — | skipped: ${skip.reason} |||||||||`);
  lines.push(
    '',
    `Requests cycle over ${fmt(g.requested)} sessions spread over the table. Fills (rows written straight into the SQLite file):`,
    '',
    '| stored sessions | fill s | rows/s | sync to disk s | file MiB |',
    '|---:|---:|---:|---:|---:|',
  );
  for (const f of g.fills) {
    lines.push(
      `| ${fmt(f.sessions)} | ${f.seconds.toFixed(1)} | ${fmt(f.rowsPerSecond)} | ${f.syncSeconds === undefined ? '—' : f.syncSeconds.toFixed(1)} | ${fmt(f.bytes / 2 ** 20)} |`,
    );
  }
  return lines.join('\n');
}

export function growthChecks(g: GrowthResult): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const row of g.rows) {
    const ref = reference(g, row);
    if (!ref || ref === row) continue;
    const relative = row.result.summary.rps / ref.result.summary.rps;
    checks.push({
      target: `${row.action} ops/s at ${fmt(row.sessions)} sessions within 10 % of ${fmt(ref.sessions)}`,
      store: 'sqlite',
      scenario: 'growth',
      measured: `${relative.toFixed(2)} ×`,
      met: relative >= 0.9 && row.result.summary.failures === 0,
    });
  }
  return checks;
}
