import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, DEMO_PASSWORD, loginDemo, sessionAction, type TestApp } from '../helpers/app.js';
import {
  ACCESS_DENIED,
  ALPHA,
  expectCrestError,
  expectNoLeak,
  JSON_UTF8,
  json,
  post,
  ROOT,
  V4,
} from './conformance-support.js';

/** Hostile and broken requests: each gets an AM-shaped 4xx, never a 500 or a stack trace. */
describe('bad input', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp({ config: { bodyLimit: 8192 } });
  });
  afterEach(() => t.close());

  it('an oversized body (bodyLimit 8192, 10000 bytes) → 413 with an AM-shaped body', async () => {
    const demo = await loginDemo(t.app);
    const big = JSON.stringify({ tokenId: demo, padding: 'x'.repeat(10_000) });
    const cases = [
      {
        url: `${ALPHA}/sessions?_action=validate`,
        headers: { 'content-type': 'application/json', 'accept-api-version': V4 },
      },
      {
        url: `${ALPHA}/sessions?_action=getSessionInfo`,
        headers: { 'accept-api-version': V4, iplanetdirectorypro: demo },
      },
      {
        url: `${ALPHA}/authenticate`,
        headers: { 'content-type': 'application/json', 'accept-api-version': 'resource=2.1' },
      },
      { url: '/am/json/nosuch', headers: { 'content-type': 'text/plain' } },
    ];
    for (const { url, headers } of cases) {
      const response = await post(t.app, { url, headers, body: big });
      expectNoLeak(response);
      expectCrestError(response, 413);
    }
    // A body just under the limit is still fine.
    const small = await post(t.app, {
      url: `${ALPHA}/sessions?_action=validate`,
      headers: { 'content-type': 'application/json', 'accept-api-version': V4 },
      body: { tokenId: demo, padding: 'x'.repeat(800) },
    });
    expect(small.statusCode).toBe(200);
    expect(json(small).valid).toBe(true);
  });

  it('an unknown endpoint → 404 JSON', async () => {
    for (const [method, url] of [
      ['POST', '/am/json/nosuch'],
      ['GET', '/am/json/realms/root/nosuch'],
      ['POST', '/am/json/realms/root/realms/alpha/nosuch?_action=validate'],
      ['GET', '/am/json'],
      ['GET', '/am/nosuch'],
      ['GET', '/nosuch'],
      ['POST', '/am/json/realms/root/..%2F..%2Fetc/passwd'],
    ] as const) {
      const response = await t.app.inject({ method, url });
      expectNoLeak(response);
      expectCrestError(response, 404);
    }
  });

  it('a malformed percent-encoding in the path → 400 with an AM-shaped body', async () => {
    const response = await post(t.app, {
      url: '/am/json/realms/root/realms/%E0%A4%A/sessions?_action=validate',
      headers: { 'accept-api-version': V4 },
    });
    expectNoLeak(response);
    expectCrestError(response, 400);
  });

  it('OPTIONS on a CREST resource → 501 Method OPTIONS not supported (spec §2.1)', async () => {
    const response = await t.app.inject({ method: 'OPTIONS', url: `${ROOT}/sessions?_action=validate` });
    expectNoLeak(response);
    expectCrestError(response, 501, 'Method OPTIONS not supported');
  });

  it('an HTTP method Fastify does not route (PROPFIND) → 501 Method PROPFIND not supported (spec §2.1)', async () => {
    const response = await t.app.inject({ method: 'PROPFIND', url: `${ROOT}/sessions` });
    expectNoLeak(response);
    expectCrestError(response, 501, 'Method PROPFIND not supported');
  });

  describe('tampered and truncated tokens', () => {
    const variants = (token: string): Record<string, string> => {
      const flip = (s: string, i: number) => `${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
      return {
        'secret changed': flip(token, 40),
        'id changed': flip(token, 8),
        'tail changed': token.replace('AAJTSQACMDE', 'AAJTSQACMDI'),
        truncated: token.slice(0, -5),
        'cut in half': token.slice(0, Math.floor(token.length / 2)),
        extended: `${token}x`,
        'prefix only': 'AQIC5w',
        'with spaces': ` ${token} `.replace('.*', ' .*'),
        'percent-encoded': token.replace('.*', '%2E%2A'),
        'lower-cased': token.toLowerCase(),
        'quoted junk': '"\'<script>',
        'sql-ish': "' OR '1'='1",
        long: `AQIC5w${'A'.repeat(900)}.*AAJTSQACMDE.*`,
      };
    };

    it('refresh with a tampered caller token → 401 Access Denied', async () => {
      const demo = await loginDemo(t.app);
      for (const [name, token] of Object.entries(variants(demo))) {
        const response = await sessionAction(t.app, 'refresh', { token, version: V4 });
        expectNoLeak(response);
        expect(response.statusCode, name).toBe(401);
        expect(json(response), name).toEqual(ACCESS_DENIED);
        const cookie = await sessionAction(t.app, 'refresh', {
          version: V4,
          headers: { cookie: `iPlanetDirectoryPro=${token}` },
        });
        expectNoLeak(cookie);
        expect(cookie.statusCode, `${name} (cookie)`).toBe(401);
      }
      // The genuine token still works after all that.
      expect((await sessionAction(t.app, 'refresh', { token: demo, version: V4 })).statusCode).toBe(200);
    });

    it('validate of a tampered token → 200 {"valid":false}', async () => {
      const demo = await loginDemo(t.app);
      const all = {
        ...variants(demo),
        unicode: '💥\u0000\u202e',
        empty: '',
        'shandle-looking': 'shandle:AQIC5w',
      };
      for (const [name, token] of Object.entries(all)) {
        const body = await sessionAction(t.app, 'validate', { version: V4, body: { tokenId: token } });
        expectNoLeak(body);
        if (token === '') {
          // An empty tokenId is no target at all.
          expectCrestError(body, 400, 'iPlanetDirectoryCookie not set on request');
          continue;
        }
        expect(body.statusCode, name).toBe(200);
        expect(json(body), name).toEqual({ valid: false });
      }
      for (const [name, token] of Object.entries(variants(demo))) {
        const header = await sessionAction(t.app, 'validate', { version: V4, token });
        expectNoLeak(header);
        expect(json(header), `${name} (header)`).toEqual({ valid: false });
        const legacy = await post(t.app, {
          url: `/am/json/sessions?_action=validate&tokenId=${encodeURIComponent(token)}`,
          headers: { 'accept-api-version': 'resource=1.2, protocol=1.0' },
        });
        expectNoLeak(legacy);
        expect(json(legacy), `${name} (1.x query)`).toEqual({ valid: false });
      }
      // A 1.x path-form token of client-side-session length.
      const path = await post(t.app, {
        url: `/am/json/sessions/AQIC5w${'x'.repeat(2500)}*?_action=validate`,
        headers: { 'accept-api-version': 'resource=1.2, protocol=1.0' },
      });
      expectNoLeak(path);
      expect(json(path)).toEqual({ valid: false });
      expect(
        json(await sessionAction(t.app, 'validate', { version: V4, body: { tokenId: demo } })).valid,
      ).toBe(true);
    });
  });

  it('non-string and odd JSON bodies on sessions actions never produce a 500', async () => {
    const bodies = [
      'null',
      '[]',
      '123',
      '"x"',
      'true',
      '{"tokenId":123}',
      '{"tokenId":{"$ne":""}}',
      '{"__proto__":{"tokenId":"x"}}',
      '[[[[[[[[[[]]]]]]]]]]',
    ];
    for (const body of bodies) {
      const demo = await loginDemo(t.app);
      for (const action of ['validate', 'getSessionInfo', 'refresh', 'logout']) {
        const response = await post(t.app, {
          url: `${ALPHA}/sessions?_action=${action}`,
          headers: {
            'content-type': 'application/json',
            'accept-api-version': V4,
            iplanetdirectorypro: demo,
          },
          body,
        });
        expectNoLeak(response);
        expect(response.headers['content-type'], `${action} ${body}`).toBe(JSON_UTF8);
        // None of these bodies names another target: the caller's own session is acted on.
        expect(response.statusCode, `${action} ${body}: ${response.body}`).toBe(200);
      }
    }
  });

  it('a deeply nested JSON body → 4xx or 200, never a 500', async () => {
    const app = await buildTestApp();
    try {
      const deep = `${'['.repeat(40_000)}${']'.repeat(40_000)}`;
      const response = await post(app.app, {
        url: `${ALPHA}/sessions?_action=validate`,
        headers: { 'content-type': 'application/json', 'accept-api-version': V4 },
        body: deep,
      });
      expectNoLeak(response);
      const auth = await post(app.app, {
        url: `${ALPHA}/authenticate`,
        headers: { 'content-type': 'application/json', 'accept-api-version': 'resource=2.1' },
        body: `{"authId":"x","callbacks":${deep}}`,
      });
      expectNoLeak(auth);
      expect(auth.statusCode).toBe(400);
    } finally {
      await app.close();
    }
  });

  it('broken journeys answer 400, not 500', async () => {
    const started = await post(t.app, {
      url: `${ALPHA}/authenticate`,
      headers: { 'content-type': 'application/json', 'accept-api-version': 'resource=2.1' },
    });
    const { authId } = json(started) as { authId: string };
    const bodies: unknown[] = [
      [],
      'null',
      { authId, callbacks: 'x' },
      { authId, callbacks: [null, 5] },
      { authId, callbacks: [{ type: 'NameCallback' }, { type: 'PasswordCallback', input: 'x' }] },
      { authId: 42, callbacks: [] },
      { authId: `${authId}.extra`, callbacks: [] },
      { authId: 'eyJhbGciOiJub25lIn0.eyJyZWFsbSI6Ii8ifQ.', callbacks: [] },
    ];
    for (const body of bodies) {
      const response = await post(t.app, {
        url: `${ALPHA}/authenticate`,
        headers: { 'content-type': 'application/json', 'accept-api-version': 'resource=2.1' },
        body,
      });
      expectNoLeak(response);
      expect(response.headers['content-type'], JSON.stringify(body)).toBe(JSON_UTF8);
    }
    // Input values of the wrong type fail the login rather than the server (on a fresh journey:
    // an authId that reached the tree above is spent).
    const fresh = await post(t.app, {
      url: `${ALPHA}/authenticate`,
      headers: { 'content-type': 'application/json', 'accept-api-version': 'resource=2.1' },
    });
    const odd = await post(t.app, {
      url: `${ALPHA}/authenticate`,
      headers: { 'content-type': 'application/json', 'accept-api-version': 'resource=2.1' },
      body: {
        authId: (json(fresh) as { authId: string }).authId,
        callbacks: [
          { type: 'NameCallback', input: [{ name: 'IDToken1', value: { $ne: null } }] },
          { type: 'PasswordCallback', input: [{ name: 'IDToken2', value: [DEMO_PASSWORD] }] },
        ],
      },
    });
    expectNoLeak(odd);
    expectCrestError(odd, 401);
  });

  it('an expired authId → 408 Session has timed out (spec §5.4)', async () => {
    const started = await post(t.app, {
      url: `${ALPHA}/authenticate`,
      headers: { 'content-type': 'application/json', 'accept-api-version': 'resource=2.1' },
    });
    const step = json(started) as { authId: string; callbacks: unknown[] };
    t.clock.advanceMinutes(6);
    const response = await post(t.app, {
      url: `${ALPHA}/authenticate`,
      headers: { 'content-type': 'application/json', 'accept-api-version': 'resource=2.1' },
      body: step,
    });
    expectCrestError(response, 408, 'Session has timed out');
  });

  it('odd headers: repeated parameters, bad versions, bad RFC 2047 words, method overrides', async () => {
    const cases = [
      await post(t.app, { url: `${ALPHA}/sessions?_action=validate&_prettyPrint=true&_prettyPrint=false` }),
      await post(t.app, {
        url: `${ALPHA}/sessions?_action=validate&tokenId=a&tokenId=b`,
        headers: { 'accept-api-version': V4 },
      }),
      await post(t.app, {
        url: `${ALPHA}/sessions?_action=validate`,
        headers: { 'accept-api-version': `resource=${'9'.repeat(500)}` },
      }),
      await post(t.app, {
        url: `${ALPHA}/sessions?_action=validate`,
        headers: { 'accept-api-version': 'resource=2.0, resource=2.1' },
      }),
      await post(t.app, {
        url: `${ALPHA}/sessions?_action=validate`,
        headers: { 'accept-api-version': 'protocol=1.9' },
      }),
      await post(t.app, {
        url: `${ALPHA}/sessions?_action=validate`,
        headers: { 'x-http-method-override': 'FOO' },
      }),
      await post(t.app, { url: `${ALPHA}/authenticate?authIndexType=service&authIndexType=x` }),
      await post(t.app, {
        url: `${ALPHA}/authenticate`,
        headers: { 'x-openam-username': '=?bogus?B?AAAA?=', 'x-openam-password': '=?UTF-8?Q?=ZZ?=' },
      }),
      await post(t.app, { url: `${ALPHA}/authenticate`, headers: { 'x-http-method-override': 'DELETE' } }),
    ];
    for (const response of cases) {
      expectNoLeak(response);
      expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
      expectCrestError(response, response.statusCode);
    }
  });
});
