/**
 * `growth`: validate and refresh on SQLite as the table grows (10 thousand, 1 million, 10 million
 * stored sessions by default). Each size gets a data directory of its own, filled fast (bulk.ts)
 * and removed as soon as it has been measured; each action is measured as the session scenarios
 * are (against bare node:http, rounds alternating), with requests cycling over the same number of
 * sessions (`--sessions`, 10,000) spread over the whole table.
 *
 * The first size is the reference and its directory is kept to the end: each later size is
 * measured in the same rounds as a second Anvil on the first size's data (bare, the reference and
 * the big table in rotating order), so that the comparison the target asks for is taken within
 * the same minutes, not across a drift of the machine's speed between sizes.
 */
import { cpuProf, profile } from './args.js';
import { type BulkFixture, bulkSqliteFixture, type FillInfo } from './bulk.js';
import { SESSION_CONNECTIONS } from './constants.js';
import { waitForQuiet } from './cpu.js';
import { describe, load, type MeasureWithLatencies } from './load.js';
import { startAnvil, type Target } from './processes.js';
import { againstBare, type ScenarioResult } from './results.js';
import { sessionScenario, warmBare } from './scenarios.js';
import { sessionSteps, tokenCycle } from './steps.js';
import type { TargetCheck } from './targets.js';
import { fmt, log, mean } from './util.js';

const ACTIONS = ['validate', 'refresh'] as const;

export interface GrowthRow {
  sessions: number;
  action: (typeof ACTIONS)[number];
  result: ScenarioResult;
  /** The first size measured again in the same rounds (every size after the first). */
  sameRounds?: {
    referenceRps: number;
    /** ops/s here ÷ the reference's ops/s, over the rounds and round by round. */
    relative: number;
    roundRelatives: number[];
  };
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
  let reference: BulkFixture | undefined;
  try {
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
      const isReference = reference === undefined;
      try {
        for (const action of ACTIONS) {
          log(`  sqlite growth ${fmt(sessions)} ${action}`);
          const othersBefore = await waitForQuiet();
          const row = reference
            ? await besideReference(action, sessions, fixture, reference, bare)
            : await alone(action, sessions, fixture, bare);
          if (othersBefore !== undefined) row.result.othersBefore = othersBefore;
          out.rows.push(row);
          const s = row.result.summary;
          log(
            `  → ${fmt(s.rps, 1)}/s, ratio ${s.ratio.toFixed(2)} to bare${row.sameRounds ? `, ${row.sameRounds.relative.toFixed(2)} × the first size's in the same rounds` : ''}; p99 ${fmt(s.p99, 2)} ms; other processes up to ${s.otherCores.toFixed(2)} cores`,
          );
        }
      } finally {
        if (isReference) reference = fixture;
        else await fixture.cleanup();
      }
    }
  } finally {
    await reference?.cleanup();
  }
  return out;
}

/** The first size: measured against bare as the session scenarios are. */
async function alone(
  action: GrowthRow['action'],
  sessions: number,
  fixture: BulkFixture,
  bare: Target,
): Promise<GrowthRow> {
  const anvil = await startAnvil(fixture, `growth-${sessions}-${action}`, cpuProf);
  try {
    const result = await sessionScenario(action, fixture, bare, anvil, { halfRate: false });
    result.scenario = 'growth';
    return { sessions, action, result };
  } finally {
    await anvil.stop();
  }
}

/**
 * A later size: its Anvil, a second Anvil on the reference's data and bare, each round in a
 * rotated order, after a warm-up of both Anvils.
 */
