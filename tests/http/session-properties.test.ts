import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, loginAdmin, loginDemo, sessionAction, type TestApp } from '../helpers/app.js';
import { expectCrestError, FORBIDDEN, json, post, V1, V2, V4, V5 } from './conformance-support.js';

/** Spec §4.8 and §11, "Session properties" (checklist 68–76). */

const UNKNOWN = 'AQIC5wM2LY4Sfczunknown.*AAJTSQACMDE.*';
const V12 = 'resource=1.2, protocol=1.0';
const V21 = 'resource=2.1, protocol=1.0';
const V31 = 'resource=3.1, protocol=1.0';

describe('session properties (2.0+): getSessionProperties, updateSessionProperties', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp({ config: { session: { allowlist: ['LoginLocation', 'Colour'] } } });
  });
  afterEach(() => t.close());

  const getProps = (token: string, body?: unknown, version = V4) =>
    sessionAction(t.app, 'getSessionProperties', { token, version, ...(body === undefined ? {} : { body }) });
  const update = (token: string, body?: unknown, version = V4) =>
    sessionAction(t.app, 'updateSessionProperties', {
      token,
      version,
      ...(body === undefined ? {} : { body }),
    });

  it('68: getSessionProperties on the caller\'s session → every allow-listed name, unset ones ""', async () => {
    const demo = await loginDemo(t.app);
    for (const version of [V2, V21, V31, V4, V5]) {
      const response = await getProps(demo, undefined, version);
      expect(response.statusCode, version).toBe(200);
      expect(json(response), version).toEqual({ LoginLocation: '', Colour: '' });
    }
  });

  it('69: updateSessionProperties {"LoginLocation":"x"} → 200 full map with the new value (subsets accepted)', async () => {
    const demo = await loginDemo(t.app);
    const response = await update(demo, { LoginLocation: 'x' });
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({ LoginLocation: 'x', Colour: '' });
    expect(Object.keys(json(response))).toEqual(['LoginLocation', 'Colour']);
    // The whole allow list at once works too (what OpenAM required).
    const both = await update(demo, { LoginLocation: 'y', Colour: 'blue' });
    expect(both.statusCode).toBe(200);
    expect(json(both)).toEqual({ LoginLocation: 'y', Colour: 'blue' });
  });

  it('70: updateSessionProperties {"AuthLevel":"5"} → 403 Forbidden', async () => {
    const demo = await loginDemo(t.app);
    const response = await update(demo, { AuthLevel: '5' });
    expect(response.statusCode).toBe(403);
    expect(json(response)).toEqual(FORBIDDEN);
  });

  it('71: updateSessionProperties with {} or no body → 400', async () => {
    const demo = await loginDemo(t.app);
    expectCrestError(await update(demo, {}), 400);
    expectCrestError(await update(demo), 400);
    // A body holding only the target has nothing to update either.
    expectCrestError(await update(demo, { tokenId: demo }), 400);
  });

  it('a non-string value, a non-string tokenId or a non-object body → 400 with a message', async () => {
    const demo = await loginDemo(t.app);
    const number = expectCrestError(await update(demo, { LoginLocation: 5 }), 400);
    expect(number.message).toContain('LoginLocation');
    expectCrestError(await update(demo, { LoginLocation: null }), 400);
    expectCrestError(await update(demo, { LoginLocation: { nested: 'x' } }), 400);
    expectCrestError(await update(demo, { tokenId: 42, LoginLocation: 'x' }), 400);
    expectCrestError(await update(demo, ['LoginLocation']), 400);
    // Nothing was written.
    expect(json(await getProps(demo))).toEqual({ LoginLocation: '', Colour: '' });
  });

  it('a name that is not allow-listed → 403, and nothing of the request is written', async () => {
    const demo = await loginDemo(t.app);
    const response = await update(demo, { LoginLocation: 'x', Unlisted: 'y' });
    expect(response.statusCode).toBe(403);
    expect(json(response)).toEqual(FORBIDDEN);
    expect(json(await getProps(demo))).toEqual({ LoginLocation: '', Colour: '' });
  });

  it('values are stored: getSessionProperties and getSessionInfo read them back', async () => {
    const demo = await loginDemo(t.app);
    const second = await loginDemo(t.app);
    await update(demo, { Colour: 'red' });
    expect(json(await getProps(demo))).toEqual({ LoginLocation: '', Colour: 'red' });
    // Another session of the same user is not changed.
    expect(json(await getProps(second))).toEqual({ LoginLocation: '', Colour: '' });
    // A user may address its own other session through the body.
    const viaBody = await update(demo, { tokenId: second, LoginLocation: 'there' });
    expect(viaBody.statusCode).toBe(200);
    expect(json(await getProps(second))).toEqual({ LoginLocation: 'there', Colour: '' });
    // An empty string clears a value.
    await update(demo, { Colour: '' });
    expect(json(await getProps(demo))).toEqual({ LoginLocation: '', Colour: '' });
  });

  it('does not count as activity on the target', async () => {
    const demo = await loginDemo(t.app);
    const admin = await loginAdmin(t.app);
    const before = json(
      await sessionAction(t.app, 'getSessionInfo', { token: admin, body: { tokenId: demo } }),
    );
    t.clock.advanceSeconds(90);
    await update(admin, { tokenId: demo, LoginLocation: 'x' });
    await getProps(admin, { tokenId: demo });
    const after = json(
      await sessionAction(t.app, 'getSessionInfo', { token: admin, body: { tokenId: demo } }),
    );
    expect(after.latestAccessTime).toBe(before.latestAccessTime);
  });

  it("a user updating or reading another user's session → 403", async () => {
    const demo = await loginDemo(t.app);
    const admin = await loginAdmin(t.app);
    const write = await update(demo, { tokenId: admin, LoginLocation: 'x' });
    expect(write.statusCode).toBe(403);
    expect(json(write)).toEqual(FORBIDDEN);
    const read = await getProps(demo, { tokenId: admin });
    expect(read.statusCode).toBe(403);
    expect(json(read)).toEqual(FORBIDDEN);
    // A non-admin naming a dead target is stopped by the owner check too.
    expect((await update(demo, { tokenId: UNKNOWN, LoginLocation: 'x' })).statusCode).toBe(403);
  });

  it("an admin updates a user's session through the body tokenId (and ?tokenId= at 2.x)", async () => {
    const demo = await loginDemo(t.app);
    const admin = await loginAdmin(t.app);
    const response = await update(admin, { tokenId: demo, LoginLocation: 'admin-set' });
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({ LoginLocation: 'admin-set', Colour: '' });
    expect(json(await getProps(demo))).toEqual({ LoginLocation: 'admin-set', Colour: '' });
    // The admin's own session is untouched.
    expect(json(await getProps(admin))).toEqual({ LoginLocation: '', Colour: '' });
    // The XUI style: ?tokenId= with a body of properties only.
    const xui = await sessionAction(t.app, 'updateSessionProperties', {
      token: admin,
      version: V2,
      query: `&tokenId=${demo}`,
      body: { Colour: 'green' },
    });
    expect(xui.statusCode).toBe(200);
    expect(json(await getProps(demo))).toEqual({ LoginLocation: 'admin-set', Colour: 'green' });
  });

  it('an invalid target for an admin → 400 on both actions', async () => {
    const admin = await loginAdmin(t.app);
    expectCrestError(await getProps(admin, { tokenId: UNKNOWN }), 400);
    expectCrestError(await update(admin, { tokenId: UNKNOWN, LoginLocation: 'x' }), 400);
    const demo = await loginDemo(t.app);
    await sessionAction(t.app, 'logout', { token: demo, version: V4 });
    expectCrestError(await update(admin, { tokenId: demo, LoginLocation: 'x' }), 400);
  });

  it('2.x property actions at resource 1.x → 501; the action name is case-insensitive', async () => {
    const demo = await loginDemo(t.app);
    for (const action of ['getSessionProperties', 'updateSessionProperties']) {
      const response = await sessionAction(t.app, action, {
        token: demo,
        version: V1,
        body: { LoginLocation: 'x' },
      });
      expectCrestError(response, 501, `Action ${action} not implemented for this resource`);
    }
    await sessionAction(t.app, 'UpdateSessionProperties', {
      token: demo,
      version: V4,
      body: { LoginLocation: 'x' },
    });
    const upper = await sessionAction(t.app, 'GETSESSIONPROPERTIES', { token: demo, version: V4 });
    expect(upper.statusCode).toBe(200);
    expect(json(upper)).toEqual({ LoginLocation: 'x', Colour: '' });
  });
});

