import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, DEMO_PASSWORD, loginDemo, sessionAction, type TestApp } from '../helpers/app.js';
import {
  ALPHA,
  decodeSegment,
  expectCrestError,
  isoSeconds,
  JSON_UTF8,
  json,
  post,
  sessionCookies,
  V4,
} from './conformance-support.js';

const AUTH = `${ALPHA}/authenticate`;
const SDK_HEADERS = {
  accept: 'application/json',
  'accept-api-version': 'protocol=1.0,resource=2.1',
  'content-type': 'application/json',
  'x-requested-with': 'forgerock-sdk',
};
const ZERO_PAGE = {
  'x-openam-username': 'demo',
  'x-openam-password': DEMO_PASSWORD,
  'accept-api-version': 'resource=2.1',
};

interface Step {
  authId: string;
  callbacks: Array<{
    type: string;
    output: Array<{ name: string; value: unknown }>;
    input?: Array<{ name: string; value: unknown }>;
    _id?: number;
  }>;
  [key: string]: unknown;
}

/** Spec §11, "/json/authenticate" (checklist 96–121, except 102, 111 and 119). */
describe('/json/authenticate', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
  });
  afterEach(() => t.close());

  const start = async (url = AUTH, headers: Record<string, string> = SDK_HEADERS) => {
    const response = await post(t.app, { url, headers });
    expect(response.statusCode, response.body).toBe(200);
    return json(response) as unknown as Step;
  };
  const fill = (step: Step, username: string, password: string): Step => ({
    ...step,
    callbacks: step.callbacks.map((c) => ({
      ...c,
      input: (c.input ?? []).map((field) => ({
        ...field,
        value: c.type === 'NameCallback' ? username : password,
      })),
    })),
  });
  const submit = (step: unknown, url = AUTH, headers: Record<string, string> = SDK_HEADERS) =>
    post(t.app, { url, headers, body: step });

  it('96: zero-page login with correct headers and no body → exactly tokenId, successUrl, realm', async () => {
    const response = await post(t.app, { url: AUTH, headers: ZERO_PAGE });
    expect(response.statusCode).toBe(200);
    const body = json(response);
    expect(Object.keys(body)).toEqual(['tokenId', 'successUrl', 'realm']);
    expect(typeof body.tokenId).toBe('string');
    expect(body.successUrl).toBe('/am/console');
    expect(body.realm).toBe('/alpha');
    // The body `{}` is a start too.
    const braces = await post(t.app, {
      url: AUTH,
      headers: { ...ZERO_PAGE, 'content-type': 'application/json' },
      body: {},
    });
    expect(Object.keys(json(braces))).toEqual(['tokenId', 'successUrl', 'realm']);
  });

  it('97: success sets <cookieName>=<tokenId> with Path=/ and no Expires', async () => {
    const response = await post(t.app, { url: AUTH, headers: ZERO_PAGE });
    const tokenId = json(response).tokenId as string;
    const cookies = sessionCookies(response);
    expect(cookies).toHaveLength(1);
    const cookie = cookies[0] as string;
    expect(cookie.startsWith(`iPlanetDirectoryPro=${tokenId};`)).toBe(true);
    expect(cookie.split(';').map((p) => p.trim())).toContain('Path=/');
    expect(cookie.toLowerCase()).not.toContain('expires');
    expect(cookie.toLowerCase()).not.toContain('max-age');
    // With another cookie name and domains: one cookie per domain, named as configured.
    const custom = await buildTestApp({
      config: { cookie: { name: 'c0ffee', domains: ['a.example', 'b.example'] } },
    });
    try {
      const other = await post(custom.app, { url: AUTH, headers: ZERO_PAGE });
      const token = json(other).tokenId as string;
      const set = sessionCookies(other, 'c0ffee');
      expect(set).toHaveLength(2);
      for (const c of set) expect(c.startsWith(`c0ffee=${token};`)).toBe(true);
      expect(set.join('\n')).toContain('Domain=a.example');
      expect(set.join('\n')).toContain('Domain=b.example');
    } finally {
      await custom.close();
    }
  });

  it('98: success carries no-store, Pragma no-cache, Expires 0 and Content-API-Version resource=2.1', async () => {
    const response = await post(t.app, {
      url: AUTH,
      headers: { ...ZERO_PAGE, 'accept-api-version': 'resource=2.0, protocol=1.0' },
    });
    expect(response.statusCode).toBe(200);
    expect(String(response.headers['cache-control'])).toContain('no-store');
    expect(response.headers.pragma).toBe('no-cache');
    expect(response.headers.expires).toBe('0');
    expect(response.headers['content-api-version']).toBe('resource=2.1');
    expect(response.headers['content-type']).toBe(JSON_UTF8);
  });

  it('99: an RFC 2047 UTF-8 user name in X-OpenAM-Username authenticates', async () => {
    const alpha = t.services.realms.byPath('/alpha');
    if (!alpha) throw new Error('no /alpha realm');
    const name = 'ɗëɱø';
    await t.services.identities.create(alpha, { username: name, password: 'S3cret-pass' });
    const response = await post(t.app, {
      url: AUTH,
      headers: {
        'x-openam-username': `=?UTF-8?B?${Buffer.from(name, 'utf8').toString('base64')}?=`,
        'x-openam-password': 'S3cret-pass',
        'accept-api-version': 'resource=2.1',
      },
    });
    expect(response.statusCode, response.body).toBe(200);
    const tokenId = json(response).tokenId as string;
    const info = await sessionAction(t.app, 'getSessionInfo', { token: tokenId, version: V4 });
    expect(json(info).username).toBe(name);
  });

  it('100: a wrong password → 401 CREST body, no authId, no session cookie', async () => {
    const response = await post(t.app, {
      url: AUTH,
      headers: { ...ZERO_PAGE, 'x-openam-password': 'wrong' },
    });
    const body = expectCrestError(response, 401);
    expect(body).not.toHaveProperty('authId');
    expect(sessionCookies(response)).toEqual([]);
  });

  it('101: the same at resource=1.0 → 401 {"errorMessage":…}', async () => {
    const response = await post(t.app, {
      url: AUTH,
      headers: {
        ...ZERO_PAGE,
        'x-openam-password': 'wrong',
        'accept-api-version': 'resource=1.0, protocol=1.0',
      },
    });
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toBe(JSON_UTF8);
    const body = json(response);
    expect(Object.keys(body)).toEqual(['errorMessage']);
    expect(typeof body.errorMessage).toBe('string');
    expect(sessionCookies(response)).toEqual([]);
  });

  it('103: a start with no body and no headers → authId and Name/Password callbacks', async () => {
    const response = await post(t.app, { url: AUTH });
    expect(response.statusCode).toBe(200);
    const step = json(response) as unknown as Step;
    expect(typeof step.authId).toBe('string');
    expect(step.callbacks.map((c) => c.type)).toEqual(['NameCallback', 'PasswordCallback']);
    expect(step.callbacks[0]?.input?.[0]?.name).toBe('IDToken1');
    expect(step.callbacks[1]?.input?.[0]?.name).toBe('IDToken2');
    for (const c of step.callbacks) {
      expect(Array.isArray(c.output)).toBe(true);
      expect(c.output[0]?.name).toBe('prompt');
    }
    // No session yet: no cookie.
    expect(sessionCookies(response)).toEqual([]);
    // The XUI's empty-string body starts a journey too.
    const xui = await post(t.app, {
      url: AUTH,
      headers: { 'content-type': 'application/json', 'accept-api-version': 'protocol=1.0,resource=2.1' },
      body: '""',
    });
    expect(xui.statusCode).toBe(200);
    expect(json(xui)).toHaveProperty('authId');
  });

  it('104: the authId is a compact JWS whose header is {"typ":"JWT","alg":"HS256"}', async () => {
    const { authId } = await start();
    const parts = authId.split('.');
    expect(parts).toHaveLength(3);
    for (const part of parts) expect(part).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeSegment(parts[0])).toBe('{"typ":"JWT","alg":"HS256"}');
    expect(authId.startsWith('eyJ0eXAiOiJKV1Qi')).toBe(true);
  });

  it('105: each tree callback carries _id equal to its 0-based index', async () => {
    const step = await start();
    step.callbacks.forEach((c, index) => {
      expect(c._id).toBe(index);
    });
  });

  it('106: posting the step back with the inputs filled → 200 success body', async () => {
    const step = await start();
    // As the JS SDK posts it: the previous response plus its own keys.
    const response = await submit({ ...fill(step, 'demo', DEMO_PASSWORD), status: 200, ok: true });
    expect(response.statusCode, response.body).toBe(200);
    const body = json(response);
    expect(Object.keys(body)).toEqual(['tokenId', 'successUrl', 'realm']);
    expect(body.realm).toBe('/alpha');
    expect(sessionCookies(response)[0]).toContain(`iPlanetDirectoryPro=${body.tokenId as string}`);
    // The Postman collection's step 2 body (no template/header, `_id` kept).
    const again = await start();
    const postman = {
      authId: again.authId,
      callbacks: [
        {
          type: 'NameCallback',
          output: [{ name: 'prompt', value: 'User Name' }],
          input: [{ name: 'IDToken1', value: 'demo' }],
          _id: 0,
        },
        {
          type: 'PasswordCallback',
          output: [{ name: 'prompt', value: 'Password' }],
          input: [{ name: 'IDToken2', value: DEMO_PASSWORD }],
          _id: 1,
        },
      ],
    };
    const ok = await submit(postman, `${AUTH}?authIndexType=service&authIndexValue=Login`, {
      'content-type': 'application/json',
      'accept-api-version': 'resource=2.1, protocol=1.0',
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(json(ok)).toHaveProperty('tokenId');
  });

  it('107: posting the step with a callback removed → 400 Incorrect number of callbacks', async () => {
    const step = fill(await start(), 'demo', DEMO_PASSWORD);
    const response = await submit({ ...step, callbacks: step.callbacks.slice(0, 1) });
    expectCrestError(response, 400, 'Incorrect number of callbacks found in JSON response');
  });

  it('108: posting the step with the callback types swapped → 400 Required callback not found', async () => {
    const step = fill(await start(), 'demo', DEMO_PASSWORD);
    const response = await submit({ ...step, callbacks: [...step.callbacks].reverse() });
    expectCrestError(response, 400, 'Required callback not found in JSON response');
  });

  it('109: an authId with one signature character changed → 400 AuthId JWT Signature not valid', async () => {
    const step = fill(await start(), 'demo', DEMO_PASSWORD);
    const [header, payload, signature = ''] = step.authId.split('.');
    // Change a character in the middle of the signature: the last one may only carry padding bits.
    const i = Math.floor(signature.length / 2);
    const changed = signature[i] === 'A' ? 'B' : 'A';
    const forged = `${header}.${payload}.${signature.slice(0, i)}${changed}${signature.slice(i + 1)}`;
    const response = await submit({ ...step, authId: forged });
    expectCrestError(response, 400, 'AuthId JWT Signature not valid');
    expect(sessionCookies(response)).toEqual([]);
  });

  it('110: {"authId":"garbage","callbacks":[]} → 400 Failed to parse JWT', async () => {
    const response = await submit({ authId: 'garbage', callbacks: [] });
    const body = expectCrestError(response, 400);
    expect(String(body.message).startsWith('Failed to parse JWT')).toBe(true);
  });

  it('112: two consecutive starts return different authIds', async () => {
    const first = await start();
    const second = await start();
    expect(first.authId).not.toBe(second.authId);
  });

  it('113: ?authIndexType=foo&authIndexValue=bar → 400 Unknown Authentication Index Type', async () => {
    const response = await post(t.app, {
      url: `${AUTH}?authIndexType=foo&authIndexValue=bar`,
      headers: SDK_HEADERS,
    });
    expectCrestError(response, 400, 'Unknown Authentication Index Type');
  });

  it('114: authIndexType=service runs the named tree; SERVICE is accepted too', async () => {
    const app = await buildTestApp({ config: { session: { queryProperties: ['AMCtxId', 'Service'] } } });
    try {
      for (const type of ['service', 'SERVICE']) {
        const url = `${AUTH}?authIndexType=${type}&authIndexValue=PasswordGrant`;
        const started = await post(app.app, { url, headers: SDK_HEADERS });
        expect(started.statusCode, `${type}: ${started.body}`).toBe(200);
        const step = json(started) as unknown as Step;
        const done = await post(app.app, {
          url,
          headers: SDK_HEADERS,
          body: fill(step, 'demo', DEMO_PASSWORD),
        });
        expect(done.statusCode, done.body).toBe(200);
        const token = json(done).tokenId as string;
        const info = await sessionAction(app.app, 'getSessionInfo', { token, version: V4 });
        expect((json(info).properties as Record<string, string>).Service, type).toBe('PasswordGrant');
      }
      // The value is really looked up: an unknown tree is refused.
      const unknown = await post(app.app, {
        url: `${AUTH}?authIndexType=service&authIndexValue=NoSuchTree`,
        headers: SDK_HEADERS,
      });
      expectCrestError(unknown, 400);
    } finally {
      await app.close();
    }
  });

  it('114: the session records the tree carried by the authId even if the continuation omits the query', async () => {
    const app = await buildTestApp({ config: { session: { queryProperties: ['AMCtxId', 'Service'] } } });
    try {
      const started = await post(app.app, {
        url: `${AUTH}?authIndexType=service&authIndexValue=PasswordGrant`,
        headers: SDK_HEADERS,
      });
      const step = json(started) as unknown as Step;
      const done = await post(app.app, {
        url: AUTH,
        headers: SDK_HEADERS,
        body: fill(step, 'demo', DEMO_PASSWORD),
      });
      expect(done.statusCode, done.body).toBe(200);
      const token = json(done).tokenId as string;
      const info = await sessionAction(app.app, 'getSessionInfo', { token, version: V4 });
      expect((json(info).properties as Record<string, string>).Service).toBe('PasswordGrant');
    } finally {
      await app.close();
    }
  });

  it('115: GET R/authenticate → 405 Method Not Allowed', async () => {
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const response = await t.app.inject({
        method,
        url: AUTH,
        headers: { 'accept-api-version': 'resource=2.1' },
      });
      expect(response.statusCode, method).toBe(405);
      expect(json(response)).toEqual({
        code: 405,
        reason: 'Method Not Allowed',
        message: 'Method Not Allowed',
      });
    }
  });

  it('116: a form-encoded body → 415 with a V2 body', async () => {
    const response = await post(t.app, {
      url: AUTH,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-api-version': 'resource=2.1' },
      body: 'IDToken1=demo&IDToken2=x',
    });
    expectCrestError(response, 415);
    expect(json(response).code).toBe(415);
    // V1 form.
    const v1 = await post(t.app, {
      url: AUTH,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'accept-api-version': 'resource=1.0, protocol=1.0',
      },
      body: 'IDToken1=demo&IDToken2=x',
    });
    expect(v1.statusCode).toBe(415);
    expect(json(v1)).toEqual({ errorMessage: 'Unsupported Media Type' });
  });

  it('117: ?noSession=true → successUrl and realm, no tokenId, no cookie, no new session', async () => {
    const response = await post(t.app, { url: `${AUTH}?noSession=true`, headers: ZERO_PAGE });
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({ successUrl: '/am/console', realm: '/alpha' });
    expect(sessionCookies(response)).toEqual([]);
    // Through callbacks too.
    const step = await start(`${AUTH}?noSession=true`);
    const done = await submit(fill(step, 'demo', DEMO_PASSWORD), `${AUTH}?noSession=true`);
    expect(done.statusCode, done.body).toBe(200);
    expect(json(done)).not.toHaveProperty('tokenId');
    expect(sessionCookies(done)).toEqual([]);
    // No session was created: once every session would have expired, the sweeper finds none.
    t.clock.advanceMinutes(121);
    expect(await t.services.sessions.sweep()).toBe(0);
  });

  it('118: a start with a valid session cookie (same tree, no ForceAuth) → the same tokenId, no callbacks', async () => {
    const demo = await loginDemo(t.app);
    const response = await post(t.app, {
      url: AUTH,
      headers: { ...SDK_HEADERS, cookie: `iPlanetDirectoryPro=${demo}` },
    });
    expect(response.statusCode).toBe(200);
    const body = json(response);
    expect(body).not.toHaveProperty('authId');
    expect(body).not.toHaveProperty('callbacks');
    expect(body.tokenId).toBe(demo);
    // ForceAuth=true runs the tree again.
    const forced = await post(t.app, {
      url: `${AUTH}?ForceAuth=true`,
      headers: { ...SDK_HEADERS, cookie: `iPlanetDirectoryPro=${demo}` },
    });
    expect(forced.statusCode).toBe(200);
    expect(json(forced)).toHaveProperty('authId');
  });

  it('120: resource=42.0, protocol=1.0 on authenticate → 404 with an empty body', async () => {
    const response = await post(t.app, {
      url: AUTH,
      headers: { 'accept-api-version': 'resource=42.0, protocol=1.0', 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(404);
    expect(response.body).toBe('');
    expect(response.headers['content-api-version']).toBeUndefined();
  });

  it('121: after login, getSessionInfo shows latestAccessTime ≈ now and the configured timeouts', async () => {
    const app = await buildTestApp({ config: { session: { maxIdleMinutes: 10, maxSessionMinutes: 60 } } });
    try {
      app.clock.advanceSeconds(1234);
      const token = await loginDemo(app.app);
      const now = app.clock.now();
      const info = json(await sessionAction(app.app, 'getSessionInfo', { token, version: V4 }));
      expect(info.latestAccessTime).toBe(isoSeconds(now));
      expect(info.maxIdleExpirationTime).toBe(isoSeconds(now + 10 * 60_000));
      expect(info.maxSessionExpirationTime).toBe(isoSeconds(now + 60 * 60_000));
      const refreshed = json(await sessionAction(app.app, 'refresh', { token, version: V4 }));
      expect(refreshed).toMatchObject({ maxidletime: 10, maxsessiontime: 60, maxtime: 3600, idletime: 0 });
    } finally {
      await app.close();
    }
  });
});