async function besideReference(
  action: GrowthRow['action'],
  sessions: number,
  fixture: BulkFixture,
  referenceFixture: BulkFixture,
  bare: Target,
): Promise<GrowthRow> {
  const big = await startAnvil(fixture, `growth-${sessions}-${action}`, cpuProf);
  let small: Target | undefined;
  try {
    small = await startAnvil(referenceFixture, `growth-reference-${sessions}-${action}`, cpuProf);
    const tokensOf = new Map<Target, readonly string[]>([
      [big, fixture.live],
      [small, referenceFixture.live],
      [bare, fixture.live],
    ]);
    const run = (target: Target, seconds: number) =>
      load(
        target,
        sessionSteps(action, tokenCycle(tokensOf.get(target) ?? []), target),
        { seconds },
        SESSION_CONNECTIONS,
      );
    await warmBare(bare);
    await run(big, profile.warmupS);
    await run(small, profile.warmupS);
    const runs = new Map<Target, MeasureWithLatencies[]>([
      [bare, []],
      [small, []],
      [big, []],
    ]);
    const orders = [
      [bare, small, big],
      [big, bare, small],
      [small, big, bare],
    ];
    for (let round = 0; round < profile.rounds; round += 1) {
      for (const target of orders[round % orders.length] ?? []) {
        const m = await run(target, profile.durationS);
        runs.get(target)?.push(m);
        const name = target === bare ? 'bare' : target === big ? fmt(sessions) : fmt(profile.growthSizes[0]);
        log(`    round ${round + 1} ${name.padEnd(10)} ${describe(m)}`);
      }
    }
    const bigRuns = runs.get(big) ?? [];
    const bareRuns = runs.get(bare) ?? [];
    const smallRuns = runs.get(small) ?? [];
    const result = againstBare('sqlite', 'growth', bigRuns, bareRuns);
    const referenceRps = mean(smallRuns.map((m) => m.rps));
    return {
      sessions,
      action,
      result,
      sameRounds: {
        referenceRps,
        relative: result.summary.rps / referenceRps,
        roundRelatives: bigRuns.map((m, i) => m.rps / (smallRuns[i]?.rps ?? Number.NaN)),
      },
    };
  } finally {
    await small?.stop();
    await big.stop();
  }
}

/** The row of the first (reference) size for the same action. */
function reference(g: GrowthResult, row: GrowthRow): GrowthRow | undefined {
  return g.rows.find((r) => r.action === row.action && r.sessions === g.sizes[0]);
}

export function growthMarkdown(g: GrowthResult): string {
  const first = fmt(g.sizes[0]);
  const lines = [
    `| stored sessions | action | Anvil ops/s | bare ops/s | ratio to bare (rounds) | ÷ ${first}'s in the same rounds (rounds) | ops/s ÷ ${first}'s row | ratio to bare ÷ ${first}'s row | Anvil CPU µs/op | p50 / p99 ms | errors | other CPU |`,
    '|---:|---|---:|---:|---|---|---:|---:|---:|---|---:|---:|',
  ];
  for (const row of g.rows) {
    const s = row.result.summary;
    const ref = reference(g, row)?.result.summary;
    const same = row.sameRounds
      ? `**${row.sameRounds.relative.toFixed(2)}** (${row.sameRounds.roundRelatives.map((x) => x.toFixed(2)).join(', ')})`
      : '—';
    lines.push(
      `| ${fmt(row.sessions)} | ${row.action} | ${fmt(s.rps)} | ${fmt(s.baselineRps)} | **${s.ratio.toFixed(2)}** (${s.roundRatios.map((x) => x.toFixed(2)).join(', ')}) | ${same} | ${ref ? (s.rps / ref.rps).toFixed(2) : '—'} | ${ref ? (s.ratio / ref.ratio).toFixed(2) : '—'} | ${fmt(s.serverUsPerOp, 1)} | ${fmt(s.p50, 2)} / ${fmt(s.p99, 2)} | ${s.failures} | ${s.otherCores.toFixed(2)} |`,
    );
  }
  for (const skip of g.skipped)
    lines.push(`| ${fmt(skip.sessions)} | — | skipped: ${skip.reason} ||||||||||`);
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
    // Measured beside the reference in the same rounds when it was; older results files compare rows.
    const relative = row.sameRounds?.relative ?? row.result.summary.rps / ref.result.summary.rps;
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
