/**
 * The load methods: autocannon's closed loop (throughput at saturation, bounded by time or by
 * count), bench/closed.ts's closed loop for logins, and bench/paced.ts's open loop (latency at a
 * fixed rate).
 */
import autocannon from 'autocannon';
import { closedLoop } from '../closed.js';
import { paced } from '../paced.js';
import { ALPHA, PACED_CONNECTIONS } from './constants.js';
import { type CpuSample, type CpuUse, cpuBetween, sampleCpu } from './cpu.js';
import type { Target } from './processes.js';
import { SESSION_MARKERS, type Step } from './steps.js';
import { fmt, percentile } from './util.js';

export interface Measure {
  /** Completed operations per second. */
  rps: number;
  operations: number;
  failures: number;
  seconds: number;
  p50: number;
  p99: number;
  p999: number;
  cpu: CpuUse;
  /** Server CPU per completed operation, microseconds (store processes excluded). */
  serverUsPerOp: number;
  storeUsPerOp: number;
}

export interface MeasureWithLatencies extends Measure {
  latencies: Float64Array;
}

export async function load(
  target: Target,
  steps: Step[],
  bound: { seconds: number } | { amount: number },
  connections: number,
): Promise<MeasureWithLatencies> {
  let operations = 0;
  let failures = 0;
  let lastCompletes = false;
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  const requests = steps.map((step) => ({
    ...step.request,
    onResponse: (status: number, body: string, context: Record<string, unknown>) => {
      const good = step.check(status, body, context);
      lastCompletes = good && step.completes;
      if (!good) failures += 1;
      else if (step.completes) operations += 1;
    },
  }));
  const options: autocannon.Options = {
    url: `http://127.0.0.1:${target.port}`,
    connections,
    pipelining: 1,
    timeout: 20,
    requests,
  };
  if ('amount' in bound) options.amount = bound.amount;
  else options.duration = bound.seconds;
  const before = sampleCpu(target.pid, target.storeComms);
  const instance = autocannon(options);
  // Every loop stops by itself: a duration, or an amount with a generous time limit.
  const limitS = 'amount' in bound ? 300 : bound.seconds + 30;
  const guard = setTimeout(() => instance.stop(), limitS * 1000);
  let lastResponseAt = before.at;
  instance.on('response', (_client, _status, _bytes, responseTime) => {
    lastResponseAt = performance.now();
    if (!lastCompletes) return;
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[count] = responseTime;
    count += 1;
  });
  const result = await instance;
  clearTimeout(guard);
  const after = sampleCpu(target.pid, target.storeComms);
  failures += result.errors + result.timeouts;
  // autocannon finishes on its next 1-second sampling tick; the run itself ended with the last answer.
  return measured(before, after, lastResponseAt, operations, failures, latencies.slice(0, count));
}

/**
 * The login scenarios' load: bench/closed.ts, a closed loop like autocannon's that takes a small
 * share of the runner's CPU, since logins are compared with a probe that has the machine to itself.
 */
export async function closedLoad(
  target: Target,
  steps: Step[],
  seconds: number,
  connections: number,
): Promise<MeasureWithLatencies> {
  const before = sampleCpu(target.pid, target.storeComms);
  const result = await closedLoop({ port: target.port, connections, steps, seconds, timeoutMs: 20_000 });
  const after = sampleCpu(target.pid, target.storeComms);
  return measured(before, after, result.lastAnswerAt, result.operations, result.failures, result.latenciesMs);
}

function measured(
  before: CpuSample,
  after: CpuSample,
  lastAnswerAt: number,
  operations: number,
  failures: number,
  latencies: Float64Array,
): MeasureWithLatencies {
  const cpu = cpuBetween(before, after);
  const seconds = (lastAnswerAt - before.at) / 1000;
  const sorted = latencies.sort();
  return {
    rps: operations / seconds,
    operations,
    failures,
    seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    cpu,
    serverUsPerOp: operations > 0 ? (cpu.serverCpuS * 1e6) / operations : Number.NaN,
    storeUsPerOp: operations > 0 ? (cpu.storeCpuS * 1e6) / operations : Number.NaN,
    latencies: sorted,
  };
}

export function stripLatencies(m: MeasureWithLatencies): Measure {
  const { latencies: _latencies, ...rest } = m;
  return rest;
}

export function describe(m: Measure): string {
  return `${fmt(m.rps)}/s p50 ${fmt(m.p50, 2)} p99 ${fmt(m.p99, 2)} ms, ${fmt(m.serverUsPerOp, 1)} µs CPU/op${m.failures ? `, ${m.failures} FAILED` : ''}`;
}

export interface PacedSummary {
  offeredRate: number;
  achievedRate: number;
  failures: number;
  p50: number;
  p99: number;
  p999: number;
  /** Where latencies of several rounds are pooled: each round's own p99. */
  roundP99?: number[];
}

/**
 * A session action at a fixed rate over `tokens`, open loop, for `seconds`: the summary, and every
 * latency (ms, ascending) for pooling over rounds.
 */
export async function pacedLatencies(
  target: Pick<Target, 'name' | 'port'>,
  action: string,
  tokens: readonly string[],
  rate: number,
  seconds: number,
  options: { spin?: boolean } = {},
): Promise<{ summary: PacedSummary; latencies: Float64Array }> {
  const head =
    `POST ${ALPHA}/sessions?_action=${action} HTTP/1.1\r\nHost: 127.0.0.1:${target.port}\r\n` +
    'Connection: keep-alive\r\naccept-api-version: resource=4.0\r\ncontent-type: application/json\r\n';
  // Built before the run, as the client allocates next to nothing per request (bench/paced.ts).
  const requests = tokens.map((token) =>
    Buffer.from(`${head}iplanetdirectorypro: ${token}\r\n\r\n`, 'latin1'),
  );
  const first = Math.floor(Math.random() * requests.length);
  const marker = Buffer.from(SESSION_MARKERS[action] ?? '\u0000', 'utf8');
  const checkBody = target.name === 'anvil';
  const result = await paced({
    port: target.port,
    rate,
    durationMs: seconds * 1000,
    connections: PACED_CONNECTIONS,
    request: (i) => requests[(first + i) % requests.length] as Buffer,
    ok: (status, bytes, start, end) => {
      if (status !== 200) return false;
      if (!checkBody) return true;
      const at = bytes.indexOf(marker, start);
      return at >= 0 && at + marker.length <= end;
    },
    spin: options.spin === true,
  });
  const summary: PacedSummary = {
    offeredRate: rate,
    achievedRate: result.answered / result.elapsedS,
    failures: result.failures,
    p50: percentile(result.latenciesMs, 50),
    p99: percentile(result.latenciesMs, 99),
    p999: percentile(result.latenciesMs, 99.9),
  };
  return { summary, latencies: result.latenciesMs };
}