describe('protected properties', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp({
      config: {
        session: { allowlist: ['LoginLocation', 'AuthLevel', 'AMCtxId', 'am.protected.x', 'AM.Protected.Y'] },
      },
    });
  });
  afterEach(() => t.close());

  it('AuthLevel, AMCtxId and am.protected… names → 403 even when allow-listed', async () => {
    const demo = await loginDemo(t.app);
    const admin = await loginAdmin(t.app);
    for (const name of ['AuthLevel', 'AMCtxId', 'am.protected.x', 'AM.Protected.Y']) {
      for (const caller of [demo, admin]) {
        const body = caller === demo ? { [name]: 'v' } : { tokenId: demo, [name]: 'v' };
        const response = await sessionAction(t.app, 'updateSessionProperties', {
          token: caller,
          version: V4,
          body,
        });
        expect(response.statusCode, name).toBe(403);
        expect(json(response), name).toEqual(FORBIDDEN);
      }
      // 1.x too.
      const set = await sessionAction(t.app, 'setProperty', {
        token: demo,
        version: V1,
        body: { [name]: 'v' },
      });
      expect(set.statusCode, name).toBe(403);
      const get = await sessionAction(t.app, 'getProperty', {
        token: demo,
        version: V1,
        body: { properties: [name] },
      });
      expect(get.statusCode, name).toBe(403);
      const del = await sessionAction(t.app, 'deleteProperty', {
        token: demo,
        version: V1,
        body: { properties: [name] },
      });
      expect(del.statusCode, name).toBe(403);
    }
    // The audit id is still what login set.
    const info = json(await sessionAction(t.app, 'validate', { version: V4, body: { tokenId: demo } }));
    expect(info.sessionUid).not.toBe('v');
  });
});

