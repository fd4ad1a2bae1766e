/** What a throughput scenario records, and how its rounds are summarised. */
import type { ArgonRate } from './argon2.js';
import type { ScenarioId, StoreKind } from './args.js';
import { type Measure, type MeasureWithLatencies, type PacedSummary, stripLatencies } from './load.js';
import { mean, percentile } from './util.js';

export interface ScenarioResult {
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
  /** validate at half of Anvil's maximum; `client`: how the fixed-rate client ran (older files lack it). */
  halfRate?: { anvil: PacedSummary; bare: PacedSummary; client?: string };
  /** Cores other processes used just before the scenario started. */
  othersBefore?: number;
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

export function summarize(
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

/** A scenario measured against bare node:http: its rounds side by side and their summary. */
export function againstBare(
  store: StoreKind,
  scenario: ScenarioId,
  anvilRuns: MeasureWithLatencies[],
  bareRuns: MeasureWithLatencies[],
): ScenarioResult {
  return {
    store,
    scenario,
    baseline: 'bare node:http',
    rounds: anvilRuns.map((a, i) => ({
      anvil: stripLatencies(a),
      baseline: stripLatencies(bareRuns[i] as MeasureWithLatencies),
    })),
    summary: summarize(anvilRuns, bareRuns),
  };
}
