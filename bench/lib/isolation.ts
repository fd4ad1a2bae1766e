/**
 * `isolation`: whether password hashing starves the session actions. validate at a moderate fixed
 * rate (`--isolation-rate`, 2,000/s; open loop, bench/paced.ts) while autocannon runs zero-page
 * logins on 16 connections — enough to keep a hash running on every core — compared with the same
 * validate rate on the same server without the logins, rounds alternating.
 */
import { profile, quick, type StoreKind } from './args.js';
import { LOGIN_CONNECTIONS, SESSION_CONNECTIONS } from './constants.js';
import { type CpuUse, cpuBetween, sampleCpu } from './cpu.js';
import type { Fixture } from './fixture.js';
import { closedLoad, load, type Measure, type PacedSummary, pacedLatencies, stripLatencies } from './load.js';
import type { Target } from './processes.js';
import type { ScenarioResult } from './results.js';
import { sessionSteps, tokenCycle, zeroPageSteps } from './steps.js';
import type { TargetCheck } from './targets.js';
import { fmt, log, mean, percentile, pool, sleep } from './util.js';

/** p99 of validate that the issue asks for while logins saturate the cores. */
const P99_TARGET_MS = 10;

interface Side {
  validate: PacedSummary;
  cpu: CpuUse;
}

export interface IsolationResult {
  store: StoreKind;
  rate: number;
  /** Why the rate is lower than asked (the store's validate maximum in this run). */
  rateNote?: string;
  rounds: { quiet: Side; busy: Side & { logins: Measure } }[];
  summary: {
    quiet: { p50: number; p99: number; p999: number; failures: number };
    busy: { p50: number; p99: number; p999: number; failures: number };
    loginsPerSecond: number;
    loginFailures: number;
    /** Cores Anvil used while the logins ran, and all processes together (of the machine's). */
    busyServerCores: number;
    busyMachineCores: number;
  };
  othersBefore?: number;
}

/**
 * The rate asked for, but at most half of what Anvil reached on validate with this store earlier
 * in the run (PostgreSQL's maximum is about 2,000/s here), so that the baseline is not saturated.
 */
export function isolationRate(
  store: StoreKind,
  earlier: readonly ScenarioResult[],
): { rate: number; note?: string } {
  const validate = earlier.find((r) => r.store === store && r.scenario === 'validate');
  const half = validate ? Math.round(validate.summary.rps / 2) : Number.POSITIVE_INFINITY;
  if (half >= profile.isolationRate) return { rate: profile.isolationRate };
  return { rate: Math.max(100, half), note: `half of validate's maximum (${fmt(validate?.summary.rps)}/s)` };
}

