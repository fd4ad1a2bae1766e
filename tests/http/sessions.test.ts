import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, loginAdmin, loginDemo, sessionAction, type TestApp } from '../helpers/app.js';
import {
  ACCESS_DENIED,
  ALPHA,
  expectCrestError,
  FORBIDDEN,
  ISO_SECONDS,
  isoSeconds,
  json,
  post,
  V2,
  V4,
} from './conformance-support.js';

const MINUTE = 60_000;

/** Spec §11, validate / getSessionInfo / refresh / logout (checklist 35–66). */
describe('/json/sessions actions', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
  });
  afterEach(() => t.close());

  const validate = (tokenId: string, version = V4, query = '') =>
    sessionAction(t.app, 'validate', { version, body: { tokenId }, query });
  const info = async (token: string, body?: unknown, version = V4) =>
    sessionAction(t.app, 'getSessionInfo', { token, version, ...(body === undefined ? {} : { body }) });

  describe('validate', () => {
    it('35: validate with a body tokenId (2.1+) → valid, sessionUid, uid, realm in that order', async () => {
      const demo = await loginDemo(t.app);
      for (const version of [
        'resource=2.1, protocol=1.0',
        'resource=3.1, protocol=1.0',
        V4,
        'resource=5.1',
      ]) {
        const response = await validate(demo, version);
        expect(response.statusCode, version).toBe(200);
        const body = json(response);
        expect(Object.keys(body), version).toEqual(['valid', 'sessionUid', 'uid', 'realm']);
        expect(body).toMatchObject({ valid: true, uid: 'demo', realm: '/alpha' });
        expect(typeof body.sessionUid).toBe('string');
        expect(body.sessionUid).not.toBe('');
      }
    });

    it('36: validate of an unknown or logged-out token → 200 exactly {"valid":false}', async () => {
      const unknown = await validate('AQIC5wM2LY4SfcxnotAtokenAAJTSQACMDE.*');
      expect(unknown.statusCode).toBe(200);
      expect(unknown.body).toBe('{"valid":false}');
      const demo = await loginDemo(t.app);
      expect((await sessionAction(t.app, 'logout', { token: demo, version: V4 })).statusCode).toBe(200);
      const dead = await validate(demo);
      expect(dead.statusCode).toBe(200);
      expect(dead.body).toBe('{"valid":false}');
    });

    it('37: validate with no body validates the header or cookie token', async () => {
      const demo = await loginDemo(t.app);
      const header = await sessionAction(t.app, 'validate', { token: demo, version: V4 });
      expect(header.statusCode).toBe(200);
      expect(json(header)).toMatchObject({ valid: true, uid: 'demo', realm: '/alpha' });
      const cookie = await post(t.app, {
        url: `${ALPHA}/sessions?_action=validate`,
        headers: { cookie: `iPlanetDirectoryPro=${demo}`, 'accept-api-version': V4 },
      });
      expect(cookie.statusCode).toBe(200);
      expect(json(cookie)).toMatchObject({ valid: true, uid: 'demo' });
      // The Postman collection: resource=1.0, token in the header, exactly four keys.
      const postman = await sessionAction(t.app, 'validate', {
        token: demo,
        version: 'resource=1.0',
        query: '&_prettyPrint=true',
      });
      expect(postman.statusCode).toBe(200);
      expect(Object.keys(json(postman)).sort()).toEqual(['realm', 'sessionUid', 'uid', 'valid']);
      expect(json(postman).valid).toBe(true);
    });

    it('38: 1.x validate with no token anywhere → 400 iPlanetDirectoryCookie not set on request', async () => {
      const response = await sessionAction(t.app, 'validate', { version: 'resource=1.0, protocol=1.0' });
      expectCrestError(response, 400, 'iPlanetDirectoryCookie not set on request');
    });

    it('39: validate needs no caller session', async () => {
      const demo = await loginDemo(t.app);
      const response = await post(t.app, {
        url: `${ALPHA}/sessions?_action=validate`,
        headers: { 'content-type': 'application/json', 'accept-api-version': V4 },
        body: { tokenId: demo },
      });
      expect(response.statusCode).toBe(200);
      expect(json(response).valid).toBe(true);
    });

    it('40: 1.2 path form /sessions/<token>?_action=validate → 200 valid, uid, realm', async () => {
      const demo = await loginDemo(t.app);
      const response = await post(t.app, {
        url: `/am/json/sessions/${demo}?_action=validate`,
        headers: { 'accept-api-version': 'resource=1.2, protocol=1.0', 'content-type': 'application/json' },
      });
      expect(response.statusCode).toBe(200);
      expect(json(response)).toMatchObject({ valid: true, uid: 'demo', realm: '/alpha' });
      // The path wins over ?tokenId=: a dead token in the path is invalid whatever the query says.
      const dead = await post(t.app, {
        url: `/am/json/sessions/AQIC5wnotatoken?_action=validate&tokenId=${demo}`,
        headers: { 'accept-api-version': 'resource=1.2, protocol=1.0' },
      });
      expect(dead.statusCode).toBe(200);
      expect(json(dead)).toEqual({ valid: false });
    });

    it('41: the path-token form at resource ≥ 2 → 501 Operation is not supported.', async () => {
      const demo = await loginDemo(t.app);
      for (const version of ['resource=2.1, protocol=1.0', V4]) {
        const response = await post(t.app, {
          url: `/am/json/sessions/${demo}?_action=validate`,
          headers: { 'accept-api-version': version, 'content-type': 'application/json' },
        });
        expectCrestError(response, 501, 'Operation is not supported.');
      }
    });

    it('42: validate moves latestAccessTime after 60 s; validate&refresh=false never does', async () => {
      const demo = await loginDemo(t.app);
      const loginTime = t.clock.now();
      t.clock.advanceSeconds(90);
      expect(json(await validate(demo, V4, '&refresh=false')).valid).toBe(true);
      expect(json(await info(demo)).latestAccessTime).toBe(isoSeconds(loginTime));
      expect(json(await validate(demo)).valid).toBe(true);
      const touched = t.clock.now();
      expect(json(await info(demo)).latestAccessTime).toBe(isoSeconds(touched));
      // Within the 60 s update frequency nothing moves.
      t.clock.advanceSeconds(30);
      await validate(demo);
      expect(json(await info(demo)).latestAccessTime).toBe(isoSeconds(touched));
      // refresh=false keeps a session idle until it expires.
      t.clock.advanceMinutes(29);
      expect(json(await validate(demo, V4, '&refresh=false')).valid).toBe(true);
      t.clock.advanceSeconds(31);
      expect(json(await validate(demo, V4, '&refresh=false'))).toEqual({ valid: false });
    });
  });

  describe('getSessionInfo / getSessionInfoAndResetIdleTime', () => {
    it("43: a user's getSessionInfo with only its own header token → the session's fields", async () => {
      const demo = await loginDemo(t.app);
      const response = await post(t.app, {
        url: `${ALPHA}/sessions?_action=getSessionInfo`,
        headers: { 'accept-api-version': V4, iplanetdirectorypro: demo },
      });
      expect(response.statusCode).toBe(200);
      const body = json(response);
      for (const key of [
        'username',
        'universalId',
        'realm',
        'latestAccessTime',
        'maxIdleExpirationTime',
        'maxSessionExpirationTime',
      ]) {
        expect(body, key).toHaveProperty(key);
      }
      expect(body).toMatchObject({ username: 'demo', realm: '/alpha' });
      expect(String(body.universalId)).toMatch(/^id=demo,ou=user,/);
    });

    it('44: the three timestamps have seconds precision and no milliseconds', async () => {
      t.clock.advance(1234); // not on a whole second
      const demo = await loginDemo(t.app);
      const body = json(await info(demo));
      expect(body.latestAccessTime).toMatch(ISO_SECONDS);
      expect(body.maxIdleExpirationTime).toMatch(ISO_SECONDS);
      expect(body.maxSessionExpirationTime).toMatch(ISO_SECONDS);
    });

    it('45: maxIdleExpirationTime − latestAccessTime is the max idle time (30 min)', async () => {
      const demo = await loginDemo(t.app);
      const body = json(await info(demo));
      const idle = Date.parse(String(body.maxIdleExpirationTime)) - Date.parse(String(body.latestAccessTime));
      expect(idle).toBe(30 * MINUTE);
    });

    it('46: maxSessionExpirationTime is login + 120 min and does not move on refresh', async () => {
      const demo = await loginDemo(t.app);
      const loginTime = t.clock.now();
      const first = json(await info(demo));
      expect(first.maxSessionExpirationTime).toBe(isoSeconds(loginTime + 120 * MINUTE));
      t.clock.advanceSeconds(90);
      expect((await sessionAction(t.app, 'refresh', { token: demo, version: V4 })).statusCode).toBe(200);
      const second = json(await info(demo));
      expect(second.maxSessionExpirationTime).toBe(first.maxSessionExpirationTime);
      // …while the idle expiry moved with the refresh.
      expect(second.maxIdleExpirationTime).toBe(isoSeconds(t.clock.now() + 30 * MINUTE));
    });

    it('47: properties from 4.0 on; sessionHandle and no properties at 2.0', async () => {
      const demo = await loginDemo(t.app);
      for (const version of [V4, 'resource=5.1, protocol=1.0']) {
        const body = json(await info(demo, undefined, version));
        expect(typeof body.properties, version).toBe('object');
        expect(body.properties).not.toBeNull();
        expect(body).not.toHaveProperty('sessionHandle');
      }
      const v2 = json(await info(demo, undefined, V2));
      expect(v2).not.toHaveProperty('properties');
      expect(String(v2.sessionHandle)).toMatch(/^shandle:/);
      expect(Object.keys(v2)).toEqual([
        'username',
        'universalId',
        'realm',
        'sessionHandle',
        'latestAccessTime',
        'maxIdleExpirationTime',
        'maxSessionExpirationTime',
      ]);
    });

    it("48: an admin's getSessionInfo with a body tokenId returns that user's session", async () => {
      const demo = await loginDemo(t.app);
      const admin = await loginAdmin(t.app);
      const response = await info(admin, { tokenId: demo });
      expect(response.statusCode).toBe(200);
      expect(json(response)).toMatchObject({ username: 'demo', realm: '/alpha' });
    });

    it("49: a user's getSessionInfo on another user's token → 403 Forbidden", async () => {
      const demo = await loginDemo(t.app);
      const admin = await loginAdmin(t.app);
      const response = await info(demo, { tokenId: admin });
      expect(response.statusCode).toBe(403);
      expect(json(response)).toEqual(FORBIDDEN);
    });

    it("50: a user's getSessionInfo on a second session of the same user → 200", async () => {
      const first = await loginDemo(t.app);
      t.clock.advanceSeconds(5);
      const second = await loginDemo(t.app);
      const response = await info(first, { tokenId: second });
      expect(response.statusCode).toBe(200);
      expect(json(response)).toMatchObject({ username: 'demo', latestAccessTime: isoSeconds(t.clock.now()) });
    });

    it('51: an admin\'s getSessionInfo on an unknown token → 200 {"valid":false}', async () => {
      const admin = await loginAdmin(t.app);
      const response = await info(admin, { tokenId: 'AQIC5wnotatoken' });
      expect(response.statusCode).toBe(200);
      expect(json(response)).toEqual({ valid: false });
    });

    it('52: getSessionInfo twice 90 s apart leaves latestAccessTime unchanged', async () => {
      const demo = await loginDemo(t.app);
      const admin = await loginAdmin(t.app);
      const first = json(await info(admin, { tokenId: demo }));
      t.clock.advanceSeconds(90);
      const second = json(await info(admin, { tokenId: demo }));
      expect(second.latestAccessTime).toBe(first.latestAccessTime);
      expect(second.maxIdleExpirationTime).toBe(first.maxIdleExpirationTime);
    });

    it('53: getSessionInfoAndResetIdleTime at 4.0 moves latestAccessTime to now after > 60 s', async () => {
      const demo = await loginDemo(t.app);
      const admin = await loginAdmin(t.app);
      t.clock.advanceSeconds(90);
      const response = await sessionAction(t.app, 'getSessionInfoAndResetIdleTime', {
        token: admin,
        version: V4,
        body: { tokenId: demo },
      });
      expect(response.statusCode).toBe(200);
      const body = json(response);
      expect(Object.keys(body)).toEqual(Object.keys(json(await info(admin, { tokenId: demo }))));
      expect(body.latestAccessTime).toBe(isoSeconds(t.clock.now()));
      expect(json(await info(admin, { tokenId: demo })).latestAccessTime).toBe(isoSeconds(t.clock.now()));
    });

    it('54: getSessionInfoAndResetIdleTime at resource 2.0 → 501', async () => {
      const demo = await loginDemo(t.app);
      const admin = await loginAdmin(t.app);
      const response = await sessionAction(t.app, 'getSessionInfoAndResetIdleTime', {
        token: admin,
        version: V2,
        body: { tokenId: demo },
      });
      expectCrestError(response, 501);
    });
  });

  describe('refresh', () => {
    const refresh = (token: string, body?: unknown) =>
      sessionAction(t.app, 'refresh', { token, version: V4, ...(body === undefined ? {} : { body }) });

    it('55: admin refresh with a body tokenId → exactly uid, realm, idletime, maxidletime, maxsessiontime, maxtime', async () => {
      const demo = await loginDemo(t.app);
      const admin = await loginAdmin(t.app);
      const response = await refresh(admin, { tokenId: demo });
      expect(response.statusCode).toBe(200);
      expect(Object.keys(json(response))).toEqual([
        'uid',
        'realm',
        'idletime',
        'maxidletime',
        'maxsessiontime',
        'maxtime',
      ]);
      expect(json(response)).toMatchObject({ uid: 'demo', realm: '/alpha' });
    });

    it('56: defaults: maxidletime 30, maxsessiontime 120 (minutes), maxtime ≤ 7200 (seconds)', async () => {
      const demo = await loginDemo(t.app);
      const admin = await loginAdmin(t.app);
      t.clock.advanceSeconds(100);
      const body = json(await refresh(admin, { tokenId: demo }));
      expect(body.maxidletime).toBe(30);
      expect(body.maxsessiontime).toBe(120);
      expect(body.maxtime).toBe(7100);
    });

    it('57: a refresh > 60 s after the previous access returns idletime 0', async () => {
      const demo = await loginDemo(t.app);
      const admin = await loginAdmin(t.app);
      t.clock.advanceSeconds(61);
      expect(json(await refresh(admin, { tokenId: demo })).idletime).toBe(0);
    });

    it('58: a second refresh 10 s after the first returns idletime 10 (60 s update frequency)', async () => {
      const demo = await loginDemo(t.app);
      const admin = await loginAdmin(t.app);
      t.clock.advanceSeconds(70);
      expect(json(await refresh(admin, { tokenId: demo })).idletime).toBe(0);
      t.clock.advanceSeconds(10);
      expect(json(await refresh(admin, { tokenId: demo })).idletime).toBe(10);
    });

    it('59: refresh of an unknown token → 200 {"valid":false}', async () => {
      const admin = await loginAdmin(t.app);
      const response = await refresh(admin, { tokenId: 'AQIC5wM2LY4Sfczunknown.*AAJTSQACMDE.*' });
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe('{"valid":false}');
    });

    it("60: a user may refresh its own session (200) but not another user's (403)", async () => {
      const demo = await loginDemo(t.app);
      const admin = await loginAdmin(t.app);
      const own = await refresh(demo);
      expect(own.statusCode).toBe(200);
      expect(json(own)).toMatchObject({ uid: 'demo', realm: '/alpha' });
      const ownByBody = await refresh(demo, { tokenId: demo });
      expect(ownByBody.statusCode).toBe(200);
      const other = await refresh(demo, { tokenId: admin });
      expect(other.statusCode).toBe(403);
      expect(json(other)).toEqual(FORBIDDEN);
    });
  });

  describe('logout', () => {
    it("61: logout with the user's header token → 200 Successfully logged out", async () => {
      const demo = await loginDemo(t.app);
      const response = await sessionAction(t.app, 'logout', { token: demo, version: V4 });
      expect(response.statusCode).toBe(200);
      expect(json(response)).toEqual({ result: 'Successfully logged out' });
    });

    it('62: after logout, getSessionInfo and a second logout answer 401 Access Denied', async () => {
      const demo = await loginDemo(t.app);
      expect((await sessionAction(t.app, 'logout', { token: demo, version: V4 })).statusCode).toBe(200);
      for (const action of ['getSessionInfo', 'logout']) {
        const response = await sessionAction(t.app, action, { token: demo, version: V4 });
        expect(response.statusCode, action).toBe(401);
        expect(json(response), action).toEqual(ACCESS_DENIED);
      }
    });

    it('62: after logout, users?_action=idFromSession answers 401 Access Denied', async () => {
      const demo = await loginDemo(t.app);
      const before = await post(t.app, {
        url: '/am/json/realms/root/realms/alpha/users?_action=idFromSession',
        headers: { 'accept-api-version': 'protocol=1.0,resource=2.0', iplanetdirectorypro: demo },
      });
      expect(before.statusCode, before.body).toBe(200);
      expect((await sessionAction(t.app, 'logout', { token: demo, version: V4 })).statusCode).toBe(200);
      for (const url of [
        '/am/json/users?_action=idFromSession',
        '/am/json/realms/root/realms/alpha/users?_action=idFromSession',
      ]) {
        const response = await post(t.app, {
          url,
          headers: { 'accept-api-version': 'protocol=1.0,resource=2.0', iplanetdirectorypro: demo },
        });
        expect(response.statusCode, `${url}: ${response.body}`).toBe(401);
        expect(json(response)).toEqual(ACCESS_DENIED);
      }
    });

    it('63: JS SDK logout (resource 2.0, cookie, no body, no content type) → 200 and the session is gone', async () => {
      const demo = await loginDemo(t.app);
      const response = await post(t.app, {
        url: `${ALPHA}/sessions/?_action=logout`,
        headers: {
          'accept-api-version': 'protocol=1.0,resource=2.0',
          'x-requested-with': 'forgerock-sdk',
          cookie: `iPlanetDirectoryPro=${demo}`,
        },
      });
      expect(response.statusCode).toBe(200);
      expect(json(response)).toEqual({ result: 'Successfully logged out' });
      expect(json(await validate(demo))).toEqual({ valid: false });
    });

    it("64: admin logout of another session via body tokenId → 200; the target is gone, the admin's session stays", async () => {
      const demo = await loginDemo(t.app);
      const admin = await loginAdmin(t.app);
      for (const version of ['resource=3.1, protocol=1.0', V4, 'resource=5.1, protocol=1.0']) {
        const target = await loginDemo(t.app);
        const response = await sessionAction(t.app, 'logout', {
          token: admin,
          version,
          body: { tokenId: target },
        });
        expect(response.statusCode, version).toBe(200);
        expect(json(response)).toEqual({ result: 'Successfully logged out' });
        expect(json(await validate(target))).toEqual({ valid: false });
        expect(json(await validate(admin)).valid).toBe(true);
      }
      expect(json(await validate(demo)).valid).toBe(true);
    });

    it('65: admin logout naming an already dead token → 200 Token has expired', async () => {
      const demo = await loginDemo(t.app);
      const admin = await loginAdmin(t.app);
      expect((await sessionAction(t.app, 'logout', { token: demo, version: V4 })).statusCode).toBe(200);
      const response = await sessionAction(t.app, 'logout', {
        token: admin,
        version: V4,
        body: { tokenId: demo },
      });
      expect(response.statusCode).toBe(200);
      expect(json(response)).toEqual({ result: 'Token has expired' });
      expect(json(await validate(admin)).valid).toBe(true);
    });

    it('66: logout with ?tokenId=<valid> but no caller → 401, and the session survives', async () => {
      const demo = await loginDemo(t.app);
      const response = await sessionAction(t.app, 'logout', {
        version: V2,
        query: `&tokenId=${demo}`,
        body: {},
      });
      expect(response.statusCode).toBe(401);
      expect(json(response)).toEqual(ACCESS_DENIED);
      expect(json(await validate(demo)).valid).toBe(true);
    });
  });
});

describe('logout with a post-logout URL configured', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp({ config: { session: { postLogoutUrl: 'https://example.com/goodbye' } } });
  });
  afterEach(() => t.close());

  it('67: the logout body also has goto', async () => {
    const token = await loginDemo(t.app);
    const response = await sessionAction(t.app, 'logout', { token, version: 'resource=4.0' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      result: 'Successfully logged out',
      goto: 'https://example.com/goodbye',
    });
  });
});
