import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { universalIdOf } from '../../src/domain/identity/identity.js';
import type { QuotaAction } from '../../src/domain/sessions/store.js';
import { type RunningServer, startServer } from '../../src/server.js';
import type { StoreLocation } from '../../src/stores/index.js';
import {
  buildTestApp,
  DEMO_PASSWORD,
  login,
  loginAdmin,
  loginDemo,
  sessionAction,
  type TestApp,
} from '../helpers/app.js';
import { json, ROOT, V4 } from './conformance-support.js';

const ACTIONS: readonly QuotaAction[] = [
  'DENY_ACCESS',
  'DESTROY_OLDEST_SESSION',
  'DESTROY_NEXT_EXPIRING',
  'DESTROY_ALL',
];
const LIMIT_REACHED = { code: 401, reason: 'Unauthorized', message: 'You have reached your session limit.' };
const DEMO_FILTER = encodeURIComponent('realm eq "/alpha" and username eq "demo"');
const MINUTE = 60_000;

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function withQuota(quota: Record<string, unknown>, store?: StoreLocation): Promise<TestApp> {
  t = await buildTestApp({
    config: { session: { quota: { enabled: true, ...quota } } },
    ...(store ? { store } : {}),
  });
  return t;
}

/** A zero-page login of demo in /alpha, answered as is. */
function demoLogin(app: TestApp['app']): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/am/json/realms/root/realms/alpha/authenticate',
    headers: {
      'x-openam-username': 'demo',
      'x-openam-password': DEMO_PASSWORD,
      'accept-api-version': 'resource=2.1',
    },
  });
}

async function valid(app: TestApp['app'], tokenId: string): Promise<boolean> {
  const response = await sessionAction(app, 'validate', { version: V4, body: { tokenId } });
  return json(response).valid === true;
}

/** demo's live sessions, as an admin query sees them. */
async function queriedDemoSessions(app: TestApp['app'], admin: string): Promise<number> {
  const response = await app.inject({
    method: 'GET',
    url: `${ROOT}/sessions?_queryFilter=${DEMO_FILTER}`,
    headers: { iplanetdirectorypro: admin, 'accept-api-version': V4 },
  });
  expect(response.statusCode, response.body).toBe(200);
  return json(response).resultCount as number;
}

function demoUniversalId(app: TestApp): string {
  const alpha = app.services.realms.byPath('/alpha');
  if (!alpha) throw new Error('no /alpha');
  return universalIdOf('demo', alpha);
}

/** Spec §7.4 and checklist 127–129: session quotas. */
describe('session quotas', () => {
  it('127: DENY_ACCESS, limit 1: a second login → 401 You have reached your session limit.; the first stays valid', async () => {
    const { app, clock } = await withQuota({ limit: 1, action: 'DENY_ACCESS' });
    const first = await loginDemo(app);
    const second = await demoLogin(app);
    expect(second.statusCode).toBe(401);
    expect(second.body).toBe(JSON.stringify(LIMIT_REACHED));
    expect(second.headers['set-cookie'] ?? []).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/^iPlanetDirectoryPro=[^;]/)]),
    );
    expect(await valid(app, first)).toBe(true);
    // The refused login left nothing behind; a logout or a timeout makes room again.
    expect((await sessionAction(app, 'logout', { token: first, version: V4 })).statusCode).toBe(200);
    const third = await loginDemo(app);
    expect((await demoLogin(app)).statusCode).toBe(401);
    clock.advance(31 * MINUTE);
    expect(await valid(app, third)).toBe(false);
    expect((await demoLogin(app)).statusCode).toBe(200);
  });

  it('127: the quota is per user: other users log in while demo is at the limit', async () => {
    const { app } = await withQuota({ limit: 1, action: 'DENY_ACCESS' });
    await loginDemo(app);
    expect((await demoLogin(app)).statusCode).toBe(401);
    await loginAdmin(app);
  });

  for (const action of ['DESTROY_OLDEST_SESSION', 'DESTROY_NEXT_EXPIRING'] as const) {
    it(`128: ${action}, limit 1: the second login succeeds and the first token validates false`, async () => {
      const { app, clock } = await withQuota({ limit: 1, action });
      const first = await loginDemo(app);
      clock.advance(MINUTE);
      const second = await loginDemo(app);
      expect(await valid(app, first)).toBe(false);
      expect(await valid(app, second)).toBe(true);
    });
  }

  it('128: DESTROY_OLDEST_SESSION ends the earliest created session, DESTROY_NEXT_EXPIRING the earliest to expire', async () => {
    for (const action of ['DESTROY_OLDEST_SESSION', 'DESTROY_NEXT_EXPIRING'] as const) {
      const { app, clock } = await withQuota({ limit: 2, action });
      const a = await loginDemo(app); // created at t0
      clock.advance(MINUTE);
      const b = await loginDemo(app); // created at t0+1, idle expiry t0+31
      clock.advance(MINUTE);
      expect(await valid(app, a)).toBe(true); // a's idle expiry moves to t0+32: b now expires first
      const c = await loginDemo(app);
      const survivors = [await valid(app, a), await valid(app, b), await valid(app, c)];
      expect(survivors, action).toEqual(
        action === 'DESTROY_OLDEST_SESSION' ? [false, true, true] : [true, false, true],
      );
      await t?.close();
      t = undefined;
    }
  });

  it('129: DESTROY_ALL, limit 2: the third login succeeds and both earlier tokens validate false', async () => {
    const { app } = await withQuota({ limit: 2, action: 'DESTROY_ALL' });
    const first = await loginDemo(app);
    const second = await loginDemo(app);
    expect(await valid(app, first)).toBe(true);
    expect(await valid(app, second)).toBe(true);
    const third = await loginDemo(app);
    expect(await valid(app, first)).toBe(false);
    expect(await valid(app, second)).toBe(false);
    expect(await valid(app, third)).toBe(true);
  });

  it('a realm quota applies to that realm only', async () => {
    t = await buildTestApp({
      config: {
        realms: [
          { path: '/alpha', session: { quota: { enabled: true, limit: 1, action: 'DENY_ACCESS' } } },
          { path: '/bravo' },
        ],
      },
    });
    await loginDemo(t.app);
    expect((await demoLogin(t.app)).statusCode).toBe(401);
    // amAdmin, in the root realm, has no quota.
    for (let i = 0; i < 3; i += 1) await loginAdmin(t.app);
    const bravo = t.services.realms.byPath('/bravo');
    if (!bravo) throw new Error('no /bravo');
    await t.services.identities.create(bravo, { username: 'demo', password: DEMO_PASSWORD });
    await login(t.app, 'demo', DEMO_PASSWORD, '/realms/root/realms/bravo');
    await login(t.app, 'demo', DEMO_PASSWORD, '/realms/root/realms/bravo');
  });

  describe('50 parallel logins of one user against a limit of 5 leave exactly 5 live sessions', () => {
    for (const store of [{ kind: 'sqlite-memory' }, { kind: 'memory' }] as const) {
      for (const action of ACTIONS) {
        it(`${action} (${store.kind} store)`, async () => {
          t = await buildTestApp({
            config: { realms: [{ path: '/alpha', session: { quota: { enabled: true, limit: 5, action } } }] },
            store,
          });
          const app = t.app;
          const responses = await Promise.all(Array.from({ length: 50 }, () => demoLogin(app)));
          const ok = responses.filter((r) => r.statusCode === 200);
          const refused = responses.filter((r) => r.statusCode !== 200);
          if (action === 'DENY_ACCESS') {
            expect(ok).toHaveLength(5);
            expect(refused).toHaveLength(45);
            for (const r of refused) {
              expect(r.statusCode).toBe(401);
              expect(json(r)).toEqual(LIMIT_REACHED);
            }
          } else {
            expect(refused.map((r) => r.body)).toEqual([]);
          }
          const admin = await loginAdmin(app);
          expect(await queriedDemoSessions(app, admin)).toBe(5);
          expect(await t.services.sessions.listForUser(demoUniversalId(t))).toHaveLength(5);
          const tokens = ok.map((r) => (r.json() as { tokenId: string }).tokenId);
          const live = (await Promise.all(tokens.map((token) => valid(app, token)))).filter(Boolean);
          expect(live).toHaveLength(5);
        });
      }
    }
  });
});