export async function isolationScenario(
  fixture: Fixture,
  anvil: Target,
  rate: number,
  rateNote?: string,
): Promise<IsolationResult> {
  const leadS = quick ? 1 : 2;
  // Logins first, so that the first round does not start among the warm-up's leftovers.
  await closedLoad(anvil, zeroPageSteps(), profile.warmupS, LOGIN_CONNECTIONS);
  await load(
    anvil,
    sessionSteps('validate', tokenCycle(fixture.live), anvil),
    { seconds: profile.warmupS },
    SESSION_CONNECTIONS,
  );
  const quiet: Float64Array[] = [];
  const busy: Float64Array[] = [];
  const rounds: IsolationResult['rounds'] = [];
  const validateAt = async (): Promise<{ side: Side; latencies: Float64Array }> => {
    const before = sampleCpu(anvil.pid, anvil.storeComms);
    const { summary, latencies } = await pacedLatencies(
      anvil,
      'validate',
      fixture.live,
      rate,
      profile.pacedS,
    );
    const cpu = cpuBetween(before, sampleCpu(anvil.pid, anvil.storeComms));
    return { side: { validate: summary, cpu }, latencies };
  };
  for (let round = 0; round < profile.rounds; round += 1) {
    let q: Side | undefined;
    let b: (Side & { logins: Measure }) | undefined;
    for (const which of round % 2 === 0 ? ['quiet', 'busy'] : ['busy', 'quiet']) {
      if (which === 'quiet') {
        // Logins still in flight (the warm-up's, the other side's) finish first.
        await sleep(1000);
        const run = await validateAt();
        quiet.push(run.latencies);
        q = run.side;
      } else {
        // The logins start first and end just after the validate requests.
        const logins = closedLoad(anvil, zeroPageSteps(), leadS + profile.pacedS + 0.5, LOGIN_CONNECTIONS);
        await sleep(leadS * 1000);
        const run = await validateAt();
        busy.push(run.latencies);
        b = { ...run.side, logins: stripLatencies(await logins) };
      }
    }
    if (!q || !b) continue;
    rounds.push({ quiet: q, busy: b });
    const v = (s: PacedSummary) => `p50 ${fmt(s.p50, 3)} p99 ${fmt(s.p99, 3)} p99.9 ${fmt(s.p999, 3)} ms`;
    log(
      `    round ${round + 1} validate at ${fmt(rate)}/s: alone ${v(q.validate)}; with ${fmt(b.logins.rps, 1)} logins/s ${v(b.validate)} (Anvil ${b.cpu.serverCores.toFixed(2)} cores)`,
    );
  }
  const stats = (samples: Float64Array[], sides: Side[]) => {
    const all = pool(samples);
    return {
      p50: percentile(all, 50),
      p99: percentile(all, 99),
      p999: percentile(all, 99.9),
      failures: sides.reduce((n, s) => n + s.validate.failures, 0),
    };
  };
  const result: IsolationResult = {
    store: fixture.store,
    rate,
    rounds,
    summary: {
      quiet: stats(
        quiet,
        rounds.map((r) => r.quiet),
      ),
      busy: stats(
        busy,
        rounds.map((r) => r.busy),
      ),
      loginsPerSecond: mean(rounds.map((r) => r.busy.logins.rps)),
      loginFailures: rounds.reduce((n, r) => n + r.busy.logins.failures, 0),
      busyServerCores: mean(rounds.map((r) => r.busy.cpu.serverCores)),
      busyMachineCores: mean(
        rounds.map(
          (r) =>
            r.busy.cpu.serverCores +
            r.busy.cpu.storeCores +
            r.busy.cpu.generatorCores +
            r.busy.cpu.otherCores,
        ),
      ),
    },
  };
  if (rateNote !== undefined) result.rateNote = rateNote;
  return result;
}

export function isolationMarkdown(results: readonly IsolationResult[]): string {
  const lines = [
    '| store | validate at a fixed rate | alone p50 / p99 / p99.9 ms | during logins p50 / p99 / p99.9 ms | logins/s | Anvil CPU during logins (cores) | all processes (cores) | errors (validate / logins) |',
    '|---|---:|---|---|---:|---:|---:|---|',
  ];
  for (const r of results) {
    const s = r.summary;
    const p = (x: { p50: number; p99: number; p999: number }) =>
      `${fmt(x.p50, 3)} / ${fmt(x.p99, 3)} / ${fmt(x.p999, 3)}`;
    lines.push(
      `| ${r.store} | ${fmt(r.rate)}/s${r.rateNote ? ` (${r.rateNote})` : ''} | ${p(s.quiet)} | ${p(s.busy)} | ${fmt(s.loginsPerSecond, 1)} | ${s.busyServerCores.toFixed(2)} | ${s.busyMachineCores.toFixed(2)} | ${s.quiet.failures + s.busy.failures} / ${s.loginFailures} |`,
    );
  }
  return lines.join('\n');
}

export function isolationChecks(results: readonly IsolationResult[]): TargetCheck[] {
  return results.map((r) => ({
    target: `validate p99 ≤ ${P99_TARGET_MS} ms while logins saturate the cores`,
    store: r.store,
    scenario: 'isolation',
    measured: `${r.summary.busy.p99.toFixed(2)} ms at ${fmt(r.rate)}/s (alone ${r.summary.quiet.p99.toFixed(2)} ms)`,
    met: r.summary.busy.p99 <= P99_TARGET_MS && r.summary.busy.failures === 0,
  }));
}
