/**
 * `npm run bench` — throughput and latency of Anvil's hot paths, each compared with a baseline
 * measured by the same load generator on the same machine in the same run:
 *
 *   - session actions (validate, getSessionInfo, refresh, getSessionInfoAndResetIdleTime) and
 *     logout: against a bare `node:http` server answering a fixed JSON body (bench/bare-server.mjs);
 *   - logins (zero-page and the two-step callback journey): against the raw argon2id verify rate
 *     with the same parameters (bench/argon2-rate.mjs), since a login is one verification;
 *   - isolation: validate latency at a fixed rate while logins saturate the cores, against the
 *     same without the logins;
 *   - on SQLite, growth (validate and refresh with 10k, 1M and 10M stored sessions), restart (time
 *     to the first answer with 1M stored) and memory (resident memory per stored and cached session).
 *
 * It runs the compiled server (`npm run build` first): one `node dist/cli/index.js serve` process
 * per scenario and store, on SQLite and, when they answer, Redis (sessions) and PostgreSQL (every
 * store), each in a fresh SQLite directory / random Redis key prefix / random PostgreSQL schema that
 * is removed at the end. Every load loop is bounded by a duration or a request count.
 *
 * Options: --quick, --only a,b (scenarios), --stores sqlite,redis,postgres, --rounds N,
 * --duration S, --sessions N, --growth-sizes a,b,c, --isolation-rate N, --cpu-prof (profile the
 * Anvil processes), --quiet-wait S, --report FILE, --help. See bench/README.md for what each figure
 * is compared with. This file only orchestrates; the parts are in bench/lib/.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { HASH_CONCURRENCY } from './lib/argon2.js';
import {
  cpuProf,
  filtered,
  help,
  only,
  printHelp,
  profile,
  quick,
  reportFile,
  SQLITE_SCENARIOS,
  STORE_SCENARIOS,
  storesWanted,
} from './lib/args.js';
import {
  ARGON2,
  CLI,
  LOGIN_CONNECTIONS,
  PACED_CONNECTIONS,
  RESULTS,
  ROOT,
  SESSION_CONNECTIONS,
} from './lib/constants.js';
import { setQuietBudget, waitForQuiet } from './lib/cpu.js';
import { profileTop } from './lib/cpuprofile.js';
import { openFixtures, prepareStore } from './lib/fixture.js';
import { floorScenario } from './lib/floor.js';
import { growthScenario } from './lib/growth.js';
import { type IsolationResult, isolationRate, isolationScenario } from './lib/isolation.js';
import { git, machine, newestMtime } from './lib/machine.js';
import { memoryScenario } from './lib/memory.js';
import { children, startAnvil, startBare, type Target } from './lib/processes.js';
import { allChecks, type Findings, markdown, reprint, saveReport } from './lib/report.js';
import { restartScenario } from './lib/restart.js';
import type { ScenarioResult } from './lib/results.js';
import { loginScenario, logoutScenario, sessionScenario } from './lib/scenarios.js';
import { reachable, storeVersion } from './lib/stores.js';
import { fmt, log } from './lib/util.js';

async function main(): Promise<number> {
  if (help) {
    printHelp();
    return 0;
  }
  if (reportFile !== undefined) return reprint(resolve(reportFile));
  if (!existsSync(CLI)) {
    process.stderr.write(`bench: ${relative(ROOT, CLI)} is missing; run \`npm run build\` first\n`);
    return 2;
  }
  if (newestMtime(join(ROOT, 'src')) > statSync(CLI).mtimeMs) {
    log('warning: src/ changed after dist/ was built; run `npm run build` to measure the current code');
  }
  const startedAt = new Date();
  // What is measured is dist/ as built: note the commit and the build time now, not at the end.
  const commit = git('rev-parse', 'HEAD');
  const srcDirty = git('status', '--porcelain', 'src') !== '';
  const distBuiltAt = statSync(CLI).mtime.toISOString();
  setQuietBudget(profile.quietWaitS);
  const host = machine();
  const loadBefore = loadavg();
  log(
    `Anvil benchmark (${quick ? 'quick' : 'full'}): ${host.cpu}, ${host.nproc} cores, ${host.memoryGiB} GiB, Node ${host.node}, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
  );
  log(
    `  ${profile.rounds} round(s) × ${profile.durationS} s per side (logins: ${profile.loginRounds} × ${profile.loginDurationS} s; warm-up ${profile.warmupS} s), ${SESSION_CONNECTIONS} connections (${LOGIN_CONNECTIONS} for logins), ${profile.sessions} live sessions`,
  );
  const workDir = mkdtempSync(join(tmpdir(), 'anvil-bench-'));
  const scenarios = STORE_SCENARIOS.filter((s) => only.includes(s));
  const sqliteScenarios = SQLITE_SCENARIOS.filter((s) => only.includes(s));
  const floorWanted = only.includes('floor');
  const found: Findings & { results: ScenarioResult[]; isolation: IsolationResult[] } = {
    results: [],
    isolation: [],
  };
  const storesInfo: Record<string, unknown> = {};
  const profiles: string[] = [];
  let bare: Target | undefined;
  const interrupt = () => {
    log('interrupted: stopping servers and removing bench data');
    for (const child of children) child.kill('SIGKILL');
    void Promise.all([...openFixtures].map((f) => f.cleanup().catch(() => {}))).finally(() => {
      rmSync(workDir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  if (sqliteScenarios.length > 0 && !storesWanted.includes('sqlite')) {
    log(`\n${sqliteScenarios.join(', ')}: SQLite only, and sqlite is not among --stores; skipped`);
  }
  try {
    bare = await startBare(workDir);
    if (floorWanted) {
      log('\nfloor: Fastify set up as Anvil, answering a fixed body, against bare node:http');
      found.floor = await floorScenario(bare, workDir);
    }
    for (const store of storesWanted) {
      const ownScenarios = store === 'sqlite' ? sqliteScenarios : [];
      if (scenarios.length === 0 && ownScenarios.length === 0) continue;
      const unreachable = await reachable(store);
      if (unreachable !== undefined) {
        log(`\n${store}: not reachable (${unreachable}); skipped`);
        storesInfo[store] = { reachable: false, reason: unreachable };
        continue;
      }
      const version = await storeVersion(store);
      storesInfo[store] = { reachable: true, version };
      if (scenarios.length > 0) {
        const needsLogout = scenarios.includes('logout');
        const logoutCount = needsLogout
          ? profile.logoutAmount * profile.rounds + Math.min(2_000, Math.floor(profile.logoutAmount / 4))
          : 0;
        log(`\n${store} (${version}): preparing ${fmt(profile.sessions + logoutCount)} sessions`);
        const fixture = await prepareStore(store, logoutCount);
        storesInfo[store] = { reachable: true, version, setup: fixture.setup };
        log(
          `  inserted ${fmt(fixture.setup.inserted)} sessions in ${fixture.setup.insertSeconds.toFixed(1)} s`,
        );
        try {
          for (const scenario of scenarios) {
            log(`  ${store} ${scenario}`);
            const othersBefore = await waitForQuiet();
            const anvil = await startAnvil(fixture, scenario, cpuProf);
            try {
              if (scenario === 'isolation') {
                const { rate, note } = isolationRate(store, found.results);
                const result = await isolationScenario(fixture, anvil, rate, note);
                if (othersBefore !== undefined) result.othersBefore = othersBefore;
                found.isolation.push(result);
                const s = result.summary;
                log(
                  `  → validate p99 ${fmt(s.busy.p99, 2)} ms during ${fmt(s.loginsPerSecond, 1)} logins/s, ${fmt(s.quiet.p99, 2)} ms without`,
                );
                continue;
              }
              let result: ScenarioResult;
              if (scenario === 'logout') result = await logoutScenario(fixture, bare, anvil);
              else if (scenario.startsWith('login')) result = await loginScenario(scenario, fixture, anvil);
              else result = await sessionScenario(scenario, fixture, bare, anvil);
              if (othersBefore !== undefined) result.othersBefore = othersBefore;
              found.results.push(result);
              const s = result.summary;
              log(
                `  → ${fmt(s.rps, 1)}/s, ratio ${s.ratio.toFixed(2)} to ${result.baseline}; p99 ${fmt(s.p99, 2)} ms; other processes up to ${s.otherCores.toFixed(2)} cores`,
              );
            } finally {
              await anvil.stop();
            }
          }
        } finally {
          await fixture.cleanup();
        }
      }
      if (ownScenarios.length > 0) log(`\n${store} (${version}): scenarios with data of their own`);
      for (const scenario of ownScenarios) {
        if (scenario === 'growth') {
          log(`  sqlite growth: ${profile.growthSizes.map((n) => fmt(n)).join(', ')} stored sessions`);
          found.growth = await growthScenario(bare);
        } else if (scenario === 'restart') {
          log('  sqlite restart');
          found.restart = await restartScenario(workDir);
        } else {
          log('  sqlite memory');
          found.memory = await memoryScenario(bare);
        }
      }
    }
  } finally {
    await bare?.stop();
    for (const child of children) child.kill('SIGKILL');
    rmSync(workDir, { recursive: true, force: true });
  }

  const checks = allChecks(found);
  const table = markdown(found, checks);
  log(`\n${table}`);
  if (cpuProf) {
    const dir = join(RESULTS, 'profiles');
    for (const name of readdirSync(dir).filter(
      (f) => f.includes(`-${process.pid}-`) && !f.includes('-setup-'),
    )) {
      const summary = profileTop(join(dir, name));
      profiles.push(summary);
      log(`${summary}\n`);
    }
  }
  const finishedAt = new Date();
  const isolation = found.isolation.length > 0 ? found.isolation : undefined;
  const report = {
    version: 1,
    mode: quick ? 'quick' : 'full',
    filtered,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    commit,
    srcDirty,
    distBuiltAt,
    machine: { ...host, loadAverageBefore: loadBefore, loadAverageAfter: loadavg() },
    settings: {
      ...profile,
      sessionConnections: SESSION_CONNECTIONS,
      loginConnections: LOGIN_CONNECTIONS,
      pacedConnections: PACED_CONNECTIONS,
      argon2: {
        algorithm: 'argon2id',
        memoryKib: ARGON2.memoryKib,
        iterations: ARGON2.iterations,
        parallelism: 1,
      },
      argon2Concurrency: HASH_CONCURRENCY,
    },
    stores: storesInfo,
    results: found.results,
    isolation,
    growth: found.growth,
    restart: found.restart,
    memory: found.memory,
    floor: found.floor,
    targets: checks,
    profiles,
    table,
  };
  saveReport(report, startedAt, quick ? 'quick' : 'full', !quick && !filtered && !cpuProf);
  const failed =
    found.results.some((r) => r.summary.failures > 0) ||
    found.isolation.some(
      (r) => r.summary.quiet.failures + r.summary.busy.failures + r.summary.loginFailures > 0,
    ) ||
    (found.growth?.rows.some((r) => r.result.summary.failures > 0) ?? false) ||
    (found.memory?.samples.some((s) => s.failures > 0) ?? false);
  if (failed) log('some requests failed or answered wrongly: see the errors column');
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    for (const child of children) child.kill('SIGKILL');
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
