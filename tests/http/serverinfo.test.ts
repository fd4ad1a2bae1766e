import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { expectCrestError, json } from './conformance-support.js';

const XUI = { 'accept-api-version': 'protocol=1.0,resource=1.1' };

/** Spec §11, "serverinfo" (checklist 122–124). */
describe('/json/serverinfo', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
  });
  afterEach(() => t.close());

  const read = (url: string, headers: Record<string, string> = XUI) =>
    t.app.inject({ method: 'GET', url, headers });

  it('122: anonymous GET serverinfo/* → cookieName, domains, secureCookie, "false" forgotPassword, the URL realm', async () => {
    for (const [url, realm] of [
      ['/am/json/serverinfo/*', '/'],
      ['/am/json/realms/root/serverinfo/*', '/'],
      ['/am/json/realms/root/realms/alpha/serverinfo/*', '/alpha'],
      ['/am/json/alpha/serverinfo/*', '/alpha'],
    ] as const) {
      const response = await read(url);
      expect(response.statusCode, url).toBe(200);
      const body = json(response);
      expect(body.cookieName).toBe('iPlanetDirectoryPro');
      expect(Array.isArray(body.domains)).toBe(true);
      expect(typeof body.secureCookie).toBe('boolean');
      expect(body.forgotPassword).toBe('false');
      expect(body.realm, url).toBe(realm);
    }
    // The Postman prerequisite reads the cookie name from here: it follows the configuration.
    const custom = await buildTestApp({
      config: { cookie: { name: 'f00dcafe', secure: true, domains: ['example.org'] } },
    });
    try {
      const body = json(
        await custom.app.inject({ method: 'GET', url: '/am/json/serverinfo/*', headers: XUI }),
      );
      expect(body).toMatchObject({ cookieName: 'f00dcafe', secureCookie: true, domains: ['example.org'] });
    } finally {
      await custom.close();
    }
  });

  it('123: GET serverinfo/cookieDomains → {"domains":[…]}', async () => {
    const response = await read('/am/json/serverinfo/cookieDomains');
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({ domains: [] });
    const custom = await buildTestApp({ config: { cookie: { domains: ['a.example', 'b.example'] } } });
    try {
      const other = await custom.app.inject({
        method: 'GET',
        url: '/am/json/realms/root/serverinfo/cookieDomains',
        headers: XUI,
      });
      expect(json(other)).toEqual({ domains: ['a.example', 'b.example'] });
    } finally {
      await custom.close();
    }
  });

  it('124: GET serverinfo/foo → 501 ResourceId not supported: foo', async () => {
    const response = await read('/am/json/serverinfo/foo');
    expectCrestError(response, 501, 'ResourceId not supported: foo');
  });
});
