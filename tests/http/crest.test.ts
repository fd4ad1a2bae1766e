import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, loginAdmin, loginDemo, sessionAction, type TestApp } from '../helpers/app.js';
import {
  ACCESS_DENIED,
  ALPHA,
  expectCrestError,
  FORBIDDEN,
  JSON_UTF8,
  json,
  post,
  ROOT,
  V4,
} from './conformance-support.js';

/** Spec §11, "Authentication of the caller and generic CREST behaviour" (checklist 1–19). */
describe('CREST conventions on /json/sessions', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
  });
  afterEach(() => t.close());

  it('1: refresh without cookie or header answers 401 Access Denied', async () => {
    const response = await sessionAction(t.app, 'refresh', { version: V4 });
    expect(response.statusCode).toBe(401);
    expect(json(response)).toEqual(ACCESS_DENIED);
  });

  it('2: protected actions and the query answer the same 401 without a session', async () => {
    for (const action of [
      'getSessionInfo',
      'getSessionProperties',
      'updateSessionProperties',
      'logout',
      'logoutByHandle',
    ]) {
      const response = await sessionAction(t.app, action, { version: V4, body: {} });
      expect(response.statusCode, action).toBe(401);
      expect(json(response), action).toEqual(ACCESS_DENIED);
    }
    const query = await t.app.inject({
      method: 'GET',
      url: `${ROOT}/sessions?_queryFilter=${encodeURIComponent('username eq "demo" and realm eq "/alpha"')}`,
      headers: { 'accept-api-version': V4 },
    });
    expect(query.statusCode).toBe(401);
    expect(json(query)).toEqual(ACCESS_DENIED);
  });

  it('3: a logged-out token counts as no session (refresh → 401)', async () => {
    const token = await loginDemo(t.app);
    expect((await sessionAction(t.app, 'logout', { token, version: V4 })).statusCode).toBe(200);
    const response = await sessionAction(t.app, 'refresh', { token, version: V4 });
    expect(response.statusCode).toBe(401);
    expect(json(response)).toEqual(ACCESS_DENIED);
  });

  it('4: when cookie and header carry different tokens, the cookie is the caller', async () => {
    const demo = await loginDemo(t.app);
    const admin = await loginAdmin(t.app);
    const other = await loginDemo(t.app);
    // Cookie = demo, header = admin: the caller is demo, who may not read the admin's session.
    const asDemo = await sessionAction(t.app, 'getSessionInfo', {
      version: V4,
      body: { tokenId: admin },
      headers: { cookie: `iPlanetDirectoryPro=${demo}`, iplanetdirectorypro: admin },
    });
    expect(asDemo.statusCode).toBe(403);
    expect(json(asDemo)).toEqual(FORBIDDEN);
    // Cookie = admin, header = demo: the caller is the admin, who may read the admin's session.
    const asAdmin = await sessionAction(t.app, 'getSessionInfo', {
      version: V4,
      body: { tokenId: admin },
      headers: { cookie: `iPlanetDirectoryPro=${admin}`, iplanetdirectorypro: other },
    });
    expect(asAdmin.statusCode).toBe(200);
    expect(json(asAdmin).username).toBe('amAdmin');
  });

  it('5: the caller header is named like the cookie and matched case-insensitively', async () => {
    const demo = await loginDemo(t.app);
    for (const name of ['iplanetDirectoryPro', 'IPLANETDIRECTORYPRO', 'iPlanetDirectoryPro']) {
      const response = await post(t.app, {
        url: `${ALPHA}/sessions?_action=getSessionInfo`,
        headers: { 'accept-api-version': V4, [name]: demo },
      });
      expect(response.statusCode, name).toBe(200);
      expect(json(response).username).toBe('demo');
    }
    // With another cookie name, the header follows the configured name.
    const custom = await buildTestApp({ config: { cookie: { name: 'a1b2c3d4' } } });
    try {
      const token = await loginDemo(custom.app);
      const ok = await post(custom.app, {
        url: `${ALPHA}/sessions?_action=getSessionInfo`,
        headers: { 'accept-api-version': V4, A1B2C3D4: token },
      });
      expect(ok.statusCode).toBe(200);
      const oldName = await post(custom.app, {
        url: `${ALPHA}/sessions?_action=getSessionInfo`,
        headers: { 'accept-api-version': V4, iPlanetDirectoryPro: token },
      });
      expect(oldName.statusCode).toBe(401);
    } finally {
      await custom.close();
    }
  });

  it('6: every error body has code = status, the standard reason, a string message, detail only when set', async () => {
    const admin = await loginAdmin(t.app);
    const demo = await loginDemo(t.app);
    const cases = [
      { status: 401, response: await sessionAction(t.app, 'refresh', { version: V4 }) },
      {
        status: 403,
        response: await sessionAction(t.app, 'getSessionInfo', {
          token: demo,
          version: V4,
          body: { tokenId: admin },
        }),
      },
      { status: 400, response: await sessionAction(t.app, 'validate', { version: 'resource=abc' }) },
      {
        status: 404,
        response: await sessionAction(t.app, 'getSessionInfo', {
          token: admin,
          realmPath: '/realms/root/realms/nosuch',
        }),
      },
      { status: 501, response: await sessionAction(t.app, 'nosuch', { token: admin, version: V4 }) },
      {
        status: 409,
        response: await sessionAction(t.app, 'getSessionInfo', {
          token: admin,
          version: V4,
          headers: { 'if-modified-since': 'Thu, 01 Jan 2026 00:00:00 GMT' },
        }),
      },
      {
        status: 412,
        response: await sessionAction(t.app, 'getSessionInfo', {
          token: admin,
          version: V4,
          headers: { 'if-match': '*' },
        }),
      },
      { status: 405, response: await t.app.inject({ method: 'GET', url: `${ALPHA}/authenticate` }) },
      {
        status: 415,
        response: await post(t.app, {
          url: `${ALPHA}/authenticate`,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'accept-api-version': 'resource=2.1',
          },
          body: 'a=b',
        }),
      },
    ];
    for (const { status, response } of cases) {
      const body = expectCrestError(response, status);
      expect('detail' in body, `${status}: ${response.body}`).toBe(false);
    }
    const malformed = await post(t.app, {
      url: `${ROOT}/sessions?_action=getSessionInfo`,
      headers: { 'content-type': 'application/json', 'accept-api-version': V4, iplanetdirectorypro: admin },
      body: '{bad',
    });
    const body = expectCrestError(malformed, 400);
    expect(body.detail).toBeDefined();
  });

  it('7: success and error responses carry the JSON content type and no-cache', async () => {
    const demo = await loginDemo(t.app);
    const responses = [
      await sessionAction(t.app, 'getSessionInfo', { token: demo, version: V4 }),
      await sessionAction(t.app, 'validate', { version: V4, body: { tokenId: demo } }),
      await sessionAction(t.app, 'refresh', { version: V4 }),
      await sessionAction(t.app, 'nosuch', { token: demo, version: V4 }),
      await sessionAction(t.app, 'validate', { version: 'resource=abc' }),
      await t.app.inject({
        method: 'GET',
        url: `${ROOT}/serverinfo/*`,
        headers: { 'accept-api-version': 'protocol=1.0,resource=1.1' },
      }),
    ];
    for (const response of responses) {
      expect(response.headers['content-type'], response.body).toBe(JSON_UTF8);
      expect(String(response.headers['cache-control'])).toContain('no-cache');
    }
  });

  it('8: _prettyPrint=true returns JSON equal to the compact answer', async () => {
    const demo = await loginDemo(t.app);
    const compact = await sessionAction(t.app, 'getSessionInfo', { token: demo, version: V4 });
    const pretty = await sessionAction(t.app, 'getSessionInfo', {
      token: demo,
      version: V4,
      query: '&_prettyPrint=true',
    });
    expect(pretty.statusCode).toBe(200);
    expect(JSON.parse(pretty.body)).toEqual(JSON.parse(compact.body));
    expect(pretty.body).toContain('\n');
    expect(compact.body).not.toContain('\n');
  });

  it('9: _action=GETSESSIONINFO behaves exactly like getSessionInfo', async () => {
    const demo = await loginDemo(t.app);
    const lower = await sessionAction(t.app, 'getSessionInfo', { token: demo, version: V4 });
    const upper = await sessionAction(t.app, 'GETSESSIONINFO', { token: demo, version: V4 });
    const postman = await sessionAction(t.app, 'getsessioninfo', { token: demo, version: V4 });
    expect(upper.statusCode).toBe(200);
    expect(upper.body).toBe(lower.body);
    expect(postman.body).toBe(lower.body);
    expect(upper.headers['content-api-version']).toBe(lower.headers['content-api-version']);
  });

  it('10: an unknown action as admin answers 501 Action nosuch not implemented', async () => {
    const admin = await loginAdmin(t.app);
    const response = await sessionAction(t.app, 'nosuch', { token: admin, version: V4 });
    expectCrestError(response, 501, 'Action nosuch not implemented for this resource');
  });

  it('11: POST without _action and without a protocol version (create) → 501 Operation is not supported.', async () => {
    const admin = await loginAdmin(t.app);
    const response = await post(t.app, {
      url: `${ROOT}/sessions`,
      headers: {
        'content-type': 'application/json',
        'accept-api-version': 'resource=4.0',
        iplanetdirectorypro: admin,
      },
      body: {},
    });
    expectCrestError(response, 501, 'Operation is not supported.');
  });

  it('12: POST without _action with protocol=1.0 → 400 No values provided for _action', async () => {
    const admin = await loginAdmin(t.app);
    const response = await post(t.app, {
      url: `${ROOT}/sessions`,
      headers: { 'content-type': 'application/json', 'accept-api-version': V4, iplanetdirectorypro: admin },
      body: {},
    });
    expectCrestError(response, 400, "No values provided for the request parameter '_action'");
  });

  it('13: _action given twice → 400 Multiple values provided', async () => {
    const demo = await loginDemo(t.app);
    const response = await sessionAction(t.app, 'logout', {
      token: demo,
      version: V4,
      query: '&_action=logout',
    });
    expectCrestError(
      response,
      400,
      "Multiple values provided for the single-valued request parameter '_action'",
    );
    // The session was not logged out by the refused request.
    expect(json(await sessionAction(t.app, 'validate', { version: V4, body: { tokenId: demo } })).valid).toBe(
      true,
    );
  });

  it('14: an action POST with Content-Type text/plain and a body → 400 naming the accepted types', async () => {
    const demo = await loginDemo(t.app);
    const response = await post(t.app, {
      url: `${ALPHA}/sessions?_action=getSessionInfo`,
      headers: { 'content-type': 'text/plain', 'accept-api-version': V4, iplanetdirectorypro: demo },
      body: 'hello',
    });
    const body = expectCrestError(response, 400);
    expect(body.message).toContain('application/json');
    expect(body.message).toContain('multipart/form-data');
    expect(body.message).toContain('text/plain');
  });

  it('15: malformed JSON answers 400 with detail', async () => {
    const demo = await loginDemo(t.app);
    const response = await post(t.app, {
      url: `${ALPHA}/sessions?_action=getSessionInfo`,
      headers: { 'content-type': 'application/json', 'accept-api-version': V4, iplanetdirectorypro: demo },
      body: '{bad',
    });
    const body = expectCrestError(
      response,
      400,
      'The request could not be processed because the provided content is not valid JSON',
    );
    expect(typeof body.detail).toBe('string');
    expect(body.detail).not.toBe('');
  });

  it('16: an action POST with no body and no Content-Type is accepted (JS SDK logout)', async () => {
    const demo = await loginDemo(t.app);
    const response = await post(t.app, {
      url: `${ALPHA}/sessions/?_action=logout`,
      headers: { 'accept-api-version': 'protocol=1.0,resource=2.0', iplanetdirectorypro: demo },
    });
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({ result: 'Successfully logged out' });
  });

  it('17: /sessions/ with a trailing slash routes exactly like /sessions', async () => {
    const demo = await loginDemo(t.app);
    for (const version of [V4, 'resource=2.0, protocol=1.0']) {
      const headers = {
        'content-type': 'application/json',
        'accept-api-version': version,
        iplanetdirectorypro: demo,
      };
      const plain = await post(t.app, { url: `${ALPHA}/sessions?_action=getSessionInfo`, headers });
      const slash = await post(t.app, { url: `${ALPHA}/sessions/?_action=getSessionInfo`, headers });
      expect(slash.statusCode).toBe(200);
      expect(slash.body).toBe(plain.body);
      expect(slash.headers['content-api-version']).toBe(plain.headers['content-api-version']);
    }
    const anonymous = await post(t.app, {
      url: `${ALPHA}/sessions/?_action=refresh`,
      headers: { 'accept-api-version': V4 },
    });
    expect(anonymous.statusCode).toBe(401);
  });

  it('18: with CSRF on, a cookie-authenticated POST needs X-Requested-With or Accept-API-Version', async () => {
    const csrf = await buildTestApp({ config: { csrf: { enabled: true } } });
    try {
      const demo = await loginDemo(csrf.app);
      const url = `${ALPHA}/sessions?_action=getSessionInfo`;
      const cookie = `iPlanetDirectoryPro=${demo}`;
      const refused = await post(csrf.app, { url, headers: { cookie, 'content-type': 'application/json' } });
      expectCrestError(refused, 403);
      expect(json(refused)).toEqual(FORBIDDEN);
      const withXrw = await post(csrf.app, {
        url,
        headers: { cookie, 'content-type': 'application/json', 'x-requested-with': 'XMLHttpRequest' },
      });
      expect(withXrw.statusCode).toBe(200);
      expect(json(withXrw).username).toBe('demo');
      const withVersion = await post(csrf.app, {
        url,
        headers: { cookie, 'content-type': 'application/json', 'accept-api-version': V4 },
      });
      expect(withVersion.statusCode).toBe(200);
      // A refused logout must not have logged out.
      const logout = await post(csrf.app, { url: `${ALPHA}/sessions?_action=logout`, headers: { cookie } });
      expect(logout.statusCode).toBe(403);
      const still = await post(csrf.app, { url, headers: { cookie, 'x-requested-with': 'forgerock-sdk' } });
      expect(still.statusCode).toBe(200);
    } finally {
      await csrf.close();
    }
  });

  it('19: a POST carrying the token only in the iPlanetDirectoryPro header is not subject to CSRF', async () => {
    const csrf = await buildTestApp({ config: { csrf: { enabled: true } } });
    try {
      const demo = await loginDemo(csrf.app);
      const response = await post(csrf.app, {
        url: `${ALPHA}/sessions?_action=getSessionInfo`,
        headers: { 'content-type': 'application/json', iplanetdirectorypro: demo },
      });
      expect(response.statusCode).toBe(200);
      expect(json(response).username).toBe('demo');
      const logout = await post(csrf.app, {
        url: `${ALPHA}/sessions?_action=logout`,
        headers: { iplanetdirectorypro: demo },
      });
      expect(logout.statusCode).toBe(200);
    } finally {
      await csrf.close();
    }
  });
});
