/**
 * `restart`: how long `node dist/cli/index.js serve` takes, from spawning it to its first right
 * answer to a validate request (polled every 5 ms), on a data directory holding 1,000,000 sessions;
 * compared in the same run with the same on 10,000 sessions and with bare node:http's start (the
 * floor: a Node process that listens). Three attempts of each, interleaved.
 */
import { request } from 'node:http';
import { join } from 'node:path';
import { type BulkFixture, bulkSqliteFixture, type FillInfo } from './bulk.js';
import { ALPHA, BENCH, CLI } from './constants.js';
import { waitForQuiet } from './cpu.js';
import { cleanEnv, freePort, spawnChild, stopChild, tail } from './processes.js';
import { fmt, log, median, sleep } from './util.js';

const ATTEMPTS = 3;
const POLL_MS = 5;
const SIZES = [10_000, 1_000_000] as const;

export interface RestartSeries {
  what: string;
  sessions: number;
  /** Milliseconds from spawn to the first right answer, one per attempt. */
  ms: number[];
  min: number;
  median: number;
}

export interface RestartResult {
  series: RestartSeries[];
  fills: FillInfo[];
  pollMs: number;
  othersBefore?: number;
}

/** POSTs (or GETs) once; whether the answer is a 200 that passes `accept`. */
function probe(
  port: number,
  path: string,
  headers: Record<string, string>,
  accept: (body: string) => boolean,
) {
  return new Promise<boolean>((done) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'POST', headers, agent: false, timeout: 1000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => done(res.statusCode === 200 && accept(body)));
        res.on('error', () => done(false));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(false));
    req.end();
  });
}

/** Spawns `argv`, polls until `ready`, returns the milliseconds it took, and stops the process. */
async function timeToAnswer(
  argv: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
  ready: () => Promise<boolean>,
): Promise<number> {
  const started = performance.now();
  const child = spawnChild(process.execPath, argv, env, logFile);
  try {
    const deadline = started + 60_000;
    while (performance.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${tail(logFile)}`);
      if (await ready()) return performance.now() - started;
      await sleep(POLL_MS);
    }
    throw new Error(`no answer within 60 s:\n${tail(logFile)}`);
  } finally {
    await stopChild(child);
  }
}

export async function restartScenario(workDir: string): Promise<RestartResult> {
  const fixtures: BulkFixture[] = [];
  try {
    for (const sessions of SIZES) {
      const fixture = await bulkSqliteFixture(sessions, 1, 'restart');
      fixtures.push(fixture);
      log(`    ${fmt(sessions)} sessions filled in ${fixture.fill.seconds.toFixed(1)} s`);
    }
    const othersBefore = await waitForQuiet();
    const bare: RestartSeries = { what: 'bare node:http', sessions: 0, ms: [], min: 0, median: 0 };
    const anvil = fixtures.map(
      (f): RestartSeries => ({ what: 'Anvil', sessions: f.fill.sessions, ms: [], min: 0, median: 0 }),
    );
    const validate = `${ALPHA}/sessions?_action=validate`;
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      const barePort = await freePort();
      bare.ms.push(
        await timeToAnswer(
          [join(BENCH, 'bare-server.mjs'), String(barePort)],
          cleanEnv(),
          join(workDir, 'bare-restart.log'),
          () => probe(barePort, '/', {}, () => true),
        ),
      );
      for (const [i, fixture] of fixtures.entries()) {
        const port = await freePort();
        const token = fixture.live[0] as string;
        const headers = {
          'accept-api-version': 'resource=4.0',
          'content-type': 'application/json',
          iplanetdirectorypro: token,
        };
        const ms = await timeToAnswer(
          [CLI, 'serve'],
          { ...fixture.env, ANVIL_PORT: String(port) },
          join(fixture.workDir, 'anvil-restart.log'),
          () => probe(port, validate, headers, (body) => body.includes('"valid":true')),
        );
        (anvil[i] as RestartSeries).ms.push(ms);
      }
      log(
        `    attempt ${attempt + 1}: bare ${fmt(bare.ms.at(-1), 0)} ms, ${anvil.map((s) => `${fmt(s.sessions)} sessions ${fmt(s.ms.at(-1), 0)} ms`).join(', ')}`,
      );
    }
    const series = [bare, ...anvil];
    for (const s of series) {
      s.min = Math.min(...s.ms);
      s.median = median(s.ms);
    }
    const result: RestartResult = { series, fills: fixtures.map((f) => f.fill), pollMs: POLL_MS };
    if (othersBefore !== undefined) result.othersBefore = othersBefore;
    return result;
  } finally {
    for (const fixture of fixtures) await fixture.cleanup();
  }
}

export function restartMarkdown(r: RestartResult): string {
  const lines = [
    `| process | stored sessions | spawn → first right answer, min ms | median ms | attempts ms |`,
    '|---|---:|---:|---:|---|',
  ];
  for (const s of r.series) {
    lines.push(
      `| ${s.what} | ${s.sessions === 0 ? '—' : fmt(s.sessions)} | **${fmt(s.min)}** | ${fmt(s.median)} | ${s.ms.map((x) => fmt(x)).join(', ')} |`,
    );
  }
  return lines.join('\n');
}