describe('allow lists are per realm', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp({
      config: { realms: [{ path: '/alpha', session: { allowlist: ['LoginLocation'] } }, { path: '/bravo' }] },
    });
  });
  afterEach(() => t.close());

  it("the target's realm decides: /alpha has LoginLocation, the root has nothing", async () => {
    const demo = await loginDemo(t.app);
    const admin = await loginAdmin(t.app);
    expect(json(await sessionAction(t.app, 'getSessionProperties', { token: demo, version: V4 }))).toEqual({
      LoginLocation: '',
    });
    expect(json(await sessionAction(t.app, 'getSessionProperties', { token: admin, version: V4 }))).toEqual(
      {},
    );
    const own = await sessionAction(t.app, 'updateSessionProperties', {
      token: admin,
      version: V4,
      body: { LoginLocation: 'x' },
    });
    expect(own.statusCode).toBe(403);
    // The admin, at the root URL, on demo's /alpha session: /alpha's list applies.
    const other = await sessionAction(t.app, 'updateSessionProperties', {
      token: admin,
      version: V4,
      realmPath: '/realms/root',
      body: { tokenId: demo, LoginLocation: 'x' },
    });
    expect(other.statusCode).toBe(200);
    expect(json(other)).toEqual({ LoginLocation: 'x' });
  });

  it("getPropertyNames lists the URL realm's allow list", async () => {
    const admin = await loginAdmin(t.app);
    const alpha = await sessionAction(t.app, 'getPropertyNames', { token: admin, version: V1 });
    expect(json(alpha)).toEqual({ properties: ['LoginLocation'] });
    const root = await sessionAction(t.app, 'getPropertyNames', {
      token: admin,
      version: V1,
      realmPath: '/realms/root',
    });
    expect(json(root)).toEqual({ properties: [] });
  });
});

