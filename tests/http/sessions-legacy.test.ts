import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, loginAdmin, loginDemo, sessionAction, type TestApp } from '../helpers/app.js';
import { expectCrestError, FORBIDDEN, json, post, V1, V2, V4, V5 } from './conformance-support.js';

/** Spec §4.3, §8 items 7–10 and §11, "1.x timer actions" (checklist 77–81). */

const UNKNOWN = 'AQIC5wM2LY4Sfczunknown.*AAJTSQACMDE.*';
const V12 = 'resource=1.2, protocol=1.0';
const V21 = 'resource=2.1, protocol=1.0';
const V31 = 'resource=3.1, protocol=1.0';

const TIMERS = ['getIdle', 'getMaxIdle', 'getMaxSessionTime', 'getTimeLeft', 'getMaxTime'] as const;
const KEYS: Record<(typeof TIMERS)[number], string> = {
  getIdle: 'idletime',
  getMaxIdle: 'maxidletime',
  getMaxSessionTime: 'maxsessiontime',
  getTimeLeft: 'maxtime',
  getMaxTime: 'maxtime',
};

describe('1.x timer actions', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
  });
  afterEach(() => t.close());

  /** A 1.x collection action; `target` goes into `?tokenId=`. */
  const legacy = (action: string, token: string, target?: string, query = '') =>
    sessionAction(t.app, action, {
      token,
      version: V1,
      query: `${target === undefined ? '' : `&tokenId=${target}`}${query}`,
    });
  const idle = async (admin: string, target: string) => json(await legacy('getIdle', admin, target)).idletime;

  it('77: 1.x getTimeLeft on the caller\'s own session → {"maxtime":n}, 0 < n ≤ 7200', async () => {
    const demo = await loginDemo(t.app);
    t.clock.advanceSeconds(1);
    const response = await legacy('getTimeLeft', demo);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-api-version']).toBe('protocol=1.0,resource=1.2');
    const body = json(response);
    expect(Object.keys(body)).toEqual(['maxtime']);
    expect(body.maxtime).toBeGreaterThan(0);
    expect(body.maxtime).toBeLessThanOrEqual(7200);
    expect(body.maxtime).toBe(7199);
  });

  it('78: 1.x getMaxIdle on own session → {"maxidletime":30}; admin getMaxSessionTime → {"maxsessiontime":120}', async () => {
    const demo = await loginDemo(t.app);
    const own = await legacy('getMaxIdle', demo);
    expect(own.statusCode).toBe(200);
    expect(json(own)).toEqual({ maxidletime: 30 });
    const admin = await loginAdmin(t.app);
    const max = await legacy('getMaxSessionTime', admin, demo);
    expect(max.statusCode).toBe(200);
    expect(json(max)).toEqual({ maxsessiontime: 120 });
  });

  it('79: 1.x admin getIdle&tokenId=<t> → {"idletime":n} seconds; unknown → {"idletime":-1}', async () => {
    const demo = await loginDemo(t.app);
    const admin = await loginAdmin(t.app);
    t.clock.advanceSeconds(42);
    const response = await legacy('getIdle', admin, demo);
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({ idletime: 42 });
    const unknown = await legacy('getIdle', admin, UNKNOWN);
    expect(unknown.statusCode).toBe(200);
    expect(json(unknown)).toEqual({ idletime: -1 });
  });

  it('80: 1.x admin isActive&tokenId=<valid> → true; unknown → false; &refresh=true resets the idle time', async () => {
    const demo = await loginDemo(t.app);
    const admin = await loginAdmin(t.app);
    const active = await legacy('isActive', admin, demo);
    expect(active.statusCode).toBe(200);
    expect(active.body).toBe('{"active":true}');
    const unknown = await legacy('isActive', admin, UNKNOWN);
    expect(unknown.statusCode).toBe(200);
    expect(unknown.body).toBe('{"active":false}');
    t.clock.advanceSeconds(120);
    expect(await idle(admin, demo)).toBe(120);
    expect(json(await legacy('isActive', admin, demo, '&refresh=true'))).toEqual({ active: true });
    expect(await idle(admin, demo)).toBe(0);
  });

  it('81: 1.x user getIdle or isActive → 403 (admin only)', async () => {
    const demo = await loginDemo(t.app);
    for (const action of ['getIdle', 'isActive', 'getMaxSessionTime', 'getMaxTime']) {
      const response = await legacy(action, demo);
      expect(response.statusCode, action).toBe(403);
      expect(json(response), action).toEqual(FORBIDDEN);
    }
  });

  it('isActive&refresh=true resets idle only when the last update is older than 60 s', async () => {
    const demo = await loginDemo(t.app);
    const admin = await loginAdmin(t.app);
    t.clock.advanceSeconds(30);
    await legacy('isActive', admin, demo, '&refresh=true');
    expect(await idle(admin, demo)).toBe(30);
    t.clock.advanceSeconds(30);
    await legacy('isActive', admin, demo, '&refresh=true');
    expect(await idle(admin, demo)).toBe(60);
    t.clock.advanceSeconds(1);
    await legacy('isActive', admin, demo, '&refresh=TRUE');
    expect(await idle(admin, demo)).toBe(0);
    // The next window starts from that update.
    t.clock.advanceSeconds(10);
    await legacy('isActive', admin, demo, '&refresh=true');
    expect(await idle(admin, demo)).toBe(10);
  });

  it('no other timer action (nor isActive without refresh=true) resets the idle time', async () => {
    const demo = await loginDemo(t.app);
    const admin = await loginAdmin(t.app);
    t.clock.advanceSeconds(90);
    for (const action of TIMERS) await legacy(action, admin, demo);
    await legacy('isActive', admin, demo);
    await legacy('isActive', admin, demo, '&refresh=false');
    for (const action of ['getMaxIdle', 'getTimeLeft']) await legacy(action, demo);
    expect(await idle(admin, demo)).toBe(90);
  });

  it('-1 for every timer action on an unknown, logged-out or expired target (admin)', async () => {
    const demo = await loginDemo(t.app);
    const admin = await loginAdmin(t.app);
    await sessionAction(t.app, 'logout', { token: demo, version: V4 });
    for (const target of [UNKNOWN, demo, 'garbage']) {
      for (const action of TIMERS) {
        const response = await legacy(action, admin, target);
        expect(response.statusCode, `${action} ${target}`).toBe(200);
        expect(json(response), `${action} ${target}`).toEqual({ [KEYS[action]]: -1 });
      }
    }
    const expired = await loginDemo(t.app);
    t.clock.advanceMinutes(31);
    const fresh = await loginAdmin(t.app);
    expect(json(await legacy('getTimeLeft', fresh, expired))).toEqual({ maxtime: -1 });
    expect(json(await legacy('isActive', fresh, expired, '&refresh=true'))).toEqual({ active: false });
  });

  it('getTimeLeft decreases as the clock moves; getMaxTime is the same number', async () => {
    const demo = await loginDemo(t.app);
    const admin = await loginAdmin(t.app);
    expect(json(await legacy('getTimeLeft', demo))).toEqual({ maxtime: 7200 });
    t.clock.advanceSeconds(25 * 60);
    expect(json(await legacy('getTimeLeft', demo))).toEqual({ maxtime: 7200 - 1500 });
    expect(json(await legacy('getMaxTime', admin, demo))).toEqual({ maxtime: 7200 - 1500 });
    // Activity does not extend the max session time.
    await legacy('isActive', admin, demo, '&refresh=true');
    t.clock.advanceSeconds(100);
    expect(json(await legacy('getTimeLeft', demo))).toEqual({ maxtime: 7200 - 1600 });
    expect(json(await legacy('getMaxTime', admin, demo))).toEqual({ maxtime: 7200 - 1600 });
  });

  it("owner actions: a user's other session → 200, another user's → 403; admins may ask about anyone", async () => {
    const demo = await loginDemo(t.app);
    const second = await loginDemo(t.app);
    const admin = await loginAdmin(t.app);
    expect(json(await legacy('getMaxIdle', demo, second))).toEqual({ maxidletime: 30 });
    for (const action of ['getMaxIdle', 'getTimeLeft']) {
      const other = await legacy(action, demo, admin);
      expect(other.statusCode, action).toBe(403);
      expect(json(other), action).toEqual(FORBIDDEN);
      const dead = await legacy(action, demo, UNKNOWN);
      expect(dead.statusCode, action).toBe(403);
      expect((await legacy(action, admin, demo)).statusCode, action).toBe(200);
    }
  });

  it('the instance form POST …/sessions/<token>?_action=getIdle takes the target from the path', async () => {
    const demo = await loginDemo(t.app);
    t.clock.advanceSeconds(15);
    const admin = await loginAdmin(t.app);
    const headers = { 'accept-api-version': V12, iplanetdirectorypro: admin };
    const response = await post(t.app, { url: `/am/json/sessions/${demo}?_action=getIdle`, headers });
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({ idletime: 15 });
    // The path wins over ?tokenId=.
    const both = await post(t.app, {
      url: `/am/json/sessions/${demo}?_action=getIdle&tokenId=${admin}`,
      headers,
    });
    expect(json(both)).toEqual({ idletime: 15 });
    const isActive = await post(t.app, { url: `/am/json/sessions/${UNKNOWN}?_action=isActive`, headers });
    expect(json(isActive)).toEqual({ active: false });
    // A user's own session through the path.
    const own = await post(t.app, {
      url: `/am/json/realms/root/realms/alpha/sessions/${demo}?_action=getMaxIdle`,
      headers: { 'accept-api-version': V1, iplanetdirectorypro: demo },
    });
    expect(json(own)).toEqual({ maxidletime: 30 });
    // The instance form at resource 2.x and later is not supported at all.
    const v4 = await post(t.app, {
      url: `/am/json/sessions/${demo}?_action=getIdle`,
      headers: { 'accept-api-version': V4, iplanetdirectorypro: admin },
    });
    expectCrestError(v4, 501, 'Operation is not supported.');
  });

  it('the target falls back to the cookie, then the header, when there is no ?tokenId=', async () => {
    const demo = await loginDemo(t.app);
    t.clock.advanceSeconds(5);
    const admin = await loginAdmin(t.app);
    // Caller = admin (cookie); target = the cookie too, since nothing else names one.
    const viaCookie = await post(t.app, {
      url: '/am/json/sessions?_action=getIdle',
      headers: { 'accept-api-version': V1, cookie: `iPlanetDirectoryPro=${admin}` },
    });
    expect(json(viaCookie)).toEqual({ idletime: 0 });
    const viaHeader = await legacy('getMaxIdle', demo);
    expect(json(viaHeader)).toEqual({ maxidletime: 30 });
  });

  it('1.x timer actions at resource 2.0 and later → 501', async () => {
    const admin = await loginAdmin(t.app);
    const demo = await loginDemo(t.app);
    for (const version of [V2, V21, V31, V4, V5]) {
      for (const action of ['isActive', ...TIMERS]) {
        const response = await sessionAction(t.app, action, {
          token: admin,
          version,
          body: { tokenId: demo },
        });
        expectCrestError(response, 501, `Action ${action} not implemented for this resource`);
      }
    }
  });

  it('action names are case-insensitive; refresh given twice → 400', async () => {
    const demo = await loginDemo(t.app);
    const admin = await loginAdmin(t.app);
    expect(json(await legacy('GETMAXSESSIONTIME', admin, demo))).toEqual({ maxsessiontime: 120 });
    expect(json(await legacy('istimeleft', admin, demo)).code).toBe(501);
    expectCrestError(await legacy('isActive', admin, demo, '&refresh=true&refresh=true'), 400);
  });
});

describe('1.x timer actions with realm timeouts', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp({
      config: {
        realms: [
          { path: '/alpha', session: { maxIdleMinutes: 10, maxSessionMinutes: 60 } },
          { path: '/bravo' },
        ],
      },
    });
  });
  afterEach(() => t.close());

  it("answers the target's own limits", async () => {
    const demo = await loginDemo(t.app);
    const admin = await loginAdmin(t.app);
    const ask = (action: string, token: string, target: string) =>
      sessionAction(t.app, action, { token, version: V1, query: `&tokenId=${target}` }).then(json);
    expect(await ask('getMaxIdle', demo, demo)).toEqual({ maxidletime: 10 });
    expect(await ask('getMaxSessionTime', admin, demo)).toEqual({ maxsessiontime: 60 });
    expect(await ask('getTimeLeft', admin, demo)).toEqual({ maxtime: 3600 });
    expect(await ask('getMaxSessionTime', admin, admin)).toEqual({ maxsessiontime: 120 });
  });
});
