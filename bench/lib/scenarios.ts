/**
 * The throughput scenarios: session actions and logout against bare node:http, logins against the
 * raw argon2id verify rate, alternating sides round by round.
 */

import { pin, usableCpus } from './affinity.js';
import { type ArgonRate, runArgon2Baseline } from './argon2.js';
import { profile, type ScenarioId, type StoreKind } from './args.js';
import { LOGIN_CONNECTIONS, PACED_WARMUP_S, SESSION_CONNECTIONS } from './constants.js';
import type { Fixture } from './fixture.js';
import {
  closedLoad,
  describe,
  load,
  type MeasureWithLatencies,
  type PacedSummary,
  stripLatencies,
} from './load.js';
import { PacedProcess } from './paced-process.js';
import type { Target } from './processes.js';
import { againstBare, type ScenarioResult, summarize } from './results.js';
import { journeySteps, sessionSteps, tokenCycle, zeroPageSteps } from './steps.js';
import { fmt, log, mean, percentile, pool } from './util.js';

let bareWarm = false;

/** The bare server lives through the whole run: one warm-up is enough. */
export async function warmBare(bare: Target): Promise<void> {
  if (bareWarm) return;
  await load(
    bare,
    sessionSteps('validate', () => 'x', bare),
    { seconds: Math.max(2, profile.warmupS) },
    SESSION_CONNECTIONS,
  );
  bareWarm = true;
}

/**
 * `profile.rounds` measurements of bare and of another server, alternating which goes first so
 * that a drift of the machine's speed hits both sides alike.
 */
export async function alternateRounds(
  bare: Target,
  other: Target,
  measure: (target: Target) => Promise<MeasureWithLatencies>,
): Promise<{ bareRuns: MeasureWithLatencies[]; otherRuns: MeasureWithLatencies[] }> {
  const bareRuns: MeasureWithLatencies[] = [];
  const otherRuns: MeasureWithLatencies[] = [];
  for (let round = 0; round < profile.rounds; round += 1) {
    const order = round % 2 === 0 ? [bare, other] : [other, bare];
    for (const target of order) {
      const m = await measure(target);
      (target === bare ? bareRuns : otherRuns).push(m);
      log(`    round ${round + 1} ${target.name.padEnd(7)} ${describe(m)}`);
    }
  }
  return { bareRuns, otherRuns };
}

/**
 * One session action on Anvil and on bare, `profile.rounds` rounds each after a warm-up; for
 * `validate` (unless `halfRate` is false), also the latency at half of Anvil's maximum, open loop.
 */
export async function sessionScenario(
  scenario: ScenarioId,
  fixture: Fixture,
  bare: Target,
  anvil: Target,
  options: { halfRate?: boolean } = {},
): Promise<ScenarioResult> {
  const run = (target: Target, seconds: number) =>
    load(target, sessionSteps(scenario, tokenCycle(fixture.live), target), { seconds }, SESSION_CONNECTIONS);
  await warmBare(bare);
  await run(anvil, profile.warmupS);
  const { bareRuns, otherRuns: anvilRuns } = await alternateRounds(bare, anvil, (target) =>
    run(target, profile.durationS),
  );
  const result = againstBare(fixture.store, scenario, anvilRuns, bareRuns);
  if (scenario === 'validate' && options.halfRate !== false) {
    const rate = Math.max(100, Math.round(result.summary.rps / 2));
    result.halfRate = await halfRateLatency(fixture, bare, anvil, rate);
    const h = result.halfRate;
    log(
      `    at ${fmt(rate)}/s (half of Anvil's maximum): anvil p50 ${fmt(h.anvil.p50, 3)} p99 ${fmt(h.anvil.p99, 3)} p99.9 ${fmt(h.anvil.p999, 3)} ms; ` +
        `bare p50 ${fmt(h.bare.p50, 3)} p99 ${fmt(h.bare.p99, 3)} p99.9 ${fmt(h.bare.p999, 3)} ms`,
    );
  }
  return result;
}

/**
 * validate at a fixed rate on Anvil and on bare, from a client process of its own
 * (bench/paced-client.ts): each side first gets a paced warm-up at that rate (the client's code is
 * cold the first time it runs), then `profile.rounds` rounds of `profile.pacedS / rounds` seconds
 * alternate, and each side's latencies are pooled. See `fixedRatePlan` for how the client and the
 * servers share the CPUs.
 */
