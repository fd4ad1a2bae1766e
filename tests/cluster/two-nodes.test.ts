import { rmSync } from 'node:fs';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/stores/postgres/index.js';
import {
  type AnvilProcess,
  adminToken,
  baseEnv,
  createUser,
  DATABASE_URL,
  disposeRunner,
  dropSchema,
  killAll,
  liveSessionsOfUser,
  loginToken,
  postgresUnreachable,
  prepareRunner,
  REDIS_URL,
  type Runner,
  randomHex,
  redisUnreachable,
  removeRedisKeys,
  request,
  sessionAction,
  shown,
  startAnvil,
  tempDir,
  USER,
  USER_PASSWORD,
  V,
  validate,
  waitFor,
  zeroPageLogin,
} from './helpers.js';

/**
 * Two real `anvil serve` processes sharing their stores, as a cluster behind a load balancer: what
 * one node does, the other sees on the very next request. Run twice: sessions on Redis with
 * identities on PostgreSQL, and everything on PostgreSQL. Every test has its own PostgreSQL
 * schema and Redis key prefix, dropped afterwards.
 */

interface Layout {
  name: string;
  sessionStore: 'redis' | 'postgres';
  needs: readonly ('PostgreSQL' | 'Redis')[];
}

const LAYOUTS: readonly Layout[] = [
  {
    name: 'sessions on Redis, identities on PostgreSQL',
    sessionStore: 'redis',
    needs: ['PostgreSQL', 'Redis'],
  },
  { name: 'everything on PostgreSQL', sessionStore: 'postgres', needs: ['PostgreSQL'] },
];

const [pgDown, redisDown] = await Promise.all([postgresUnreachable(), redisUnreachable()]);
const down = new Map<string, string>();
if (pgDown !== undefined)
  down.set('PostgreSQL', `PostgreSQL not reachable at ${shown(DATABASE_URL)} (${pgDown})`);
if (redisDown !== undefined) down.set('Redis', `Redis not reachable at ${shown(REDIS_URL)} (${redisDown})`);
const runnable = (layout: Layout) => layout.needs.every((service) => !down.has(service));
const ON_CI = process.env.CI === 'true';

if (down.size > 0) {
  const why = [...down.values()].join('; ');
  if (ON_CI) {
    describe('two-node cluster', () => {
      it('can reach PostgreSQL and Redis (required on CI)', () => {
        throw new Error(
          `${why}: on CI the two-node cluster tests must run (start the services, or set ` +
            'ANVIL_TEST_DATABASE_URL / ANVIL_TEST_REDIS_URL)',
        );
      });
    });
  } else {
    const skipped = LAYOUTS.filter((l) => !runnable(l)).map((l) => `"${l.name}"`);
    console.warn(`${why}: skipping the two-node cluster tests ${skipped.join(' and ')}`);
  }
}

const JOURNEY_SECRET = `cluster-journey-secret-${randomHex(16)}`;
const QUOTA_LIMIT = 5;
const QUOTA_ACTIONS = [
  'DENY_ACCESS',
  'DESTROY_NEXT_EXPIRING',
  'DESTROY_OLDEST_SESSION',
  'DESTROY_ALL',
] as const;
const ACCESS_DENIED = { code: 401, reason: 'Unauthorized', message: 'Access Denied' };
const LIMIT_REACHED = { code: 401, reason: 'Unauthorized', message: 'You have reached your session limit.' };
const TIMED_OUT = { code: 408, reason: 'Request Time-out', message: 'Session has timed out' };

let runner: Runner | undefined;
beforeAll(async () => {
  if (LAYOUTS.some(runnable)) runner = await prepareRunner();
});
afterAll(() => disposeRunner(runner));