/** The same over real HTTP: a listening server on SQLite on disk, 50 concurrent fetches. */
describe('50 concurrent logins against a running server (SQLite on disk)', () => {
  let server: RunningServer | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    await server?.close();
    server = undefined;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const silent = () =>
    pino(
      { level: 'silent' },
      new Writable({
        write(_chunk, _encoding, done) {
          done();
        },
      }),
    );

  for (const action of ACTIONS) {
    it(`${action}: exactly 5 live sessions`, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'anvil-quota-'));
      dirs.push(dataDir);
      const config = loadConfig({
        overrides: {
          dataDir,
          port: 0,
          'admin.password': 'admin-password',
          'authn.argon2MemoryKib': 1024,
          'authn.argon2Iterations': 1,
          'session.quota.enabled': true,
          'session.quota.limit': 5,
          'session.quota.action': action,
        },
      });
      const s = await startServer(config, { logger: silent(), announce: () => {} });
      server = s;
      const alpha = s.services.realms.byPath('/alpha');
      if (!alpha) throw new Error('no /alpha');
      await s.services.identities.create(alpha, { username: 'demo', password: DEMO_PASSWORD });

      const authenticate = (realmPath: string, username: string, password: string) =>
        fetch(`${s.url}/am/json${realmPath}/authenticate`, {
          method: 'POST',
          headers: {
            'x-openam-username': username,
            'x-openam-password': password,
            'accept-api-version': 'resource=2.1',
          },
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

      const results = await Promise.all(
        Array.from({ length: 50 }, () => authenticate('/realms/root/realms/alpha', 'demo', DEMO_PASSWORD)),
      );
      const ok = results.filter((r) => r.status === 200);
      const refused = results.filter((r) => r.status !== 200);
      if (action === 'DENY_ACCESS') {
        expect(ok).toHaveLength(5);
        expect(refused).toHaveLength(45);
        for (const r of refused) expect(r).toEqual({ status: 401, body: LIMIT_REACHED });
      } else {
        expect(refused).toEqual([]);
      }

      const admin = await authenticate('/realms/root', 'amAdmin', 'admin-password');
      expect(admin.status).toBe(200);
      const queried = await fetch(`${s.url}/am/json/realms/root/sessions?_queryFilter=${DEMO_FILTER}`, {
        headers: { iplanetdirectorypro: admin.body.tokenId as string, 'accept-api-version': V4 },
      });
      expect(queried.status).toBe(200);
      const body = (await queried.json()) as { resultCount: number; result: { username: string }[] };
      expect(body.resultCount).toBe(5);
      expect(body.result.every((i) => i.username === 'demo')).toBe(true);
      expect(await s.services.sessions.listForUser(universalIdOf('demo', alpha))).toHaveLength(5);
    });
  }
});