async function halfRateLatency(
  fixture: Fixture,
  bare: Target,
  anvil: Target,
  rate: number,
): Promise<NonNullable<ScenarioResult['halfRate']>> {
  const seconds = Math.max(1, profile.pacedS / profile.rounds);
  const plan = fixedRatePlan(fixture.store);
  const client = await PacedProcess.start(plan.client);
  const run = (target: Target, s: number) =>
    client.run({
      target: { name: target.name, port: target.port },
      action: 'validate',
      tokens: fixture.live,
      rate,
      seconds: s,
      spin: plan.spin,
    });
  try {
    if (plan.servers) for (const target of [anvil, bare]) pin(target.pid, plan.servers);
    for (const target of [anvil, bare]) await run(target, PACED_WARMUP_S);
    const sides = [anvil, bare].map((target) => ({
      target,
      latencies: [] as Float64Array[],
      failures: 0,
      achieved: [] as number[],
      roundP99: [] as number[],
    }));
    for (let round = 0; round < profile.rounds; round += 1) {
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        const { summary, latencies } = await run(side.target, seconds);
        side.latencies.push(latencies);
        side.failures += summary.failures;
        side.achieved.push(summary.achievedRate);
        side.roundP99.push(summary.p99);
        log(
          `    round ${round + 1} ${side.target.name.padEnd(7)} at ${fmt(rate)}/s: p50 ${fmt(summary.p50, 3)} p99 ${fmt(summary.p99, 3)} ms`,
        );
      }
    }
    const [anvilSide, bareSide] = sides.map((side): PacedSummary => {
      const all = pool(side.latencies);
      return {
        offeredRate: rate,
        achievedRate: mean(side.achieved),
        failures: side.failures,
        p50: percentile(all, 50),
        p99: percentile(all, 99),
        p999: percentile(all, 99.9),
        roundP99: side.roundP99,
      };
    }) as [PacedSummary, PacedSummary];
    return { anvil: anvilSide, bare: bareSide, client: plan.description };
  } finally {
    await client.stop();
    if (plan.servers) for (const target of [anvil, bare]) pin(target.pid, plan.all);
  }
}

/**
 * On the embedded store, where Anvil needs no other process, the client gets a CPU of its own and
 * releases every request when it falls due (spinning: a whole core), and both servers run on the
 * other CPUs for the measurement: the requests arrive spaced as the rate says, and neither side
 * waits for the client's CPU. The 1 ms timer released them in bursts (20 at once at 20,000/s,
 * more when the timer fired late) and made them queue behind each other. With Redis or
 * PostgreSQL, whose servers need CPU of their own on the same cores, the client uses the timer
 * and nothing is pinned (pinned, Anvil waited for the CPU behind its store).
 */
function fixedRatePlan(store: StoreKind): {
  spin: boolean;
  client?: number[];
  servers?: number[];
  all: number[];
  description: string;
} {
  const all = usableCpus();
  const last = all[all.length - 1];
  if (store === 'sqlite' && all.length >= 2 && last !== undefined) {
    const servers = all.slice(0, -1);
    return {
      spin: true,
      client: [last],
      servers,
      all,
      description: `spinning, on CPU ${last}; servers on CPU ${servers.join(',')}`,
    };
  }
  return { spin: false, all, description: '1 ms timer, not pinned' };
}

export async function logoutScenario(fixture: Fixture, bare: Target, anvil: Target): Promise<ScenarioResult> {
  const amount = profile.logoutAmount;
  const warmup = Math.min(2_000, Math.floor(amount / 4));
  let offset = 0;
  const take = (n: number) => {
    const slice = fixture.logoutPool.slice(offset, offset + n);
    offset += n;
    return slice;
  };
  const run = (target: Target, n: number) => {
    // The bare server gets the same requests; only Anvil consumes tokens.
    const tokens = target === anvil ? take(n) : fixture.logoutPool.slice(0, n);
    return load(
      target,
      sessionSteps('logout', tokenCycle(tokens), target),
      { amount: n },
      SESSION_CONNECTIONS,
    );
  };
  await warmBare(bare);
  await run(anvil, warmup);
  const { bareRuns, otherRuns: anvilRuns } = await alternateRounds(bare, anvil, (target) =>
    run(target, amount),
  );
  return againstBare(fixture.store, 'logout', anvilRuns, bareRuns);
}

export async function loginScenario(
  scenario: ScenarioId,
  fixture: Fixture,
  anvil: Target,
): Promise<ScenarioResult> {
  const steps = () => (scenario === 'login-journey' ? journeySteps() : zeroPageSteps());
  await closedLoad(anvil, steps(), profile.warmupS, LOGIN_CONNECTIONS);
  const anvilRuns: MeasureWithLatencies[] = [];
  const rates: ArgonRate[] = [];
  for (let round = 0; round < profile.loginRounds; round += 1) {
    const order = round % 2 === 0 ? ['argon2', 'anvil'] : ['anvil', 'argon2'];
    for (const which of order) {
      if (which === 'argon2') {
        const r = runArgon2Baseline(profile.loginDurationS);
        rates.push(r);
        log(`    round ${round + 1} argon2 ${fmt(r.rate, 1)} verifies/s (${r.concurrency} at a time)`);
      } else {
        const m = await closedLoad(anvil, steps(), profile.loginDurationS, LOGIN_CONNECTIONS);
        anvilRuns.push(m);
        log(
          `    round ${round + 1} anvil  ${fmt(m.rps, 1)} logins/s p50 ${fmt(m.p50, 1)} p99 ${fmt(m.p99, 1)} ms${m.failures ? `, ${m.failures} FAILED` : ''}`,
        );
      }
    }
  }
  return {
    store: fixture.store,
    scenario,
    baseline: 'argon2id verify',
    rounds: anvilRuns.map((a, i) => ({ anvil: stripLatencies(a), baseline: rates[i] as ArgonRate })),
    summary: summarize(anvilRuns, rates),
  };
}
