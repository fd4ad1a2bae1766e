import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, DEMO_PASSWORD, loginAdmin, type TestApp } from '../helpers/app.js';
import { decodeSegment, expectCrestError, json, post, V4 } from './conformance-support.js';

const ZERO_PAGE = {
  'x-openam-username': 'demo',
  'x-openam-password': DEMO_PASSWORD,
  'accept-api-version': 'resource=2.1',
};

/** Spec §11, "Realms" (checklist 30–34). */
describe('realm routing', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
  });
  afterEach(() => t.close());

  it('30: an unknown sub-realm → 404 whose message names the realm', async () => {
    const admin = await loginAdmin(t.app);
    const response = await post(t.app, {
      url: '/am/json/realms/root/realms/nosuch/sessions?_action=getSessionInfo',
      headers: { 'content-type': 'application/json', 'accept-api-version': V4, iplanetdirectorypro: admin },
    });
    const body = expectCrestError(response, 404);
    expect(body.message).toContain('Realm');
    expect(body.message).toContain('nosuch');
    expect(body.message).toContain('not found');
    // The same for /authenticate.
    const authenticate = await post(t.app, {
      url: '/am/json/realms/root/realms/nosuch/authenticate',
      headers: { 'accept-api-version': 'resource=2.1' },
    });
    expect(expectCrestError(authenticate, 404).message).toContain('nosuch');
  });

  it('31: /json/sessions, /json/realms/root/sessions and /json/realms/ROOT/sessions reach the same resource', async () => {
    const admin = await loginAdmin(t.app);
    const headers = {
      'content-type': 'application/json',
      'accept-api-version': V4,
      iplanetdirectorypro: admin,
      host: 'localhost:8080',
    };
    const bodies: string[] = [];
    for (const base of ['/am/json', '/am/json/realms/root', '/am/json/realms/ROOT']) {
      const response = await post(t.app, { url: `${base}/sessions?_action=getSessionInfo`, headers });
      expect(response.statusCode, base).toBe(200);
      bodies.push(response.body);
      const anonymous = await post(t.app, {
        url: `${base}/sessions?_action=refresh`,
        headers: { 'accept-api-version': V4, host: 'localhost:8080' },
      });
      expect(anonymous.statusCode, base).toBe(401);
      // The URL's realm is the root in all three forms.
      const info = await t.app.inject({
        method: 'GET',
        url: `${base}/serverinfo/*`,
        headers: { 'accept-api-version': 'protocol=1.0,resource=1.1', host: 'localhost:8080' },
      });
      expect(json(info).realm, base).toBe('/');
    }
    expect(new Set(bodies).size).toBe(1);
  });

  it('32: POST /json/authenticate?realm=/alpha authenticates in /alpha', async () => {
    const response = await post(t.app, { url: '/am/json/authenticate?realm=/alpha', headers: ZERO_PAGE });
    expect(response.statusCode, response.body).toBe(200);
    expect(json(response).realm).toBe('/alpha');
    // The bare name form is accepted too, and the parameter wins over the URL's realm.
    const bare = await post(t.app, {
      url: '/am/json/realms/root/authenticate?realm=alpha',
      headers: ZERO_PAGE,
    });
    expect(bare.statusCode, bare.body).toBe(200);
    expect(json(bare).realm).toBe('/alpha');
    // demo does not exist in the root realm.
    const root = await post(t.app, { url: '/am/json/authenticate', headers: ZERO_PAGE });
    expect(root.statusCode).toBe(401);
  });

  it('a DNS alias picks the realm by Host: the same path answers per Host, in any order', async () => {
    await t.close();
    t = await buildTestApp({
      config: { realms: [{ path: '/alpha', aliases: ['alpha.example.com'] }] },
    });
    const at = (host: string) =>
      post(t.app, { url: '/am/json/authenticate', headers: { ...ZERO_PAGE, host } });
    for (const host of ['alpha.example.com:8080', 'localhost:8080', 'alpha.example.com', 'localhost']) {
      const response = await at(host);
      if (host.startsWith('alpha')) {
        expect(response.statusCode, `${host}: ${response.body}`).toBe(200);
        expect(json(response).realm).toBe('/alpha');
      } else {
        // demo lives in /alpha only: the root realm does not know it.
        expect(response.statusCode, host).toBe(401);
      }
    }
  });

  it('33: /json/realms/root/realms/alpha/authenticate answers realm /alpha; the authId realm claim is the DN', async () => {
    const success = await post(t.app, {
      url: '/am/json/realms/root/realms/alpha/authenticate',
      headers: ZERO_PAGE,
    });
    expect(success.statusCode).toBe(200);
    expect(json(success).realm).toBe('/alpha');

    const step = await post(t.app, {
      url: '/am/json/realms/root/realms/alpha/authenticate',
      headers: { 'accept-api-version': 'resource=2.1', 'content-type': 'application/json' },
    });
    const authId = json(step).authId as string;
    const claims = JSON.parse(decodeSegment(authId.split('.')[1])) as { realm?: unknown };
    expect(typeof claims.realm).toBe('string');
    expect(claims.realm).not.toBe('/alpha');
    expect(claims.realm).toMatch(/^o=alpha,/);
  });

  it('34: legacy /json/alpha/authenticate authenticates in /alpha', async () => {
    const response = await post(t.app, { url: '/am/json/alpha/authenticate', headers: ZERO_PAGE });
    expect(response.statusCode, response.body).toBe(200);
    expect(json(response).realm).toBe('/alpha');
    expect(typeof json(response).tokenId).toBe('string');
  });
});
