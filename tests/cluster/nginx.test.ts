import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  adminToken,
  baseEnv,
  createUser,
  DATABASE_URL,
  disposeRunner,
  dropSchema,
  killAll,
  postgresUnreachable,
  prepareRunner,
  REDIS_URL,
  type Runner,
  randomHex,
  redisUnreachable,
  removeRedisKeys,
  shown,
  startAnvil,
  tempDir,
  waitFor,
} from './helpers.js';

/**
 * Two nodes behind nginx (Debian's package, on loopback), round-robin and without stickiness:
 * the Identity Cloud Postman collection must pass though its steps land on alternate nodes.
 */
const NGINX = '/usr/sbin/nginx';
const POSTMAN = new URL('../../../shared/clients/postman/', import.meta.url).pathname;
const ON_CI = process.env.CI === 'true';

const [pgDown, redisDown] = await Promise.all([postgresUnreachable(), redisUnreachable()]);
const missing = [
  existsSync(NGINX) ? undefined : `nginx is not installed at ${NGINX}`,
  existsSync(POSTMAN) ? undefined : `the Postman collection is not at ${POSTMAN}`,
  pgDown === undefined ? undefined : `PostgreSQL not reachable at ${shown(DATABASE_URL)}`,
  redisDown === undefined ? undefined : `Redis not reachable at ${shown(REDIS_URL)}`,
].filter((m): m is string => m !== undefined);
if (missing.length > 0 && !ON_CI) console.warn(`${missing.join('; ')}: skipping the nginx + Postman test`);

interface NewmanSummary {
  run: {
    stats: { assertions: { total: number; failed: number } };
    failures: { error: { message: string } }[];
  };
}
type NewmanRun = (
  options: Record<string, unknown>,
  done: (error: Error | null, summary: NewmanSummary) => void,
) => void;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

let runner: Runner | undefined;
beforeAll(async () => {
  if (missing.length === 0) runner = await prepareRunner();
});
afterAll(() => disposeRunner(runner));

describe.skipIf(missing.length > 0 && !ON_CI)('two nodes behind nginx', () => {
  const schema = `anvil_nginx_${randomHex()}`;
  const prefix = `anvil-nginx:${randomHex()}:`;
  // Made when the test runs: a suite skipped for want of nginx leaves no directory behind.
  let dir = '';
  let nginx: ReturnType<typeof spawn> | undefined;

  afterEach(async () => {
    nginx?.kill('SIGTERM');
    await killAll();
    await dropSchema(schema);
    await removeRedisKeys(prefix);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('pass the Postman collection with its steps spread over both nodes', async () => {
    if (missing.length > 0) throw new Error(`${missing.join('; ')}: required on CI`);
    if (!runner) throw new Error('no runner');
    dir = tempDir('anvil-nginx-');
    const env = {
      ...baseEnv(),
      ANVIL_SESSION_STORE: 'redis',
      ANVIL_IDENTITY_STORE: 'postgres',
      ANVIL_DATABASE_URL: DATABASE_URL,
      ANVIL_POSTGRES_SCHEMA: schema,
      ANVIL_REDIS_URL: REDIS_URL,
      ANVIL_REDIS_KEY_PREFIX: prefix,
      ANVIL_AUTHN_JOURNEY_SECRET: `nginx-journey-secret-${randomHex(16)}`,
      ANVIL_DATA_DIR: join(dir, 'data'),
    };
    const a = await startAnvil(runner, env);
    const b = await startAnvil(runner, env);
    await createUser(a, await adminToken(a), 'postmanDemoUser', 'Ch4ng31t!');

    const port = await freePort();
    for (const sub of ['tmp', 'logs']) mkdirSync(join(dir, sub), { recursive: true });
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
      .map((name) => `${name}_temp_path ${join(dir, 'tmp', name)};`)
      .join('\n    ');
    writeFileSync(
      join(dir, 'nginx.conf'),
      `daemon off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'logs', 'error.log')};
events { worker_connections 256; }
http {
    access_log off;
    ${temp}
    upstream anvil {
        server ${new URL(a.url).host};
        server ${new URL(b.url).host};
        keepalive 16;
    }
    server {
        listen 127.0.0.1:${port};
        location / {
            proxy_pass http://anvil;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
        }
    }
}
`,
    );
    nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'logs', 'error.log')], {
      stdio: 'ignore',
    });
    await waitFor(async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/am/json/health/live`)).ok;
      } catch {
        return false;
      }
    }, 'nginx to answer');

    const newman = createRequire(import.meta.url)('newman') as { run: NewmanRun };
    const summary = await new Promise<NewmanSummary>((resolve, reject) => {
      newman.run(
        {
          collection: join(POSTMAN, 'session-management.postman_collection.json'),
          environment: join(POSTMAN, 'local.postman_environment.json'),
          envVar: [{ key: 'amUrl', value: `http://127.0.0.1:${port}/am` }],
          reporters: [],
          timeoutRequest: 10_000,
        },
        (error, result) => (error ? reject(error) : resolve(result)),
      );
    });
    const failures = summary.run.failures.map((f) => f.error.message);
    expect(failures).toEqual([]);
    expect(summary.run.stats.assertions.total).toBeGreaterThanOrEqual(13);
    expect(summary.run.stats.assertions.failed).toBe(0);
  }, 90_000);
});