describe('1.x property actions: getPropertyNames, getProperty, setProperty, deleteProperty', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp({ config: { session: { allowlist: ['LoginLocation', 'Colour'] } } });
  });
  afterEach(() => t.close());

  const legacy = (action: string, token: string, body?: unknown, query = '') =>
    sessionAction(t.app, action, { token, version: V1, query, ...(body === undefined ? {} : { body }) });

  it('72: 1.x getPropertyNames → {"properties":[…allow list…]}', async () => {
    const demo = await loginDemo(t.app);
    const response = await legacy('getPropertyNames', demo);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-api-version']).toBe('protocol=1.0,resource=1.2');
    expect(json(response)).toEqual({ properties: ['LoginLocation', 'Colour'] });
  });

  it('73: 1.x setProperty {"LoginLocation":"x"} → {"success":true}; getProperty reads it back', async () => {
    const demo = await loginDemo(t.app);
    const set = await legacy('setProperty', demo, { LoginLocation: 'x' });
    expect(set.statusCode).toBe(200);
    expect(json(set)).toEqual({ success: true });
    const get = await legacy('getProperty', demo, { properties: ['LoginLocation'] });
    expect(get.statusCode).toBe(200);
    expect(json(get)).toEqual({ LoginLocation: 'x' });
    // The 2.x view sees the same value.
    expect(json(await sessionAction(t.app, 'getSessionProperties', { token: demo, version: V4 }))).toEqual({
      LoginLocation: 'x',
      Colour: '',
    });
  });

  it('74: 1.x getProperty {"properties":["AuthLevel"]} by a user → 403', async () => {
    const demo = await loginDemo(t.app);
    const response = await legacy('getProperty', demo, { properties: ['AuthLevel'] });
    expect(response.statusCode).toBe(403);
    expect(json(response)).toEqual(FORBIDDEN);
    // One forbidden name spoils the whole request.
    expect(
      (await legacy('getProperty', demo, { properties: ['LoginLocation', 'Unlisted'] })).statusCode,
    ).toBe(403);
  });

  it('75: 1.x deleteProperty {"properties":["LoginLocation"]} → {"success":true}; the value reads ""', async () => {
    const demo = await loginDemo(t.app);
    await legacy('setProperty', demo, { LoginLocation: 'x', Colour: 'red' });
    const response = await legacy('deleteProperty', demo, { properties: ['LoginLocation'] });
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({ success: true });
    expect(json(await legacy('getProperty', demo, { properties: ['LoginLocation'] }))).toEqual({
      LoginLocation: '',
    });
    expect(json(await legacy('getProperty', demo))).toEqual({ LoginLocation: '', Colour: 'red' });
  });

  it('76: 1.x setProperty with {} → 400', async () => {
    const demo = await loginDemo(t.app);
    expectCrestError(await legacy('setProperty', demo, {}), 400);
    expectCrestError(await legacy('setProperty', demo), 400);
    expectCrestError(await legacy('setProperty', demo, { LoginLocation: 1 }), 400);
  });

  it('getProperty with no body → every allow-listed property; an empty list → {}', async () => {
    const demo = await loginDemo(t.app);
    await legacy('setProperty', demo, { Colour: 'red' });
    const all = await legacy('getProperty', demo);
    expect(all.statusCode).toBe(200);
    expect(json(all)).toEqual({ LoginLocation: '', Colour: 'red' });
    expect(json(await legacy('getProperty', demo, {}))).toEqual({ LoginLocation: '', Colour: 'red' });
    expect(json(await legacy('getProperty', demo, { properties: [] }))).toEqual({});
    expectCrestError(await legacy('getProperty', demo, { properties: 'Colour' }), 400);
  });

  it('setProperty and deleteProperty refuse names not allow-listed (403) and a missing properties list (400)', async () => {
    const demo = await loginDemo(t.app);
    const set = await legacy('setProperty', demo, { Unlisted: 'x' });
    expect(set.statusCode).toBe(403);
    expect(json(set)).toEqual(FORBIDDEN);
    const del = await legacy('deleteProperty', demo, { properties: ['Unlisted'] });
    expect(del.statusCode).toBe(403);
    expect(json(del)).toEqual(FORBIDDEN);
    expectCrestError(await legacy('deleteProperty', demo, {}), 400);
    expectCrestError(await legacy('deleteProperty', demo), 400);
    expectCrestError(await legacy('deleteProperty', demo, { properties: [1] }), 400);
  });

  it('an unreadable target: {"success":false} for an admin, 403 for a user', async () => {
    const admin = await loginAdmin(t.app);
    const demo = await loginDemo(t.app);
    const q = `&tokenId=${UNKNOWN}`;
    expect(json(await legacy('setProperty', admin, { LoginLocation: 'x' }, q))).toEqual({ success: false });
    expect(json(await legacy('deleteProperty', admin, { properties: ['LoginLocation'] }, q))).toEqual({
      success: false,
    });
    expect(json(await legacy('getProperty', admin, undefined, q))).toEqual({});
    for (const action of ['setProperty', 'deleteProperty', 'getProperty', 'getPropertyNames']) {
      const response = await legacy(action, demo, { properties: ['LoginLocation'] }, q);
      expect(response.statusCode, action).toBe(403);
      expect(json(response), action).toEqual(FORBIDDEN);
    }
  });

  it("an admin sets a user's property through ?tokenId=; a user may not touch another user's", async () => {
    const admin = await loginAdmin(t.app);
    const demo = await loginDemo(t.app);
    const set = await legacy('setProperty', admin, { LoginLocation: 'by-admin' }, `&tokenId=${demo}`);
    expect(json(set)).toEqual({ success: true });
    expect(json(await legacy('getProperty', demo))).toEqual({ LoginLocation: 'by-admin', Colour: '' });
    const other = await legacy('setProperty', demo, { LoginLocation: 'x' }, `&tokenId=${admin}`);
    expect(other.statusCode).toBe(403);
    expect(json(other)).toEqual(FORBIDDEN);
  });

  it('the instance form takes the target from the path', async () => {
    const admin = await loginAdmin(t.app);
    const demo = await loginDemo(t.app);
    const headers = {
      'accept-api-version': V12,
      'content-type': 'application/json',
      iplanetdirectorypro: admin,
    };
    const set = await post(t.app, {
      url: `/am/json/sessions/${demo}?_action=setProperty`,
      headers,
      body: { Colour: 'path' },
    });
    expect(set.statusCode).toBe(200);
    expect(json(set)).toEqual({ success: true });
    const get = await post(t.app, { url: `/am/json/sessions/${demo}?_action=getProperty`, headers });
    expect(json(get)).toEqual({ LoginLocation: '', Colour: 'path' });
    // The admin's own session (the header) was not the target.
    expect(json(await legacy('getProperty', admin))).toEqual({ LoginLocation: '', Colour: '' });
  });

  it('1.x property actions at resource 2.1 and later → 501', async () => {
    const admin = await loginAdmin(t.app);
    for (const version of [V2, V21, V31, V4, V5]) {
      for (const action of ['getPropertyNames', 'getProperty', 'setProperty', 'deleteProperty']) {
        const response = await sessionAction(t.app, action, {
          token: admin,
          version,
          body: { properties: ['LoginLocation'] },
        });
        expectCrestError(response, 501, `Action ${action} not implemented for this resource`);
      }
    }
  });
});
