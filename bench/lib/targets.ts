/** The targets of the throughput scenarios (issue "Performance: benchmarks for every hot path"; shared/perf/anchors.md §6). */
import { type ScenarioId, STORES, type StoreKind } from './args.js';
import type { ScenarioResult } from './results.js';
import { fmt } from './util.js';

export interface TargetCheck {
  target: string;
  store: StoreKind;
  scenario: ScenarioId;
  measured: string;
  met: boolean;
}

export function checkTargets(results: ScenarioResult[]): TargetCheck[] {
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