for (const layout of LAYOUTS) {
  describe.skipIf(!runnable(layout))(`two nodes, ${layout.name}`, () => {
    let schema: string;
    let prefix: string;
    let dataDir: string;

    beforeEach(() => {
      schema = `anvil_cluster_${randomHex()}`;
      prefix = `anvil-cluster:${randomHex()}:`;
      dataDir = tempDir('anvil-cluster-data-');
    });

    afterEach(async () => {
      await killAll();
      await dropSchema(schema);
      if (layout.sessionStore === 'redis') await removeRedisKeys(prefix);
      rmSync(dataDir, { recursive: true, force: true });
    });

    /** The settings of every node of this test's cluster. */
    const clusterEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
      ...baseEnv(),
      ANVIL_SESSION_STORE: layout.sessionStore,
      ANVIL_IDENTITY_STORE: 'postgres',
      ANVIL_DATABASE_URL: DATABASE_URL,
      ANVIL_POSTGRES_SCHEMA: schema,
      ANVIL_REDIS_URL: REDIS_URL,
      ANVIL_REDIS_KEY_PREFIX: prefix,
      ANVIL_AUTHN_JOURNEY_SECRET: JOURNEY_SECRET,
      ANVIL_DATA_DIR: dataDir,
      ...extra,
    });

    const node = (extra?: Record<string, string>) => {
      if (!runner) throw new Error('no runner');
      return startAnvil(runner, clusterEnv(extra));
    };

    /**
     * A, then B while bjensen is created on A: A's first boot seeds amAdmin in the fresh schema, and
     * two nodes doing that at once collide (see "started together" below).
     */
    async function cluster(extra?: Record<string, string>): Promise<{ a: AnvilProcess; b: AnvilProcess }> {
      const a = await node(extra);
      const [b] = await Promise.all([
        node(extra),
        adminToken(a).then((admin) => createUser(a, admin, USER, USER_PASSWORD)),
      ]);
      return { a, b };
    }

    it('login on A, validate and refresh on B; logout on A and B refuses the token on the very next request', async () => {
      const { a, b } = await cluster();
      const token = await loginToken(a, USER, USER_PASSWORD);

      const valid = await validate(b, token);
      expect(valid).toEqual({ valid: true, sessionUid: expect.any(String), uid: USER, realm: '/alpha' });

      const refreshed = await sessionAction(b, 'refresh', { token });
      expect(refreshed.status, refreshed.text).toBe(200);
      expect(refreshed.body).toMatchObject({
        uid: USER,
        realm: '/alpha',
        maxidletime: 30,
        maxsessiontime: 120,
      });

      const info = await sessionAction(b, 'getSessionInfo', { token });
      expect(info.status, info.text).toBe(200);
      expect(info.body).toMatchObject({ username: USER, realm: '/alpha' });

      const logout = await sessionAction(a, 'logout', { token });
      expect(logout.status, logout.text).toBe(200);
      expect(logout.body).toEqual({ result: 'Successfully logged out' });

      // No request in between: B's very next answer must already know.
      expect(await validate(b, token)).toEqual({ valid: false });
      const after = await sessionAction(b, 'getSessionInfo', { token });
      expect(after.status).toBe(401);
      expect(after.body).toEqual(ACCESS_DENIED);
      const refreshAfter = await sessionAction(b, 'refresh', { token });
      expect(refreshAfter.status).toBe(401);
      expect(await validate(a, token)).toEqual({ valid: false });
    });

    it("logoutByUser (5.1, admin) on B ends every session the user opened on A, and no one else's", async () => {
      const { a, b } = await cluster();
      await createUser(a, await adminToken(a), 'scarter', 'Sc4rt3r!pass');
      const tokens = await Promise.all([1, 2, 3].map(() => loginToken(a, USER, USER_PASSWORD)));
      const other = await loginToken(a, 'scarter', 'Sc4rt3r!pass');
      const admin = await adminToken(b);
      expect(await liveSessionsOfUser(b, admin)).toBe(3);

      const answer = await sessionAction(b, 'logoutByUser', {
        token: admin,
        version: V.sessions5,
        body: { username: USER },
      });
      expect(answer.status, answer.text).toBe(200);
      expect(answer.text).toBe('{"result":true}');

      for (const token of tokens) {
        expect(await validate(a, token)).toEqual({ valid: false });
        expect(await validate(b, token)).toEqual({ valid: false });
      }
      expect(await validate(a, other)).toMatchObject({ valid: true, uid: 'scarter' });
      expect(await liveSessionsOfUser(a, admin)).toBe(0);
    });

    it('a callback journey started on A finishes on B; re-posting its authId to A answers 408', async () => {
      const { a, b } = await cluster();
      const authenticate = (n: AnvilProcess, step?: unknown) =>
        request(`${n.url}/am/json/realms/root/realms/alpha/authenticate`, {
          headers: { 'content-type': 'application/json', 'accept-api-version': V.authn },
          ...(step === undefined ? {} : { body: step }),
        });

      const first = await authenticate(a);
      expect(first.status, first.text).toBe(200);
      const step = first.body as {
        authId: string;
        callbacks: { type: string; input: { name: string; value: unknown }[] }[];
      };
      expect(typeof step.authId).toBe('string');
      expect(step.callbacks.map((c) => c.type)).toEqual(['NameCallback', 'PasswordCallback']);
      const [name, password] = step.callbacks;
      if (!name?.input[0] || !password?.input[0]) throw new Error(`unexpected step: ${first.text}`);
      name.input[0].value = USER;
      password.input[0].value = USER_PASSWORD;

      const done = await authenticate(b, step);
      expect(done.status, done.text).toBe(200);
      expect(done.body).toMatchObject({ tokenId: expect.any(String), realm: '/alpha' });
      expect(await validate(a, done.body?.tokenId as string)).toMatchObject({ valid: true, uid: USER });

      const replayed = await authenticate(a, step);
      expect(replayed.status, replayed.text).toBe(408);
      expect(replayed.body).toEqual(TIMED_OUT);
      const replayedOnB = await authenticate(b, step);
      expect(replayedOnB.status, replayedOnB.text).toBe(408);
    });

    it('two nodes started together on a fresh store both come up (amAdmin is seeded once)', async () => {
      // The schema is migrated, and its identities table locked, so that both nodes reach their
      // first look at it (is there an amAdmin yet?) before either can seed it: the moment two
      // nodes of a new deployment started by one orchestrator can meet in.
      const migrated = await openPostgres({ url: DATABASE_URL, schema });
      await migrated.close();
      const identities = `${pg.escapeIdentifier(schema)}.identities`;
      const locker = new pg.Client({ connectionString: DATABASE_URL });
      await locker.connect();
      const starting: Promise<AnvilProcess>[] = [];
      try {
        await locker.query('BEGIN');
        await locker.query(`LOCK TABLE ${identities} IN ACCESS EXCLUSIVE MODE`);
        starting.push(node(), node());
        for (const p of starting) p.catch(() => {});
        await waitFor(async () => {
          const { rows } = await locker.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = $1::regclass`,
            [identities],
          );
          return (rows[0]?.n ?? 0) >= 2;
        }, 'both nodes waiting for the identities table');
        await locker.query('ROLLBACK');
      } finally {
        await locker.end();
      }
      const started = await Promise.allSettled(starting);
      const failures = started.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
      expect(failures).toEqual([]);
      const [a, b] = started.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
      if (!a || !b) return;
      expect(await adminToken(a)).toEqual(expect.any(String));
      expect(await adminToken(b)).toEqual(expect.any(String));
    });

    for (const action of QUOTA_ACTIONS) {
      it(`quota ${action}, limit ${QUOTA_LIMIT}: 50 concurrent logins of one user over A and B leave exactly ${QUOTA_LIMIT} live sessions`, async () => {
        const { a, b } = await cluster({
          ANVIL_SESSION_QUOTA_ENABLED: 'true',
          ANVIL_SESSION_QUOTA_LIMIT: String(QUOTA_LIMIT),
          ANVIL_SESSION_QUOTA_ACTION: action,
        });
        const admin = await adminToken(b);
        const answers = await Promise.all(
          Array.from({ length: 50 }, (_, i) => zeroPageLogin(i % 2 ? a : b, USER, USER_PASSWORD)),
        );
        const tokens = answers.filter((r) => r.status === 200).map((r) => r.body?.tokenId as string);
        const refused = answers.filter((r) => r.status !== 200);
        if (action === 'DENY_ACCESS') {
          expect(tokens).toHaveLength(QUOTA_LIMIT);
          for (const r of refused) expect(r.body).toEqual(LIMIT_REACHED);
        } else {
          expect(refused.map((r) => `${r.status} ${r.text}`)).toEqual([]);
          expect(tokens).toHaveLength(50);
        }
        expect(await liveSessionsOfUser(a, admin)).toBe(QUOTA_LIMIT);
        expect(await liveSessionsOfUser(b, admin)).toBe(QUOTA_LIMIT);
        // The tokens agree with the query: exactly LIMIT of those handed out still validate.
        const valid = await Promise.all(tokens.map(async (t, i) => (await validate(i % 2 ? a : b, t)).valid));
        expect(valid.filter((v) => v === true)).toHaveLength(QUOTA_LIMIT);
      }, 30_000);
    }
  });
}
