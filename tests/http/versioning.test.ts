import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, loginAdmin, loginDemo, sessionAction, type TestApp } from '../helpers/app.js';
import {
  ACCESS_DENIED,
  ALPHA,
  expectCrestError,
  JSON_UTF8,
  json,
  post,
  ROOT,
} from './conformance-support.js';

const WARNING_TEXT = 'Accept-API-Version should be included in the request.';

/** Spec §11, "API versioning" (checklist 20–29), with Anvil's decisions for 20, 22/23 and 25/26. */
describe('Accept-API-Version negotiation', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
  });
  afterEach(() => t.close());

  it('20: resource=999.0 on an authenticated sessions call → 404 "does not match any routes"', async () => {
    const demo = await loginDemo(t.app);
    const response = await sessionAction(t.app, 'getSessionInfo', {
      token: demo,
      version: 'resource=999.0, protocol=1.0',
    });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toBe(JSON_UTF8);
    expect(json(response)).toEqual({
      code: 404,
      reason: 'Not Found',
      message: 'Accept-API-Version: Requested version "999.0" does not match any routes.',
    });
  });

  it('21: the same request without a session → 401 (authentication before version routing)', async () => {
    const response = await sessionAction(t.app, 'getSessionInfo', {
      version: 'resource=999.0, protocol=1.0',
    });
    expect(response.statusCode).toBe(401);
    expect(json(response)).toEqual(ACCESS_DENIED);
  });

  it('22: resource=2.0 is served by the 2.1 route and says so in Content-API-Version', async () => {
    const demo = await loginDemo(t.app);
    const response = await sessionAction(t.app, 'getSessionInfo', {
      token: demo,
      version: 'resource=2.0, protocol=1.0',
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-api-version']).toBe('protocol=1.0,resource=2.1');
    // JS SDK logout style, reversed order and no space.
    const logout = await post(t.app, {
      url: `${ALPHA}/sessions/?_action=logout`,
      headers: { 'accept-api-version': 'protocol=1.0,resource=2.0', iplanetdirectorypro: demo },
    });
    expect(logout.statusCode).toBe(200);
    expect(logout.headers['content-api-version']).toBe('protocol=1.0,resource=2.1');
  });

  it('23: Content-API-Version names the served route on every versioned response, errors included', async () => {
    const admin = await loginAdmin(t.app);
    const sessions: Array<[string, string]> = [
      ['resource=1.0, protocol=1.0', 'protocol=1.0,resource=1.2'],
      ['resource=1.2, protocol=1.0', 'protocol=1.0,resource=1.2'],
      ['resource=2.1, protocol=1.0', 'protocol=1.0,resource=2.1'],
      ['resource=3.0, protocol=1.0', 'protocol=1.0,resource=3.1'],
      ['resource=3.1, protocol=1.0', 'protocol=1.0,resource=3.1'],
      ['resource=4.0, protocol=1.0', 'protocol=1.0,resource=4.0'],
      ['resource=5.0, protocol=1.0', 'protocol=1.0,resource=5.1'],
      ['resource=5.1', 'protocol=2.1,resource=5.1'],
      ['protocol=1.0', 'protocol=1.0,resource=5.1'],
    ];
    for (const [asked, served] of sessions) {
      const ok = await sessionAction(t.app, 'validate', {
        version: asked,
        body: { tokenId: admin },
        token: admin,
      });
      expect(ok.statusCode, `${asked}: ${ok.body}`).toBe(200);
      expect(ok.headers['content-api-version'], asked).toBe(served);
      // An error produced after version routing carries the header too.
      const error = await sessionAction(t.app, 'nosuch', { version: asked, token: admin });
      expect(error.statusCode, asked).toBe(501);
      expect(error.headers['content-api-version'], asked).toBe(served);
    }
    // /authenticate: resource only (1.2 or 2.1).
    for (const [asked, served] of [
      ['resource=2.0, protocol=1.0', 'resource=2.1'],
      ['protocol=1.0,resource=2.1', 'resource=2.1'],
      ['resource=1.0, protocol=1.0', 'resource=1.2'],
    ] as const) {
      const response = await post(t.app, {
        url: `${ALPHA}/authenticate`,
        headers: { 'accept-api-version': asked, 'content-type': 'application/json' },
      });
      expect(response.statusCode, asked).toBe(200);
      expect(response.headers['content-api-version'], asked).toBe(served);
    }
    // /serverinfo: 1.1.
    for (const [asked, served] of [
      ['protocol=1.0,resource=1.1', 'protocol=1.0,resource=1.1'],
      ['resource=1.0, protocol=1.0', 'protocol=1.0,resource=1.1'],
    ] as const) {
      const response = await t.app.inject({
        method: 'GET',
        url: `${ROOT}/serverinfo/*`,
        headers: { 'accept-api-version': asked },
      });
      expect(response.statusCode, asked).toBe(200);
      expect(response.headers['content-api-version'], asked).toBe(served);
    }
  });

  it('24: no Accept-API-Version → newest route and a Warning header', async () => {
    const demo = await loginDemo(t.app);
    const response = await post(t.app, {
      url: `${ALPHA}/sessions?_action=getSessionInfo`,
      headers: { iplanetdirectorypro: demo, 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-api-version']).toBe('protocol=2.1,resource=5.1');
    expect(String(response.headers.warning)).toContain(WARNING_TEXT);
    // The newest route's shape: `properties`, no `sessionHandle`.
    expect(json(response)).toHaveProperty('properties');
    expect(json(response)).not.toHaveProperty('sessionHandle');
    // A request that names a version gets no warning.
    const named = await sessionAction(t.app, 'getSessionInfo', { token: demo, version: 'resource=4.0' });
    expect(named.headers.warning).toBeUndefined();
    // Nor is serverinfo different.
    const info = await t.app.inject({ method: 'GET', url: `${ROOT}/serverinfo/*` });
    expect(String(info.headers.warning)).toContain(WARNING_TEXT);
  });

  it('25: Accept-API-Version: resource=abc → 400 invalid format', async () => {
    const demo = await loginDemo(t.app);
    for (const token of [undefined, demo]) {
      const response = await sessionAction(t.app, 'getSessionInfo', {
        version: 'resource=abc',
        ...(token === undefined ? {} : { token }),
      });
      expectCrestError(response, 400);
      expect(json(response)).toEqual({
        code: 400,
        reason: 'Bad Request',
        message: 'Version string is in an invalid format: resource=abc',
      });
    }
  });

  it('26: Accept-API-Version: Resource=2.0 (capital R) → 400 invalid format', async () => {
    const response = await sessionAction(t.app, 'validate', { version: 'Resource=2.0' });
    expect(response.statusCode).toBe(400);
    expect(json(response)).toEqual({
      code: 400,
      reason: 'Bad Request',
      message: 'Version string is in an invalid format: Resource=2.0',
    });
  });

  it('27: protocol=3.0,resource=2.0 → 400 Unsupported major version: 3.0', async () => {
    const demo = await loginDemo(t.app);
    const response = await sessionAction(t.app, 'getSessionInfo', {
      token: demo,
      version: 'protocol=3.0,resource=2.0',
    });
    expectCrestError(response, 400, 'Unsupported major version: 3.0');
  });

  it('28: resource=1 is treated as 1.0 and accepted', async () => {
    const demo = await loginDemo(t.app);
    const response = await sessionAction(t.app, 'validate', { version: 'resource=1', token: demo });
    expect(response.statusCode).toBe(200);
    expect(json(response)).toMatchObject({ valid: true, uid: 'demo', realm: '/alpha' });
    expect(response.headers['content-api-version']).toBe('protocol=2.1,resource=1.2');
    const info = await t.app.inject({
      method: 'GET',
      url: `${ROOT}/serverinfo/*`,
      headers: { 'accept-api-version': 'protocol=1,resource=1' },
    });
    expect(info.statusCode).toBe(200);
    expect(info.headers['content-api-version']).toBe('protocol=1.0,resource=1.1');
  });

  it('29: serverinfo/* has no _id/_rev with protocol=1.0, and _id/_rev/ETag without a version', async () => {
    const v1 = await t.app.inject({
      method: 'GET',
      url: `${ROOT}/serverinfo/*`,
      headers: { 'accept-api-version': 'protocol=1.0,resource=1.1' },
    });
    expect(v1.statusCode).toBe(200);
    expect(json(v1)).not.toHaveProperty('_id');
    expect(json(v1)).not.toHaveProperty('_rev');

    const none = await t.app.inject({ method: 'GET', url: `${ROOT}/serverinfo/*` });
    expect(none.statusCode).toBe(200);
    expect(none.body.startsWith('{"_id":"*","_rev":"')).toBe(true);
    const body = json(none);
    expect(typeof body._rev).toBe('string');
    expect(none.headers.etag).toBe(`"${body._rev as string}"`);
    // Same content otherwise.
    const { _id, _rev, ...content } = body;
    expect(content).toEqual(json(v1));
  });
});
