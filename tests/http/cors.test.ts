import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, loginDemo, type TestApp } from '../helpers/app.js';

describe('CORS for browser clients on other origins', () => {
  let t: TestApp;
  afterEach(() => t.close());

  it('answers a preflight from an allowed origin with credentials, the reflected origin and the SDK headers', async () => {
    t = await buildTestApp({ config: { cors: { origins: ['http://localhost:*'] } } });
    const response = await t.app.inject({
      method: 'OPTIONS',
      url: '/am/json/realms/root/realms/alpha/authenticate',
      headers: {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers':
          'accept-api-version,content-type,x-requested-with,x-requested-platform',
      },
    });
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(response.headers['access-control-allow-credentials']).toBe('true');
    const allowed = String(response.headers['access-control-allow-headers']).split(', ');
    for (const header of [
      'accept-api-version',
      'content-type',
      'x-requested-with',
      'x-requested-platform',
      'iplanetdirectorypro',
    ]) {
      expect(allowed).toContain(header);
    }
    expect(String(response.headers['access-control-allow-methods'])).toContain('POST');
  });

  it('adds the CORS headers to actual requests from an allowed origin (never *)', async () => {
    t = await buildTestApp({ config: { cors: { origins: ['https://app.example.com'] } } });
    const token = await loginDemo(t.app);
    const response = await t.app.inject({
      method: 'POST',
      url: '/am/json/realms/root/realms/alpha/sessions/?_action=logout',
      headers: {
        origin: 'https://app.example.com',
        'accept-api-version': 'protocol=1.0,resource=2.0',
        'x-requested-with': 'forgerock-sdk',
        cookie: `iPlanetDirectoryPro=${token}`,
      },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(response.headers['access-control-allow-credentials']).toBe('true');
    expect(response.headers.vary).toContain('Origin');
  });

  it('refuses a preflight from another origin and adds nothing to its requests', async () => {
    t = await buildTestApp({ config: { cors: { origins: ['https://app.example.com'] } } });
    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: '/am/json/realms/root/realms/alpha/authenticate',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const request = await t.app.inject({
      method: 'POST',
      url: '/am/json/realms/root/realms/alpha/authenticate',
      headers: { origin: 'https://evil.example' },
    });
    expect(request.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('is off unless origins are configured', async () => {
    t = await buildTestApp();
    const response = await t.app.inject({
      method: 'OPTIONS',
      url: '/am/json/realms/root/realms/alpha/authenticate',
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' },
    });
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('session cookie attributes', () => {
  let t: TestApp;
  afterEach(() => t.close());

  it('follow the configuration: Secure, HttpOnly, SameSite and one cookie per domain', async () => {
    t = await buildTestApp({
      config: {
        cookie: { secure: true, httpOnly: true, sameSite: 'None', domains: ['example.com', 'example.org'] },
      },
    });
    const response = await t.app.inject({
      method: 'POST',
      url: '/am/json/realms/root/realms/alpha/authenticate',
      headers: { 'x-openam-username': 'demo', 'x-openam-password': 'Ch4ng31t!' },
    });
    const cookies = ([] as string[])
      .concat(response.headers['set-cookie'] ?? [])
      .filter((c) => c.startsWith('iPlanetDirectoryPro='));
    expect(cookies).toHaveLength(2);
    for (const cookie of cookies) {
      expect(cookie).toMatch(/; Path=\//);
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=None/);
      expect(cookie).not.toMatch(/Expires/);
    }
    expect(cookies[0]).toContain('Domain=example.com');
    expect(cookies[1]).toContain('Domain=example.org');
  });
});
