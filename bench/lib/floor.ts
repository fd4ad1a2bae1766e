/**
 * `floor`: how close any Fastify server gets to bare node:http on this machine. A Fastify 5
 * server set up as Anvil's `/json/*` (bench/fastify-floor.mjs) and bare answer the same validate
 * requests, alternating, as in the session scenarios: the Anvil/bare ratios of those scenarios
 * are then read against this one.
 */
import { profile } from './args.js';
import { SESSION_CONNECTIONS } from './constants.js';
import { load, type Measure, type MeasureWithLatencies, stripLatencies } from './load.js';
import { startFastifyFloor, type Target } from './processes.js';
import { summarize } from './results.js';
import { alternateRounds, warmBare } from './scenarios.js';
import { sessionSteps } from './steps.js';
import { fmt, log } from './util.js';

export interface FloorResult {
  rounds: { fastify: Measure; bare: Measure }[];
  summary: ReturnType<typeof summarize>;
}

export async function floorScenario(bare: Target, workDir: string): Promise<FloorResult> {
  const fastify = await startFastifyFloor(workDir);
  try {
    const run = (target: Target, seconds: number) =>
      load(
        target,
        sessionSteps('validate', () => 'x', target),
        { seconds },
        SESSION_CONNECTIONS,
      );
    await warmBare(bare);
    await run(fastify, profile.warmupS);
    const { bareRuns, otherRuns: fastifyRuns } = await alternateRounds(bare, fastify, (target) =>
      run(target, profile.durationS),
    );
    const summary = summarize(fastifyRuns, bareRuns);
    log(`  → Fastify floor ${fmt(summary.rps)}/s, ratio ${summary.ratio.toFixed(2)} to bare node:http`);
    return {
      rounds: fastifyRuns.map((f, i) => ({
        fastify: stripLatencies(f),
        bare: stripLatencies(bareRuns[i] as MeasureWithLatencies),
      })),
      summary,
    };
  } finally {
    await fastify.stop();
  }
}

export function floorMarkdown(f: FloorResult): string {
  const s = f.summary;
  return [
    '| server | ops/s | bare ops/s | ratio (rounds) | CPU µs/op | bare CPU µs/op | CPU ratio |',
    '|---|---:|---:|---|---:|---:|---:|',
    `| Fastify 5, set up as Anvil, fixed body | ${fmt(s.rps)} | ${fmt(s.baselineRps)} | **${s.ratio.toFixed(2)}** (${s.roundRatios.map((x) => x.toFixed(2)).join(', ')}) | ${fmt(s.serverUsPerOp, 1)} | ${fmt(s.baselineUsPerOp, 1)} | ${fmt(s.cpuRatio ?? Number.NaN, 2)} |`,
  ].join('\n');
}
